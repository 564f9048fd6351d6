"""The roster as people read it: each person's status in each department on a date
(derived from applications and terms, never stored), the filtered list, and one
person's whole history.  Personal data is masked unless revealed, and every reveal is
written to the audit log."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
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
    Term,
    Termination,
)
from medisup.packs import one_of
from medisup.paging import Page
from medisup.services.departments import check_department
from medisup.services.supervisors.identity import age_on
from medisup.services.supervisors.people import (
    find_in_scope,
)
from medisup.services.supervisors.records import (
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
from medisup.services.supervisors.rules import status_at

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork


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
    status there on ``as_of`` (today by default), filtered; by department, name and ID
    number.  The selection is :func:`query.roster`, the export's too."""
    return list(supervisor_page(
        uow, department=department, status=status, category=category, channel=channel,
        ending_before=ending_before, ending_within=ending_within, as_of=as_of,
        reveal=reveal, per_page=None).rows)


SORTS = ("department", "name", "term_end", "age")


@dataclass(frozen=True)
class SupervisorPage(Page):
    """One page of the roster and how many rows the filters select in all."""

    rows: tuple[SupervisorRow, ...]


def supervisor_page(
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
    sort: str = "department",
    page: int = 1,
    per_page: int | None = 50,
) -> SupervisorPage:
    """Page ``page`` of the roster in ``sort`` order (department, name, term_end, age);
    only the rows of the page are built, masked unless revealed (a reveal is audited)."""
    from medisup.services.supervisors import query as supervisor_query

    if sort not in SORTS:
        raise InvalidValue("--sort", sort, one_of(SORTS))
    if page < 1 or (per_page is not None and per_page < 1):
        raise InvalidValue("--page" if page < 1 else "--limit", page if page < 1 else per_page,
                           t("supervisor.expect_page"))
    root = check_department(uow, department)
    on = as_of or date.today()
    found = supervisor_query.roster(uow, root, status=status, category=category,
                                    channel=channel, ending_before=ending_before,
                                    ending_within=ending_within, on=on)
    entries = found.entries
    if sort == "name":
        entries = sorted(entries, key=lambda e: (e.name, e.id_number, e.department))
    elif sort == "term_end":  # the soonest end first; rows without a term last
        entries = sorted(entries, key=lambda e: (e.term is None, e.term.end_date if e.term
                                                 else date.max, e.department, e.name))
    elif sort == "age":  # the eldest first
        entries = sorted(entries, key=lambda e: (e.person.birth_date, e.name, e.department))
    start = (page - 1) * per_page if per_page else 0
    shown = entries[start:start + per_page] if per_page else entries
    rows = [_roster_row(uow, e, found.categories.get(e.person.id, ()), on) for e in shown]
    if reveal:
        if rows:
            uow.audit("reveal", "person", "list", after={
                "people": sorted({r.person_id for r in rows}), "department": root.code,
                "as_of": on})
    else:
        rows = [_mask_row(r) for r in rows]
    return SupervisorPage(tuple(rows), len(entries), page, per_page)


def _roster_row(uow: UnitOfWork, entry: Any, cats: tuple[str, ...], on: date) -> SupervisorRow:
    session = uow.session
    code, term, app, person = entry.department, entry.term, entry.application, entry.person
    dept_pack = pack_for(session, code)
    dept = session.get(Department, code)
    return SupervisorRow(
        person_id=person.id, id_number=person.id_number, name=person.name,
        gender=person.gender, birth_date=person.birth_date,
        age=age_on(person.birth_date, on), phone=person.phone, department_code=code,
        department_name=dept.name if dept else code, status=entry.status,
        categories=tuple(cats),
        category_labels=tuple(item_text(dept_pack, "categories", c) or c for c in cats),
        channel=app.channel if app else None,
        channel_label=item_text(dept_pack, "channels", app.channel) if app else None,
        term_number=term.number if term else None,
        term_start=term.start_date if term else None,
        term_end=term.end_date if term else None,
        work_unit=person.work_unit, background=person.background,
    )


def _mask_row(row: SupervisorRow) -> SupervisorRow:
    from medisup.services.masking import mask_birth_date, mask_id_number, mask_phone

    return replace(row, id_number=mask_id_number(row.id_number) or "", phone=mask_phone(row.phone),
                   birth_date=mask_birth_date(row.birth_date))


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
