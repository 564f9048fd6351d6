"""Leads (线索), write side: logging a supervisor's report, numbering, moving it to an
outcome, deadlines and extensions.  The read side lives in :mod:`views`; the package
names the use cases of both for the commands."""


from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, func, select

from medisup import clock
from medisup.errors import InvalidValue, RuleViolation
from medisup.i18n import t
from medisup.models import (
    Lead,
    LeadEvent,
    LeadExtension,
    LeadItem,
    Person,
)
from medisup.services.leads import rules
from medisup.services.leads.items import with_openers
from medisup.services.leads.rules import (
    CLOSED,
    IN_PROGRESS,
    OUTCOMES,
    RECEIVED,
    REFERRED,
    VERIFIED,
)

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

from medisup.services.leads.records import (
    active_interests,
    events_of,
    find_supervisor,
    get_lead,
    outcome_of,
)
from medisup.services.leads.views import LeadDetail, detail

# ---------------------------------------------------------------- numbers


def next_number(session: Session, dept: str, year: int, pattern: str = rules.LEAD_PATTERN,
                *, count: int = 1) -> tuple[int, str]:
    """The next sequence and number of ``dept`` for ``year``; with ``count``, that many
    consecutive sequences are reserved (an import) and the first is returned.

    The counter row is locked for the rest of the transaction, so two clerks never get
    the same number; it only ever grows, so a number is never handed out twice, even
    after its lead was deleted.  Leads written without the counter (an old import) are
    respected by starting above the highest sequence on file.
    """
    from medisup.services.counters import next_value

    highest = session.exec(
        select(func.max(Lead.seq)).where(Lead.department_code == dept, Lead.year == year)
    ).one() or 0
    seq = next_value(session, rules.counter_name(dept, year), at_least=highest, count=count)
    return seq, rules.number(dept, year, seq, pattern)


# ---------------------------------------------------------------- log


def log(
    uow: UnitOfWork,
    *,
    supervisor: str,
    received_on: date,
    channel: str,
    target_kind: str,
    target_name: str | None,
    codes: Sequence[str],
    target_credit_code: str | None = None,
    description: str | None = None,
    amount: Any = None,
    department: str | None = None,
    today: date | None = None,
) -> LeadDetail:
    """Record a lead from a serving supervisor; returns it with its number and deadlines."""
    from medisup.services import departments
    from medisup.services.leads.deadlines import lead_deadlines
    from medisup.services.leads.reporters import check_received_on, serving_term_on

    session = uow.session
    today = today or date.today()
    check_received_on(received_on, today)
    target = rules.check_target(target_kind, target_name, target_credit_code)
    amount_value = rules.check_amount(amount)
    text = rules.check_text(description, "description")

    person = find_supervisor(session, supervisor)
    term = serving_term_on(session, person, received_on)
    if department:
        dept = departments.validate_code(department)
        departments.get(session, dept)
    else:
        dept = term.department_code if term.department_code in uow.scope else uow.require_dept()
    uow.check_scope(dept)
    pack = departments.pack_of(session, dept)
    channel_code = rules.check_channel(pack, channel)
    item_codes = rules.check_items(pack, codes, target.kind)

    interest = rules.conflict_of(active_interests(session, person.id, received_on), target)
    deadlines = lead_deadlines(received_on, pack)
    seq, number = next_number(session, dept, received_on.year, pack.lead_number_pattern)
    now = clock.now()
    lead = Lead(
        number=number, department_code=dept, year=received_on.year, seq=seq,
        supervisor_id=person.id, term_id=term.id, received_on=received_on,
        channel=channel_code, target_kind=target.kind, target_name=target.name,
        target_credit_code=target.credit_code, description=text,
        amount_involved=amount_value, status=RECEIVED, accept_by=deadlines.accept_by,
        handle_by=deadlines.handle_by, conflict=interest is not None,
        batch_id=uow.batch_id, created_at=now, updated_at=now,
    )
    session.add(lead)
    session.flush()
    session.add_all(LeadItem(lead_id=lead.id, code=code, opens_subject=opens)
                    for code, opens in with_openers(item_codes))
    session.add(LeadEvent(lead_id=lead.id, from_status=None, to_status=RECEIVED,
                          on_date=received_on, operator=uow.actor.operator, created_at=now))
    session.flush()
    uow.audit("create", "lead", number, after=_snapshot(lead, item_codes, person))
    return detail(uow, lead, reveal=False, as_of=today, warnings=deadlines.warnings)


