"""Activities, write side: planning or recording one, attendance, cancelling, and the
opinions and suggestions supervisors raise (nm Art. 7(三)(四), GX Art. 6(五))."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from medisup import clock
from medisup.errors import InvalidValue, RuleViolation
from medisup.i18n import t
from medisup.models import Activity, ActivityInstitution, Opinion, Participation, Person
from medisup.services.activities.records import (
    ActivityDetail,
    Institution,
    check_institutions,
    check_kind,
    check_topic,
    conflicts,
    counter_name,
    detail_of,
    find_activity,
    institutions_of,
    number_of,
    snapshot,
)
from medisup.services.departments import check_department
from medisup.services.masking import mask_id_number
from medisup.services.supervisors.people import check_note
from medisup.services.supervisors.records import pack_for

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork


def _calendar_warning(pack, day: date) -> str | None:
    """An activity dated in a year no holiday calendar covers: allowed, but said."""
    from medisup.services.leads.deadlines import calendar_covers

    if day.year in pack.holiday_years or calendar_covers(day.year):
        return None
    return t("activity.warn_calendar", year=day.year, pack=pack.name)


def _people(uow: UnitOfWork, refs: Sequence[str]) -> list[Person]:
    from medisup.services.leads.records import find_supervisor

    out: list[Person] = []
    for ref in refs:
        person = find_supervisor(uow.session, ref)
        if person.id not in {p.id for p in out}:
            out.append(person)
    return out


def _check_serving(uow: UnitOfWork, people: list[Person], dept: str, on: date) -> None:
    """Participants serve, on the activity's day, in its department or one below it."""
    from medisup.models import Term
    from medisup.services.departments import subtree_codes
    from medisup.services.roster import serving_clause

    if not people:
        return
    codes = subtree_codes(uow.session, dept)
    serving = set(uow.session.exec(select(Term.person_id).where(
        col(Term.person_id).in_([p.id for p in people]), col(Term.department_code).in_(codes),
        serving_clause(on))))
    for person in people:
        if person.id not in serving:
            raise RuleViolation(t("activity.not_serving", name=person.name,
                                  id_number=mask_id_number(person.id_number), dept=dept,
                                  on=on.isoformat()))


def _check_conflicts(uow: UnitOfWork, pack, people: list[Person], insts: list[Institution],
                     on: date, override_reason: str | None, activity_number: str) -> dict[int, str]:
    """Refuse a participant with a declared interest in an inspected institution unless
    an override reason is given; the override is audited.  Returns person id → reason."""
    found = conflicts(uow.session, [p.id for p in people], insts, on)
    if not found:
        return {}
    rule = pack.recusal_rule
    article = pack.item("discipline_rules", rule).cite() if rule else ""
    if not override_reason:
        person = next(p for p in people if p.id in found)
        raise RuleViolation(t("activity.conflict", name=person.name,
                              id_number=mask_id_number(person.id_number),
                              institution=found[person.id].institution_name, article=article))
    for pid, interest in found.items():
        uow.audit("override", "participation", f"{activity_number}:{pid}",
                  after={"reason": override_reason, "interest": interest.institution_name,
                         "rule": rule})
    return dict.fromkeys(found, override_reason)


@dataclass(frozen=True)
class NewActivity:
    kind: str
    held_on: date
    topic: str
    department: str | None = None
    institutions: Sequence[tuple[str, str | None]] = ()
    participants: Sequence[str] = ()
    note: str | None = None
    override_reason: str | None = None


def add(uow: UnitOfWork, data: NewActivity, *, today: date | None = None) -> ActivityDetail:
    """Record an activity (held) or plan one (a future date), with the inspected
    institutions and the invited participants; numbered from a locked counter."""
    from medisup.services.counters import next_value

    session = uow.session
    today = today or date.today()
    dept = check_department(uow, data.department)
    pack = pack_for(session, dept.code)
    kind = check_kind(pack, data.kind)
    topic = check_topic(data.topic)
    insts = check_institutions(kind, list(data.institutions))
    note = check_note(data.note, "--note")
    reason = check_note(data.override_reason, "--override-reason")
    people = _people(uow, data.participants)
    _check_serving(uow, people, dept.code, data.held_on)
    warnings = [w for w in (_calendar_warning(pack, data.held_on),) if w]

    year = data.held_on.year
    highest = session.exec(select(func.count()).select_from(Activity).where(
        Activity.department_code == dept.code,
        col(Activity.number).like(f"{dept.code}-HD-{year}-%"))).one()
    seq = next_value(session, counter_name(dept.code, year), at_least=highest)
    number = number_of(dept.code, year, seq)
    overrides = _check_conflicts(uow, pack, people, insts, data.held_on, reason, number)
    row = Activity(number=number, department_code=dept.code, kind=kind.code,
                   held_on=data.held_on, topic=topic, note=note, confidential=kind.confidential,
                   status="held" if data.held_on <= today else "planned", created_at=clock.now(),
                   batch_id=uow.batch_id)
    session.add(row)
    session.flush()
    for inst in insts:
        session.add(ActivityInstitution(activity_id=row.id, name=inst.name,
                                        credit_code=inst.credit_code))
    for person in people:
        session.add(Participation(activity_id=row.id, person_id=person.id,
                                  override_reason=overrides.get(person.id)))
    session.flush()
    uow.audit("create", "activity", number, after=snapshot(row) | {
        "participants": [p.id for p in people], "institutions": len(insts)})
    return detail_of(uow, row, reveal=False, warnings=tuple(warnings))


