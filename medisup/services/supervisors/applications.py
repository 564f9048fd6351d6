"""Supervisor use cases before and beside a term: apply, reject, update the record,
declared interests.  Terms (approve, renew, terminate) are in :mod:`terms`, the roster
views in :mod:`views`; the package names them all for the commands.

Each function takes the unit of work, checks everything before it writes, records an
audit entry with before and after, and returns plain read models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from medisup import clock
from medisup.errors import InvalidValue, RuleViolation
from medisup.i18n import t
from medisup.models import Application, Finding, Interest, Person, PersonCategory
from medisup.services.departments import check_department
from medisup.services.masking import mask_id_number
from medisup.services.roster import serving_term
from medisup.services.supervisors import eligibility
from medisup.services.supervisors import rules as supervisor_rules
from medisup.services.supervisors.identity import (
    REFRESHED,
    UPDATABLE,
    InterestData,
    PersonData,
    check_fields,
    check_interest,
    check_person,
    clean_text,
    field_label,
    parse_interest,
)
from medisup.services.supervisors.people import (
    check_decision_date,
    check_not_future,
    check_note,
    find_in_scope,
    history,
    pending_application,
    person_by_id_number,
    person_departments,
)
from medisup.services.supervisors.records import (
    ApplicationPublic,
    FindingPublic,
    InterestPublic,
    PersonPublic,
    application_public,
    application_snapshot,
    interest_public,
    pack_for,
    person_public,
    person_snapshot,
)

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork



@dataclass(frozen=True)
class ApplyResult:
    """What `apply` recorded and what the review found."""

    person: PersonPublic
    application: ApplicationPublic
    created: bool
    problems: tuple[FindingPublic, ...]
    warnings: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- the person record


def _set_categories(uow: UnitOfWork, person_id: int, codes: Sequence[str]) -> None:
    session = uow.session
    current = {row.code: row for row in session.exec(
        select(PersonCategory).where(PersonCategory.person_id == person_id))}
    for code, row in current.items():
        if code not in codes:
            session.delete(row)
    for code in codes:
        if code not in current:
            session.add(PersonCategory(person_id=person_id, code=code))
    session.flush()


def _save_person(uow: UnitOfWork, data: PersonData) -> tuple[Person, bool]:
    """Create the person, or bring the existing record (same ID number) up to date with
    the values given; a different name under the same ID number is refused."""
    session = uow.session
    person = person_by_id_number(session, data.id_number)
    stamp = clock.now()
    if person is None:
        person = Person(**{k: v for k, v in data.record().items() if k != "categories"},
                        created_at=stamp, updated_at=stamp)
        session.add(person)
        session.flush()
        _set_categories(uow, person.id, data.categories)
        uow.audit("create", "person", person.id, after=person_snapshot(session, person))
        return person, True
    if not supervisor_rules.same_name(person.name, data.name):
        raise InvalidValue(field_label("name"), data.name,
                           t("supervisor.expect_same_name", person=mask_id_number(person.id_number)))
    before = person_snapshot(session, person)
    record = data.record()
    for key in REFRESHED:
        if record[key] is not None:
            setattr(person, key, record[key])
    if data.categories:
        _set_categories(uow, person.id, data.categories)
    after = person_snapshot(session, person)
    if after != before:
        person.updated_at = stamp
        session.add(person)
        session.flush()
        uow.audit("update", "person", person.id, before=before, after=after)
    return person, False


def update(uow: UnitOfWork, ref: str | int, changes: Mapping[str, Any]) -> PersonPublic:
    """Change contact details, work unit, background, ethnicity, categories or name.
    An empty value clears an optional field."""
    session = uow.session
    person = find_in_scope(uow, ref)
    unknown = [k for k in changes if k not in UPDATABLE]
    if unknown:
        raise ValueError(f"fields that cannot be updated: {unknown}")
    codes = sorted(person_departments(session, person.id) & uow.scope)
    pack = pack_for(session, codes[0])
    checked = check_fields(changes, pack)
    if "categories" in checked and not checked["categories"]:
        raise InvalidValue(field_label("categories"), "",
                           t("identity.expect_category", choices="、".join(pack.codes("categories"))))
    before = person_snapshot(session, person)
    for key, value in checked.items():
        if key != "categories":
            setattr(person, key, value)
    if "categories" in checked:
        _set_categories(uow, person.id, checked["categories"])
    after = person_snapshot(session, person)
    if after != before:
        person.updated_at = clock.now()
        session.add(person)
        session.flush()
        uow.audit("update", "person", person.id, before=before, after=after)
    return person_public(session, person)


# ---------------------------------------------------------------- applying


def apply(
    uow: UnitOfWork,
    person: Mapping[str, Any],
    *,
    channel: str,
    recommending_body: str | None = None,
    department: str | None = None,
    applied_on: date | None = None,
    interests: Sequence[str | InterestData] = (),
    findings: Sequence[str] = (),
    all_met: bool = False,
    override_reason: str | None = None,
    health_status: str | None = None,
    recruitment_ref: str | None = None,
    form_on: date | None = None,
) -> ApplyResult:
    """Record an application: the person (found by ID number or created), the channel, the
    reviewer's findings and the automatic ones.  A blocking earlier termination stays a
    finding; an override reason resolves it and is written to the audit log.  The health
    status and the recruitment record (notice or invitation letter, the form's date) are
    what the department weighs when choosing (nm Art. 6, gx Art. 3(四), Art. 4)."""
    session = uow.session
    dept = check_department(uow, department)
    pack = pack_for(session, dept.code)
    on = check_not_future(applied_on or date.today(), field_label("applied_on"))
    data = check_person(person, pack, on)
    channel_code, body = eligibility.check_channel(pack, channel, recommending_body)
    declared = eligibility.declared_findings(pack, findings, all_met=all_met)
    wanted = [i if isinstance(i, InterestData) else parse_interest(i) for i in interests]
    reason = check_note(override_reason, "--override-reason")
    health = supervisor_rules.check_health(pack, health_status)
    reference = supervisor_rules.check_recruitment_ref(recruitment_ref)
    form_day = supervisor_rules.check_form_date(form_on, on, date.today())

    record, created = _save_person(uow, data)
    _refuse_duplicate(uow, record, dept.code, on)
    facts = history(session, record.id, on)
    checks = eligibility.evaluate(
        pack, birth_date=data.birth_date, region_code=data.id_number[:6],
        region_known=data.region_known, declared=declared, history=facts, on=on,
        override_reason=reason, id_number=data.id_number,
    )
    blocking = any(c.result == "blocking" for c in checks)
    app = Application(
        person_id=record.id, department_code=dept.code, channel=channel_code,
        recommending_body=body, applied_on=on, status="pending",
        override_reason=reason if blocking else None, health_status=health,
        recruitment_ref=reference, form_on=form_day, batch_id=uow.batch_id, created_at=clock.now(),
    )
    session.add(app)
    session.flush()
    for check in checks:
        session.add(Finding(application_id=app.id, criterion=check.code, result=check.result,
                            note=check.note, automatic=check.automatic))
    session.flush()
    for interest in wanted:
        _add_interest(uow, record, interest, on, None, quiet_duplicate=True)
    uow.audit("apply", "application", app.id, after=application_snapshot(session, app))
    if blocking and reason:
        uow.audit("override", "application", app.id,
                  after={"reason": reason, "findings": ["no_blocking_termination"]})
    public = application_public(session, app)
    problems = eligibility.problems(checks, overridden=bool(app.override_reason))
    warnings = list(data.warnings)
    if reason and not blocking:
        warnings.append(t("supervisor.override_unused"))
    return ApplyResult(
        person=person_public(session, record), application=public, created=created,
        problems=tuple(FindingPublic(c.code, c.result, c.label, c.article, c.note, c.automatic,
                                     c.preferred) for c in problems),
        warnings=tuple(warnings),
    )


def _refuse_duplicate(uow: UnitOfWork, person: Person, code: str, on: date) -> None:
    session = uow.session
    pending = session.exec(select(Application).where(
        Application.person_id == person.id, Application.department_code == code,
        Application.status == "pending")).first()
    if pending is not None:
        raise RuleViolation(t("supervisor.already_pending", person=mask_id_number(person.id_number),
                              dept=code, on=pending.applied_on.isoformat()))
    term = serving_term(session, person.id, on)
    if term is not None and term.department_code == code:
        raise RuleViolation(t("supervisor.already_serving_here",
                              person=mask_id_number(person.id_number), dept=code,
                              end=term.end_date.isoformat()))


def reject(
    uow: UnitOfWork, ref: str | int, *, reason: str, department: str | None = None,
    on: date | None = None,
) -> ApplicationPublic:
    """Turn down a pending application, with the reason."""
    session = uow.session
    person = find_in_scope(uow, ref)
    app = pending_application(uow, person, department)
    text = check_note(reason, "--reason", required=True)
    decided = check_decision_date(app, on)
    before = application_snapshot(session, app)
    app.status, app.decided_on, app.decision_note = "rejected", decided, text
    session.add(app)
    session.flush()
    uow.audit("reject", "application", app.id, before=before,
              after=application_snapshot(session, app))
    return application_public(session, app)


# ---------------------------------------------------------------- declared interests


def _same(row: Interest, interest: InterestData) -> bool:
    if interest.credit_code and row.credit_code:
        return row.credit_code == interest.credit_code
    return row.institution_name == interest.name


def _add_interest(uow: UnitOfWork, person: Person, interest: InterestData, on: date,
                  note: str | None, *, quiet_duplicate: bool = False) -> Interest | None:
    session = uow.session
    active = session.exec(select(Interest).where(
        Interest.person_id == person.id, col(Interest.withdrawn_on).is_(None))).all()
    for row in active:
        if _same(row, interest):
            if quiet_duplicate:
                return None
            raise RuleViolation(t("supervisor.interest_exists", name=row.institution_name,
                                  code=row.credit_code or "—"))
    row = Interest(person_id=person.id, institution_name=interest.name,
                   credit_code=interest.credit_code, declared_on=on, note=note)
    session.add(row)
    session.flush()
    uow.audit("interest_add", "interest", row.id,
              after={"person_id": person.id, **interest_public(row).as_dict()})
    return row


def add_interest(
    uow: UnitOfWork, ref: str | int, *, name: str, credit_code: str | None = None,
    declared_on: date | None = None, note: str | None = None,
) -> InterestPublic:
    """Declare a tie to a designated institution (回避, Art. 9(四), GX Art. 7(六))."""
    person = find_in_scope(uow, ref)
    interest = check_interest(name, credit_code)
    on = check_not_future(declared_on or date.today(), "--on")
    row = _add_interest(uow, person, interest, on, check_note(note, "--note"))
    return interest_public(row)


def remove_interest(
    uow: UnitOfWork, ref: str | int, *, credit_code: str | None = None, name: str | None = None,
    on: date | None = None,
) -> InterestPublic:
    """Withdraw a declared interest; the row stays, dated, for the history."""
    from medisup.services.supervisors.identity import check_credit_code

    session = uow.session
    person = find_in_scope(uow, ref)
    query = select(Interest).where(Interest.person_id == person.id,
                                   col(Interest.withdrawn_on).is_(None))
    if credit_code:
        wanted = check_credit_code(credit_code)
        query = query.where(Interest.credit_code == wanted)
        field, value = field_label("credit_code"), wanted
    elif clean_text(name):
        query = query.where(Interest.institution_name == clean_text(name))
        field, value = field_label("institution"), clean_text(name)
    else:
        raise InvalidValue(field_label("credit_code"), "", t("supervisor.expect_interest_key"))
    row = session.exec(query.order_by(col(Interest.id))).first()
    if row is None:
        raise InvalidValue(field, value, t("supervisor.expect_declared_interest"))
    withdrawn = check_not_future(on or date.today(), "--on")
    if withdrawn < row.declared_on:
        raise InvalidValue("--on", withdrawn.isoformat(),
                           t("supervisor.expect_after_declared", declared=row.declared_on.isoformat()))
    before = interest_public(row).as_dict()
    row.withdrawn_on = withdrawn
    session.add(row)
    session.flush()
    uow.audit("interest_remove", "interest", row.id, before=before,
              after=interest_public(row).as_dict())
    return interest_public(row)


def list_interests(uow: UnitOfWork, ref: str | int, *, active_only: bool = False
                   ) -> list[InterestPublic]:
    person = find_in_scope(uow, ref)
    query = select(Interest).where(Interest.person_id == person.id)
    if active_only:
        query = query.where(col(Interest.withdrawn_on).is_(None))
    rows = uow.session.exec(query.order_by(col(Interest.declared_on), col(Interest.id)))
    return [interest_public(r) for r in rows]