def _snapshot(lead: Lead, codes: Iterable[str], person: Person | None = None) -> dict:
    doc = {
        "number": lead.number, "department_code": lead.department_code,
        "received_on": lead.received_on, "channel": lead.channel,
        "target_kind": lead.target_kind, "target_name": lead.target_name,
        "target_credit_code": lead.target_credit_code, "items": list(codes),
        "description": lead.description, "amount_involved": lead.amount_involved,
        "status": lead.status, "handling_unit": lead.handling_unit,
        "accept_by": lead.accept_by, "handle_by": lead.handle_by, "conflict": lead.conflict,
        "verified_amount": lead.verified_amount, "recovered_amount": lead.recovered_amount,
        "referral_target": lead.referral_target, "closed_on": lead.closed_on,
    }
    if person is not None:
        doc["supervisor"] = {"name": person.name, "id_number": person.id_number}
    return doc


def _state(lead: Lead) -> dict:
    """The fields a status change or an outcome may touch, for the audit entry."""
    return {
        "status": lead.status, "handling_unit": lead.handling_unit,
        "handle_by": lead.handle_by, "verified_amount": lead.verified_amount,
        "recovered_amount": lead.recovered_amount, "referral_target": lead.referral_target,
        "closed_on": lead.closed_on,
    }


# ---------------------------------------------------------------- status changes


def _check_day(lead: Lead, events: Sequence[LeadEvent], on: date, today: date,
               field_key: str) -> None:
    """A step happens after the previous one (and after receipt), and not in the future."""
    earliest = max([lead.received_on, *(e.on_date for e in events)])
    if not earliest <= on <= today:
        raise InvalidValue(t(field_key), on.isoformat(),
                           t("lead.expect_date_after", earliest=earliest.isoformat(),
                             today=today.isoformat()))


def _outcome_amounts(lead: Lead, verified: Any, recovered: Any) -> tuple[Decimal | None,
                                                                         Decimal | None]:
    return rules.outcome_amounts(
        rules.check_amount(verified, t("lead.field.verified_amount")),
        rules.check_amount(recovered, t("lead.field.recovered_amount")),
        on_file=(lead.verified_amount, lead.recovered_amount), given=recovered)


def transition(
    uow: UnitOfWork,
    number: str,
    *,
    to: str,
    on: date | None = None,
    note: str | None = None,
    handling_unit: str | None = None,
    verified_amount: Any = None,
    recovered_amount: Any = None,
    referral_target: str | None = None,
    today: date | None = None,
) -> LeadDetail:
    """Move a lead one step along 已登记 → 办理中 → 已查实/不属实/已移交 → 已办结.

    The step is dated (default today; not before the previous step), attributed to the
    operator, kept in the lead's history and in the audit log.
    """
    session = uow.session
    today = today or date.today()
    lead = get_lead(uow, number)
    target = rules.resolve_status(to)
    rules.check_transition(lead.status, target)
    events = events_of(session, lead.id)
    on = on or today
    _check_day(lead, events, on, today, "lead.field.on_date")
    note = rules.check_text(note, "note")
    unit = rules.check_text(handling_unit, "handling_unit")
    referral = rules.check_text(referral_target, "referral_target")
    outcome = target if target in OUTCOMES else outcome_of(session, lead)
    if (verified_amount is not None or recovered_amount is not None) and outcome != VERIFIED:
        raise RuleViolation(t("lead.amounts_only_verified", status=rules.status_label(target)))
    if referral is not None and outcome != REFERRED:
        raise RuleViolation(t("lead.referral_only_referred", status=rules.status_label(target)))

    before = _state(lead)
    if target == IN_PROGRESS:
        unit = unit or lead.handling_unit
    if outcome == VERIFIED:
        lead.verified_amount, lead.recovered_amount = _outcome_amounts(
            lead, verified_amount, recovered_amount)
    rules.step(lead.status, target, outcome=outcome,
               handling_unit=unit if target == IN_PROGRESS else lead.handling_unit,
               referral_target=referral or lead.referral_target,
               verified_amount=lead.verified_amount, number=lead.number)
    if target == IN_PROGRESS:
        _recompute_deadlines(session, lead, accepted=on)
    if unit is not None:
        lead.handling_unit = unit
    if referral is not None:
        lead.referral_target = referral
    if target == CLOSED:
        lead.closed_on = on
    lead.status = target
    lead.updated_at = clock.now()
    session.add(lead)
    session.add(LeadEvent(lead_id=lead.id, from_status=before["status"], to_status=target,
                          on_date=on, operator=uow.actor.operator, handling_unit=unit,
                          note=note, created_at=lead.updated_at))
    session.flush()
    after = _state(lead) | {"on_date": on, "note": note}
    uow.audit("transition", "lead", lead.number, before=before, after=after)
    return detail(uow, lead, reveal=False, as_of=today)