def attend(
    uow: UnitOfWork,
    number: str,
    *,
    attended: Sequence[str] = (),
    absent: Sequence[str] = (),
    invited: Sequence[str] = (),
    override_reason: str | None = None,
    today: date | None = None,
) -> ActivityDetail:
    """Invite more participants, or record who came and who did not.  Attendance is
    recorded once the day has come, and marks the activity held."""
    session = uow.session
    today = today or date.today()
    row = find_activity(uow, number)
    uow.check_scope(row.department_code)
    if row.status == "cancelled":
        raise RuleViolation(t("activity.cancelled_already", number=row.number,
                              on=row.cancelled_on.isoformat() if row.cancelled_on else "-"))
    if (attended or absent) and row.held_on > today:
        raise InvalidValue("--attended", row.held_on.isoformat(),
                           t("activity.expect_held", held_on=row.held_on.isoformat()))
    if not (attended or absent or invited):
        raise InvalidValue("--attended", "", t("activity.expect_someone"))
    pack = pack_for(session, row.department_code)
    reason = check_note(override_reason, "--override-reason")
    wanted: dict[int, tuple[Person, bool | None]] = {}
    for refs, value in ((invited, None), (attended, True), (absent, False)):
        for person in _people(uow, refs):
            wanted[person.id] = (person, value)
    existing = {p.person_id: p for p in session.exec(select(Participation).where(
        Participation.activity_id == row.id))}
    new = [p for pid, (p, _) in wanted.items() if pid not in existing]
    _check_serving(uow, new, row.department_code, row.held_on)
    overrides = _check_conflicts(uow, pack, new, institutions_of(session, row.id), row.held_on,
                                 reason, row.number)
    before = {pid: p.attended for pid, p in existing.items()}
    for pid, (_person, value) in wanted.items():
        part = existing.get(pid) or Participation(activity_id=row.id, person_id=pid,
                                                   override_reason=overrides.get(pid))
        if value is not None or pid not in existing:
            part.attended = value
        session.add(part)
    if (attended or absent) and row.status == "planned":
        row.status = "held"
        session.add(row)
    session.flush()
    uow.audit("attend", "activity", row.number, before={"attendance": before},
              after={"attendance": {pid: v for pid, (_, v) in wanted.items()}})
    return detail_of(uow, row, reveal=False)


def cancel(uow: UnitOfWork, number: str, *, reason: str, on: date | None = None) -> ActivityDetail:
    """Cancel a planned activity (held ones stay on record); the reason is required."""
    session = uow.session
    row = find_activity(uow, number)
    uow.check_scope(row.department_code)
    text = check_note(reason, "--reason", required=True)
    if row.status == "cancelled":
        raise RuleViolation(t("activity.cancelled_already", number=row.number,
                              on=row.cancelled_on.isoformat() if row.cancelled_on else "-"))
    recorded = session.exec(select(func.count()).select_from(Participation).where(
        Participation.activity_id == row.id, col(Participation.attended).is_not(None))).one()
    if recorded:
        raise RuleViolation(t("activity.cancel_attended", number=row.number))
    before = snapshot(row)
    row.status, row.cancelled_on, row.cancel_reason = "cancelled", on or date.today(), text
    session.add(row)
    session.flush()
    uow.audit("cancel", "activity", row.number, before=before, after=snapshot(row))
    return detail_of(uow, row, reveal=False)


@dataclass(frozen=True)
class OpinionView:
    id: int
    person_id: int
    name: str
    id_number: str
    department_code: str
    received_on: date
    channel: str | None
    activity: str | None
    summary: str


def record_opinion(
    uow: UnitOfWork,
    *,
    supervisor: str,
    received_on: date,
    summary: str,
    channel: str | None = None,
    activity: str | None = None,
    department: str | None = None,
    today: date | None = None,
) -> OpinionView:
    """An opinion or suggestion a supervisor raised at a meeting or sent in; counted by
    the annual review, never a violation."""
    from medisup.services.leads.rules import check_channel
    from medisup.services.supervisors.people import check_not_future

    session = uow.session
    day = check_not_future(received_on, "--on", today)
    linked = find_activity(uow, activity) if activity else None
    dept = check_department(uow, department or (linked.department_code if linked else None))
    pack = pack_for(session, dept.code)
    code = check_channel(pack, channel) if channel else None
    text = " ".join(str(summary or "").split())
    if not text or len(text) > 2000:
        raise InvalidValue(t("activity.field.summary"), text[:20], t("activity.expect_text",
                                                                    limit=2000))
    person = _people(uow, [supervisor])[0]
    _check_serving(uow, [person], dept.code, day)
    row = Opinion(person_id=person.id, department_code=dept.code,
                  activity_id=linked.id if linked else None, received_on=day, channel=code,
                  summary=text, created_at=clock.now())
    session.add(row)
    session.flush()
    uow.audit("create", "opinion", row.id, after={"person_id": person.id, "received_on": day,
                                                  "department_code": dept.code,
                                                  "activity": linked.number if linked else None})
    return OpinionView(row.id, person.id, person.name, mask_id_number(person.id_number) or "",
                       dept.code, day, code, linked.number if linked else None, text)
