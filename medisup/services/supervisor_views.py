"""The roster as people read it: each person's status in each department on a date
(derived from applications and terms, never stored), the filtered list, and one
person's whole history.  Personal data is masked unless revealed, and every reveal is
written to the audit log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.models import (
    Application,
    Certificate,
    Department,
    Discipline,
    Interest,
    Person,
    PersonCategory,
    Term,
    Termination,
)
from medisup.packs import one_of
from medisup.services.identity import age_on, clean_text
from medisup.services.people import (
    check_department,
    find_in_scope,
)
from medisup.services.supervisor_records import (
    STATUSES,
    ApplicationPublic,
    CertificatePublic,
    DisciplinePublic,
    InterestPublic,
    PersonPublic,
    TerminationPublic,
    TermPublic,
    application_public,
    certificate_public,
    discipline_public,
    interest_public,
    item_text,
    pack_for,
    person_public,
    term_public,
    termination_public,
)

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork


def status_label(code: str) -> str:
    return t(f"supervisor.status.{code}")


def parse_status(value: str) -> str:
    """A status code, or its label in either language."""
    from medisup.i18n import catalogue

    text = clean_text(value)
    for code in STATUSES:
        names = {code, catalogue("zh").get(f"supervisor.status.{code}"),
                 catalogue("en").get(f"supervisor.status.{code}")}
        if text.casefold() in {n.casefold() for n in names if n}:
            return code
    raise InvalidValue("--status", value, one_of(STATUSES))


def status_at(apps: list[Application], terms: list[Term], on: date) -> tuple[str | None, Term | None]:
    """A person's status in one department on day ``on``, and the term it concerns.

    Replays history: an application decided after ``on`` was still pending then; a
    term not yet begun makes the person appointed; of an ended term and a rejection
    the later one decides.  ``None``: nothing had happened there by that day.
    """
    for term in terms:
        if term.start_date <= on <= term.end_date and (
                term.terminated_on is None or term.terminated_on > on):
            return "serving", term
    if any(a.applied_on <= on and (a.status == "pending" or (a.decided_on and a.decided_on > on))
           for a in apps):
        return "pending", None
    decided = {a.id: a.decided_on for a in apps}

    def known(term: Term) -> bool:  # the appointment had been made by that day
        when = decided.get(term.application_id) if term.number == 1 else None
        return (when or term.created_at.date()) <= on

    upcoming = [x for x in terms if x.start_date > on and known(x)
                and (x.terminated_on is None or x.terminated_on > x.start_date)]
    if upcoming:
        return "appointed", upcoming[0]
    past = [x for x in terms if x.start_date <= on]
    rejected = [a for a in apps if a.status == "rejected" and a.decided_on and a.decided_on <= on]
    last_rejection = max((a.decided_on for a in rejected), default=None)
    if past:
        last = past[-1]
        ended = last.terminated_on is not None and last.terminated_on <= on
        when = last.terminated_on if ended else last.end_date + timedelta(days=1)
        if last_rejection is None or when >= last_rejection:
            return ("terminated" if ended else "expired"), last
    if last_rejection is not None:
        return "rejected", None
    return None, None


# ---------------------------------------------------------------- read models


@dataclass(frozen=True)
class SupervisorRow:
    """One person in one department, as the list shows it."""

    person_id: int
    id_number: str
    name: str
    gender: str
    birth_date: date
    age: int
    phone: str | None
    department_code: str
    department_name: str
    status: str
    categories: tuple[str, ...]
    category_labels: tuple[str, ...]
    channel: str | None
    channel_label: str | None
    term_number: int | None
    term_start: date | None
    term_end: date | None
    work_unit: str | None
    background: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DepartmentStatus:
    department_code: str
    department_name: str
    status: str
    term_number: int | None
    term_start: date | None
    term_end: date | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SupervisorDetail:
    """One person's record and whole history in the operator's departments."""

    person: PersonPublic
    age: int
    as_of: date
    category_labels: tuple[str, ...]
    background_label: str | None
    statuses: tuple[DepartmentStatus, ...]
    applications: tuple[ApplicationPublic, ...]
    terms: tuple[TermPublic, ...]
    certificates: tuple[CertificatePublic, ...]
    terminations: tuple[TerminationPublic, ...]
    discipline: tuple[DisciplinePublic, ...]
    interests: tuple[InterestPublic, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- list


def list_supervisors(
    uow: UnitOfWork,
    *,
    department: str | None = None,
    status: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    ending_before: date | None = None,
    ending_within: int | None = None,
    as_of: date | None = None,
    reveal: bool = False,
) -> list[SupervisorRow]:
    """Everyone with an application or a term in the department's subtree, with their
    status there on ``as_of`` (today by default), filtered."""
    from medisup.services.departments import subtree_codes

    session = uow.session
    root = check_department(uow, department)
    on = as_of or date.today()
    pack = pack_for(session, root.code)
    wanted_status = parse_status(status) if status else None
    wanted_category = pack.resolve("categories", clean_text(category)).code if category else None
    wanted_channel = pack.resolve("channels", clean_text(channel)).code if channel else None
    if ending_within is not None and ending_within < 0:
        raise InvalidValue("--ending-within", ending_within, t("supervisor.expect_days"))
    codes = subtree_codes(session, root.code)

    apps: dict[tuple[int, str], list[Application]] = defaultdict(list)
    for app in session.exec(select(Application).where(
            col(Application.department_code).in_(codes))
            .order_by(col(Application.applied_on), col(Application.id))):
        apps[(app.person_id, app.department_code)].append(app)
    terms: dict[tuple[int, str], list[Term]] = defaultdict(list)
    for term in session.exec(select(Term).where(col(Term.department_code).in_(codes))
                             .order_by(col(Term.start_date), col(Term.id))):
        terms[(term.person_id, term.department_code)].append(term)
    pairs = sorted(set(apps) | set(terms))
    person_ids = sorted({p for p, _ in pairs})
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(person_ids)))}
    categories: dict[int, list[str]] = defaultdict(list)
    for row in session.exec(select(PersonCategory).where(
            col(PersonCategory.person_id).in_(person_ids)).order_by(col(PersonCategory.code))):
        categories[row.person_id].append(row.code)
    depts = {d.code: d for d in session.exec(select(Department).where(
        col(Department.code).in_(codes)))}

    rows: list[SupervisorRow] = []
    for person_id, code in pairs:
        found, term = status_at(apps[(person_id, code)], terms[(person_id, code)], on)
        if found is None or (wanted_status and found != wanted_status):
            continue
        cats = categories[person_id]
        if wanted_category and wanted_category not in cats:
            continue
        app = _application_of(apps[(person_id, code)], term)
        if wanted_channel and (app is None or app.channel != wanted_channel):
            continue
        # A terminated term was cut short, it did not come to its end: the ending
        # filters (renewal planning) leave it out.
        end = term.end_date if term else None
        if (ending_before is not None or ending_within is not None) and found == "terminated":
            continue
        if ending_before is not None and (end is None or end >= ending_before):
            continue
        if ending_within is not None and (
                end is None or not on <= end <= on + timedelta(days=ending_within)):
            continue
        person = people[person_id]
        dept_pack = pack_for(session, code)
        rows.append(SupervisorRow(
            person_id=person_id, id_number=person.id_number, name=person.name,
            gender=person.gender, birth_date=person.birth_date,
            age=age_on(person.birth_date, on), phone=person.phone, department_code=code,
            department_name=depts[code].name, status=found, categories=tuple(cats),
            category_labels=tuple(item_text(dept_pack, "categories", c) or c for c in cats),
            channel=app.channel if app else None,
            channel_label=item_text(dept_pack, "channels", app.channel) if app else None,
            term_number=term.number if term else None,
            term_start=term.start_date if term else None, term_end=end,
            work_unit=person.work_unit, background=person.background,
        ))
    rows.sort(key=lambda r: (r.department_code, r.name, r.id_number))
    if reveal:
        if rows:
            uow.audit("reveal", "person", "list", after={
                "people": sorted({r.person_id for r in rows}), "department": root.code,
                "as_of": on})
        return rows
    return [_mask_row(r) for r in rows]


def _application_of(apps: list[Application], term: Term | None) -> Application | None:
    if term is not None and term.application_id is not None:
        for app in apps:
            if app.id == term.application_id:
                return app
    return apps[-1] if apps else None


def _mask_row(row: SupervisorRow) -> SupervisorRow:
    from medisup.services.masking import mask_id_number, mask_phone

    return replace(row, id_number=mask_id_number(row.id_number) or "", phone=mask_phone(row.phone))


# ---------------------------------------------------------------- show


def show(uow: UnitOfWork, ref: str | int, *, as_of: date | None = None, reveal: bool = False
         ) -> SupervisorDetail:
    """The record and the history in the operator's departments: status per department,
    applications with findings, terms, certificates, terminations, discipline, interests."""
    session = uow.session
    person = find_in_scope(uow, ref)
    on = as_of or date.today()
    scope = sorted(uow.scope)
    apps = list(session.exec(select(Application).where(
        Application.person_id == person.id, col(Application.department_code).in_(scope))
        .order_by(col(Application.applied_on), col(Application.id))))
    terms = list(session.exec(select(Term).where(
        Term.person_id == person.id, col(Term.department_code).in_(scope))
        .order_by(col(Term.start_date), col(Term.id))))
    term_ids = [x.id for x in terms]
    certificates = list(session.exec(select(Certificate).where(
        col(Certificate.term_id).in_(term_ids)).order_by(col(Certificate.issued_on),
                                                          col(Certificate.id))))
    terminations = list(session.exec(select(Termination).where(
        col(Termination.term_id).in_(term_ids)).order_by(col(Termination.effective_on),
                                                          col(Termination.id))))
    discipline = list(session.exec(select(Discipline).where(
        col(Discipline.term_id).in_(term_ids)).order_by(col(Discipline.occurred_on),
                                                         col(Discipline.id))))
    interests = list(session.exec(select(Interest).where(Interest.person_id == person.id)
                                  .order_by(col(Interest.declared_on), col(Interest.id))))
    statuses = []
    for code in sorted({a.department_code for a in apps} | {x.department_code for x in terms}):
        found, term = status_at([a for a in apps if a.department_code == code],
                                [x for x in terms if x.department_code == code], on)
        if found is None:
            continue
        dept = session.get(Department, code)
        statuses.append(DepartmentStatus(
            code, dept.name if dept else code, found, term.number if term else None,
            term.start_date if term else None, term.end_date if term else None))
    public = person_public(session, person)
    # Labels from the pack of the department the person dealt with last.
    latest = (terms[-1].department_code if terms else apps[-1].department_code)
    pack = pack_for(session, latest)
    category_labels = tuple(item_text(pack, "categories", c) or c for c in public.categories)
    background_label = item_text(pack, "backgrounds", public.background)
    if reveal:
        uow.audit("reveal", "person", person.id, after={"people": [person.id], "command": "show"})
    else:
        public = public.masked()
    return SupervisorDetail(
        person=public, age=age_on(person.birth_date, on), as_of=on,
        category_labels=category_labels, background_label=background_label,
        statuses=tuple(statuses),
        applications=tuple(application_public(session, a) for a in apps),
        terms=tuple(term_public(x) for x in terms),
        certificates=tuple(certificate_public(c) for c in certificates),
        terminations=tuple(termination_public(session, r) for r in terminations),
        discipline=tuple(discipline_public(session, r) for r in discipline),
        interests=tuple(interest_public(r) for r in interests),
    )