def record_outcome(
    uow: UnitOfWork,
    number: str,
    *,
    verified_amount: Any = None,
    recovered_amount: Any = None,
    referral_target: str | None = None,
    today: date | None = None,
) -> LeadDetail:
    """Record or correct the outcome fields without changing the status (e.g. money
    recovered after the lead was closed)."""
    session = uow.session
    lead = get_lead(uow, number)
    outcome = outcome_of(session, lead)
    referral = rules.check_text(referral_target, "referral_target")
    if verified_amount is None and recovered_amount is None and referral is None:
        raise RuleViolation(t("lead.outcome_nothing"))
    if (verified_amount is not None or recovered_amount is not None) and outcome != VERIFIED:
        raise RuleViolation(t("lead.amounts_only_verified",
                              status=rules.status_label(lead.status)))
    if referral is not None and outcome != REFERRED:
        raise RuleViolation(t("lead.referral_only_referred",
                              status=rules.status_label(lead.status)))
    before = _state(lead)
    if outcome == VERIFIED:
        lead.verified_amount, lead.recovered_amount = _outcome_amounts(
            lead, verified_amount, recovered_amount)
    if referral is not None:
        lead.referral_target = referral
    after = _state(lead)
    if after != before:
        lead.updated_at = clock.now()
        session.add(lead)
        session.flush()
        uow.audit("update", "lead", lead.number, before=before, after=after)
    return detail(uow, lead, reveal=False, as_of=today or date.today())


# ---------------------------------------------------------------- deadlines


def _acceptance_date(session: Session, lead: Lead) -> date | None:
    return session.exec(
        select(LeadEvent.on_date).where(LeadEvent.lead_id == lead.id,
                                        LeadEvent.to_status == IN_PROGRESS)
        .order_by(col(LeadEvent.id))
    ).first()


def _extension_days(session: Session, lead_id: int) -> list[int]:
    return list(session.exec(
        select(LeadExtension.working_days).where(LeadExtension.lead_id == lead_id)
        .order_by(col(LeadExtension.id))
    ))


def _recompute_deadlines(session: Session, lead: Lead, *, accepted: date | None = None,
                         extra: Sequence[int] = ()):
    """Handling deadline from the acceptance date (once accepted) plus extensions."""
    from medisup.services import departments
    from medisup.services.leads.deadlines import lead_deadlines

    pack = departments.pack_of(session, lead.department_code)
    deadlines = lead_deadlines(
        lead.received_on, pack,
        extensions=[*_extension_days(session, lead.id), *extra],
        accepted=accepted or _acceptance_date(session, lead),
    )
    lead.accept_by = deadlines.accept_by
    lead.handle_by = deadlines.handle_by
    return deadlines


def extend(
    uow: UnitOfWork,
    number: str,
    *,
    days: int,
    approved_by: str,
    reason: str | None,
    on: date | None = None,
    today: date | None = None,
) -> LeadDetail:
    """Record an approved extension of the handling deadline (within the pack's maximum)."""
    session = uow.session
    today = today or date.today()
    lead = get_lead(uow, number)
    if lead.status == CLOSED:
        raise RuleViolation(t("lead.extend_closed", number=lead.number))
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise InvalidValue(t("deadline.field_extension"), days, t("deadline.positive"))
    approver = rules.check_text(approved_by, "approved_by", required=True)
    why = rules.check_text(reason, "reason", required=True)
    on = on or today
    if on < lead.received_on or on > today:
        raise InvalidValue(t("lead.field.approved_on"), on.isoformat(),
                           t("lead.expect_date_after", earliest=lead.received_on.isoformat(),
                             today=today.isoformat()))
    before = {"handle_by": lead.handle_by}
    deadlines = _recompute_deadlines(session, lead, extra=[days])
    now = clock.now()
    session.add(LeadExtension(lead_id=lead.id, working_days=days, approved_by=approver,
                              approved_on=on, reason=why, created_at=now))
    lead.updated_at = now
    session.add(lead)
    session.flush()
    uow.audit("extend", "lead", lead.number, before=before,
              after={"handle_by": lead.handle_by, "working_days": days,
                     "approved_by": approver, "approved_on": on, "reason": why})
    return detail(uow, lead, reveal=False, as_of=today, warnings=deadlines.warnings)
