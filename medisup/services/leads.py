"""Leads (线索): logging a supervisor's report, moving it to an outcome, deadlines and
extensions, conflicts of interest, and the confidential list and detail views."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from medisup.errors import InvalidValue, NotFound, RuleViolation
from medisup.i18n import t
from medisup.models import (
    Counter,
    Department,
    Interest,
    Lead,
    LeadEvent,
    LeadExtension,
    LeadItem,
    Person,
)
from medisup.packs.model import Pack
from medisup.services import lead_rules as rules
from medisup.services.lead_rules import (
    CLOSED,
    IN_PROGRESS,
    OUTCOMES,
    RECEIVED,
    REFERRED,
    VERIFIED,
)
from medisup.services.masking import mask_id_number, mask_phone, mask_text

if TYPE_CHECKING:
    from medisup.services.lead_rewards import RewardPublic
    from medisup.services.uow import UnitOfWork

_CHUNK = 500  # ids per IN (...) list: far below every driver's parameter limit


# ---------------------------------------------------------------- read models


@dataclass(frozen=True)
class ItemNode:
    """A taxonomy item as the tree shows it."""

    code: str
    label: str
    short: str
    article: str


@dataclass(frozen=True)
class SubjectNode:
    """A subject of the taxonomy with the target kinds it covers and its items."""

    code: str
    label: str
    article: str
    targets: tuple[str, ...]
    items: tuple[ItemNode, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LeadRow:
    """One lead in a list; personal data already masked unless revealed."""

    number: str
    department_code: str
    received_on: date
    channel: str
    channel_label: str
    target_kind: str
    target_name: str
    target_credit_code: str | None
    items: tuple[str, ...]
    status: str
    supervisor_name: str
    supervisor_id_number: str
    supervisor_phone: str | None
    handling_unit: str | None
    accept_by: date | None
    handle_by: date | None
    due: date | None
    overdue: bool
    conflict: bool
    amount_involved: Decimal | None
    verified_amount: Decimal | None
    recovered_amount: Decimal | None
    referral_target: str | None
    closed_on: date | None
    description: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ItemView:
    code: str
    subject: str
    label: str
    article: str


@dataclass(frozen=True)
class EventView:
    from_status: str | None
    to_status: str
    on_date: date
    operator: str
    handling_unit: str | None
    note: str | None


@dataclass(frozen=True)
class ExtensionView:
    working_days: int
    approved_by: str
    approved_on: date
    reason: str | None


@dataclass(frozen=True)
class LeadDetail:
    """One lead with its items, history, extensions and rewards."""

    row: LeadRow
    pack: str
    item_views: tuple[ItemView, ...]
    events: tuple[EventView, ...]
    extensions: tuple[ExtensionView, ...]
    rewards: tuple[RewardPublic, ...]
    conflict_with: str | None
    deadline_basis: str
    warnings: tuple[str, ...] = ()

    @property
    def number(self) -> str:
        return self.row.number

    @property
    def status(self) -> str:
        return self.row.status

    def as_dict(self) -> dict[str, Any]:
        doc = self.row.as_dict()
        doc.update(pack=self.pack, conflict_with=self.conflict_with,
                   deadline_basis=self.deadline_basis)
        return doc


@dataclass(frozen=True)
class LeadFilter:
    """What ``lead list`` narrows by; every field optional."""

    department: str | None = None
    status: str | None = None
    subject: str | None = None
    code: str | None = None
    supervisor: str | None = None
    target: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool = False
    conflict: bool = False
    limit: int | None = None


# ---------------------------------------------------------------- taxonomy


def taxonomy(pack: Pack) -> list[SubjectNode]:
    """The pack's Art. 8 taxonomy: subjects with the target kinds they cover and items."""
    return [
        SubjectNode(
            code=subject.code, label=subject.text(), article=subject.cite(),
            targets=subject.targets,
            items=tuple(ItemNode(i.code, i.text(), i.text(short=True), i.cite()) for i in items),
        )
        for subject, items in pack.taxonomy()
    ]


# ---------------------------------------------------------------- look-ups


def get_lead(uow: UnitOfWork, number: str) -> Lead:
    """The lead ``number``, within the operator's scope."""
    text = (number or "").strip().upper()
    lead = uow.session.exec(select(Lead).where(Lead.number == text)).first()
    if lead is None:
        raise NotFound(t("lead.not_found", number=number))
    uow.check_scope(lead.department_code)
    return lead


def find_supervisor(session: Session, id_number: str) -> Person:
    text = (id_number or "").strip().upper()
    person = session.exec(select(Person).where(Person.id_number == text)).first()
    if person is None:
        raise NotFound(t("lead.supervisor_not_found", id_number=mask_id_number(text) or "-"))
    return person


def active_interests(session: Session, person_id: int, on: date) -> list[Interest]:
    """Interests the person had declared and not withdrawn by day ``on``."""
    return list(session.exec(
        select(Interest).where(
            Interest.person_id == person_id,
            or_(col(Interest.withdrawn_on).is_(None), col(Interest.withdrawn_on) > on),
        ).order_by(col(Interest.id))
    ))


def overdue_clause(as_of: date):
    """SQL condition for :func:`lead_rules.is_overdue` (reviews use it too)."""
    return and_(
        col(Lead.status) != CLOSED,
        or_(
            and_(col(Lead.status) == RECEIVED, col(Lead.accept_by) < as_of),
            and_(col(Lead.status) != RECEIVED, col(Lead.handle_by) < as_of),
        ),
    )


def _label(pack: Pack | None, kind: str, code: str | None) -> str:
    if pack is None or code is None:
        return code or ""
    try:
        return pack.label(kind, code)
    except InvalidValue:
        return code


# ---------------------------------------------------------------- numbers


def next_number(session: Session, dept: str, year: int, pattern: str = rules.LEAD_PATTERN
                ) -> tuple[int, str]:
    """The next sequence and number of ``dept`` for ``year``.

    The counter row is locked for the rest of the transaction, so two clerks never get
    the same number; it only ever grows, so a number is never handed out twice, even
    after its lead was deleted.  Leads written without the counter (an old import) are
    respected by starting above the highest sequence on file.
    """
    name = rules.counter_name(dept, year)
    counter = _locked_counter(session, name)
    if counter is None:
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=0))
        except IntegrityError:  # another writer created it first
            pass
        counter = _locked_counter(session, name)
        assert counter is not None
    highest = session.exec(
        select(func.max(Lead.seq)).where(Lead.department_code == dept, Lead.year == year)
    ).one() or 0
    seq = max(counter.value, highest) + 1
    counter.value = seq
    session.add(counter)
    return seq, rules.number(dept, year, seq, pattern)


def _locked_counter(session: Session, name: str) -> Counter | None:
    return session.exec(select(Counter).where(Counter.name == name).with_for_update()).first()


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
    from medisup.services.deadlines import lead_deadlines
    from medisup.services.roster import serving_term

    session = uow.session
    today = today or date.today()
    if received_on > today:
        raise InvalidValue(t("lead.field.received_on"), received_on.isoformat(),
                           t("lead.expect_not_future", today=today.isoformat()))
    target = rules.check_target(target_kind, target_name, target_credit_code)
    amount_value = rules.check_amount(amount)
    text = rules.check_text(description, "description")

    person = find_supervisor(session, supervisor)
    term = serving_term(session, person.id, received_on)
    if term is None:
        raise RuleViolation(t("lead.not_serving", name=person.name,
                              id_number=mask_id_number(person.id_number),
                              date=received_on.isoformat()))
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
    now = datetime.now(UTC)
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
    session.add_all(LeadItem(lead_id=lead.id, code=code) for code in item_codes)
    session.add(LeadEvent(lead_id=lead.id, from_status=None, to_status=RECEIVED,
                          on_date=received_on, operator=uow.actor.operator, created_at=now))
    session.flush()
    uow.audit("create", "lead", number, after=_snapshot(lead, item_codes, person))
    return _detail(uow, lead, reveal=False, as_of=today, warnings=deadlines.warnings)


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


def _events(session: Session, lead_id: int) -> list[LeadEvent]:
    return list(session.exec(
        select(LeadEvent).where(LeadEvent.lead_id == lead_id)
        .order_by(col(LeadEvent.on_date), col(LeadEvent.id))
    ))


def outcome_of(session: Session, lead: Lead) -> str | None:
    """verified / unfounded / referred: the outcome the lead reached, even once closed."""
    if lead.status in OUTCOMES:
        return lead.status
    if lead.status != CLOSED:
        return None
    found = session.exec(
        select(LeadEvent.to_status).where(
            LeadEvent.lead_id == lead.id, col(LeadEvent.to_status).in_(OUTCOMES)
        ).order_by(col(LeadEvent.id).desc())
    ).first()
    return found


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
    verified_value = rules.check_amount(verified, t("lead.field.verified_amount"))
    recovered_value = rules.check_amount(recovered, t("lead.field.recovered_amount"))
    final_verified = verified_value if verified_value is not None else lead.verified_amount
    final_recovered = recovered_value if recovered_value is not None else lead.recovered_amount
    if final_recovered is not None:
        if final_verified is None:
            raise RuleViolation(t("lead.recovered_needs_verified"))
        if final_recovered > final_verified:
            raise InvalidValue(t("lead.field.recovered_amount"), recovered,
                               t("lead.expect_recovered", verified=final_verified))
    return final_verified, final_recovered


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
    events = _events(session, lead.id)
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
        if unit is None:
            raise InvalidValue(t("lead.field.handling_unit"), "",
                               t("lead.expect_text", limit=rules.TEXT_LIMITS["handling_unit"]))
        _recompute_deadlines(session, lead, accepted=on)
    if unit is not None:
        lead.handling_unit = unit
    if outcome == VERIFIED:
        lead.verified_amount, lead.recovered_amount = _outcome_amounts(
            lead, verified_amount, recovered_amount)
    if referral is not None:
        lead.referral_target = referral
    if target == REFERRED and lead.referral_target is None:
        raise InvalidValue(t("lead.field.referral_target"), "",
                           t("lead.expect_text", limit=rules.TEXT_LIMITS["referral_target"]))
    if target == CLOSED:
        if outcome == VERIFIED and lead.verified_amount is None:
            raise RuleViolation(t("lead.close_needs_verified_amount", number=lead.number))
        lead.closed_on = on
    lead.status = target
    lead.updated_at = datetime.now(UTC)
    session.add(lead)
    session.add(LeadEvent(lead_id=lead.id, from_status=before["status"], to_status=target,
                          on_date=on, operator=uow.actor.operator, handling_unit=unit,
                          note=note, created_at=lead.updated_at))
    session.flush()
    after = _state(lead) | {"on_date": on, "note": note}
    uow.audit("transition", "lead", lead.number, before=before, after=after)
    return _detail(uow, lead, reveal=False, as_of=today)


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
        lead.updated_at = datetime.now(UTC)
        session.add(lead)
        session.flush()
        uow.audit("update", "lead", lead.number, before=before, after=after)
    return _detail(uow, lead, reveal=False, as_of=today or date.today())


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
    from medisup.services.deadlines import lead_deadlines

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
    now = datetime.now(UTC)
    session.add(LeadExtension(lead_id=lead.id, working_days=days, approved_by=approver,
                              approved_on=on, reason=why, created_at=now))
    lead.updated_at = now
    session.add(lead)
    session.flush()
    uow.audit("extend", "lead", lead.number, before=before,
              after={"handle_by": lead.handle_by, "working_days": days,
                     "approved_by": approver, "approved_on": on, "reason": why})
    return _detail(uow, lead, reveal=False, as_of=today, warnings=deadlines.warnings)


# ---------------------------------------------------------------- list and show


_ROW_COLUMNS = (
    Lead.id, Lead.number, Lead.department_code, Lead.received_on, Lead.channel,
    Lead.target_kind, Lead.target_name, Lead.target_credit_code, Lead.status,
    Lead.handling_unit, Lead.accept_by, Lead.handle_by, Lead.conflict, Lead.amount_involved,
    Lead.verified_amount, Lead.recovered_amount, Lead.referral_target, Lead.closed_on,
    Lead.description, Person.name, Person.id_number, Person.phone,
)


def _row(values: Any, items: tuple[str, ...], pack: Pack | None, *, reveal: bool,
         as_of: date) -> LeadRow:
    v = values
    return LeadRow(
        number=v.number, department_code=v.department_code, received_on=v.received_on,
        channel=v.channel, channel_label=_label(pack, "report_channels", v.channel),
        target_kind=v.target_kind, target_name=v.target_name,
        target_credit_code=v.target_credit_code, items=items, status=v.status,
        supervisor_name=v.name,
        supervisor_id_number=v.id_number if reveal else mask_id_number(v.id_number),
        supervisor_phone=v.phone if reveal else mask_phone(v.phone),
        handling_unit=v.handling_unit, accept_by=v.accept_by, handle_by=v.handle_by,
        due=rules.due_date(v.status, v.accept_by, v.handle_by),
        overdue=rules.is_overdue(v.status, v.accept_by, v.handle_by, as_of),
        conflict=bool(v.conflict), amount_involved=v.amount_involved,
        verified_amount=v.verified_amount, recovered_amount=v.recovered_amount,
        referral_target=v.referral_target, closed_on=v.closed_on,
        description=v.description if reveal else mask_text(v.description),
    )


def _items_of(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for lead_id, code in session.exec(
            select(LeadItem.lead_id, LeadItem.code).where(col(LeadItem.lead_id).in_(chunk))
            .order_by(col(LeadItem.lead_id), col(LeadItem.code))
        ):
            found.setdefault(lead_id, []).append(code)
    return {k: tuple(v) for k, v in found.items()}


def _packs_of(session: Session, codes: Iterable[str]) -> dict[str, Pack]:
    from medisup.packs import load_pack

    wanted = sorted(set(codes))
    out: dict[str, Pack] = {}
    for start in range(0, len(wanted), _CHUNK):
        for code, name in session.exec(
            select(Department.code, Department.pack)
            .where(col(Department.code).in_(wanted[start:start + _CHUNK]))
        ):
            out[code] = load_pack(name)
    return out


def list_leads(
    uow: UnitOfWork,
    filters: LeadFilter | None = None,
    *,
    reveal: bool = False,
    as_of: date | None = None,
) -> list[LeadRow]:
    """Leads of the operator's department and below, filtered in SQL, oldest first.

    Descriptions and the reporter's ID number and phone are masked unless ``reveal``;
    a reveal is written to the audit log with the numbers of the leads shown.
    """
    from medisup.services import departments

    session = uow.session
    f = filters or LeadFilter()
    as_of = as_of or date.today()
    root = uow.require_dept()
    if f.department:
        root = departments.validate_code(f.department)
        uow.check_scope(root)
    codes = departments.subtree_codes(session, root)
    pack = departments.pack_of(session, root)

    query = select(*_ROW_COLUMNS).join(Person, col(Person.id) == col(Lead.supervisor_id))
    query = query.where(col(Lead.department_code).in_(codes))
    if f.status:
        query = query.where(col(Lead.status) == rules.resolve_status(f.status))
    if f.code:
        code = pack.resolve("items", f.code.strip()).code
        query = query.where(exists().where(col(LeadItem.lead_id) == col(Lead.id),
                                           col(LeadItem.code) == code))
    if f.subject:
        subject = pack.resolve("subjects", f.subject.strip()).code
        query = query.where(exists().where(col(LeadItem.lead_id) == col(Lead.id),
                                           col(LeadItem.code).like(f"{subject}%")))
    if f.supervisor:
        query = query.where(col(Person.id_number) == f.supervisor.strip().upper())
    if f.target:
        text = f.target.strip()
        credit = rules.normalise_credit_code(text)
        query = query.where(or_(col(Lead.target_name).icontains(text, autoescape=True),
                                col(Lead.target_credit_code) == credit))
    if f.received_from:
        query = query.where(col(Lead.received_on) >= f.received_from)
    if f.received_to:
        query = query.where(col(Lead.received_on) <= f.received_to)
    if f.overdue:
        query = query.where(overdue_clause(as_of))
    if f.conflict:
        query = query.where(col(Lead.conflict).is_(True))
    query = query.order_by(col(Lead.received_on), col(Lead.number))
    if f.limit:
        query = query.limit(f.limit)

    results = list(session.exec(query))
    items = _items_of(session, [r.id for r in results])
    packs = _packs_of(session, {r.department_code for r in results})
    rows = [_row(r, items.get(r.id, ()), packs.get(r.department_code), reveal=reveal,
                 as_of=as_of) for r in results]
    if reveal and rows:
        uow.audit("reveal", "lead", "list", after={"leads": [r.number for r in rows]})
    return rows


def show(uow: UnitOfWork, number: str, *, reveal: bool = False,
         as_of: date | None = None) -> LeadDetail:
    """One lead with its history; a reveal is audited."""
    lead = get_lead(uow, number)
    detail = _detail(uow, lead, reveal=reveal, as_of=as_of or date.today())
    if reveal:
        uow.audit("reveal", "lead", lead.number, after={"leads": [lead.number]})
    return detail


def _detail(uow: UnitOfWork, lead: Lead, *, reveal: bool, as_of: date,
            warnings: Sequence[str] = ()) -> LeadDetail:
    from medisup.services import departments
    from medisup.services.lead_rewards import rewards_of

    session = uow.session
    pack = departments.pack_of(session, lead.department_code)
    person = session.get(Person, lead.supervisor_id)
    assert person is not None
    values = _Values(lead, person)
    codes = _items_of(session, [lead.id]).get(lead.id, ())
    item_views = []
    for code in codes:
        try:
            item = pack.item("items", code)
            item_views.append(ItemView(code, item.subject or "", item.text(), item.cite()))
        except InvalidValue:
            item_views.append(ItemView(code, code[:1], code, ""))
    events = tuple(EventView(e.from_status, e.to_status, e.on_date, e.operator,
                             e.handling_unit, e.note) for e in _events(session, lead.id))
    extensions = tuple(
        ExtensionView(x.working_days, x.approved_by, x.approved_on, x.reason)
        for x in session.exec(select(LeadExtension).where(LeadExtension.lead_id == lead.id)
                              .order_by(col(LeadExtension.id)))
    )
    conflict_with = None
    if lead.conflict:
        target = rules.Target(lead.target_kind, lead.target_name, lead.target_credit_code)
        match = rules.conflict_of(active_interests(session, person.id, lead.received_on), target)
        conflict_with = match.institution_name if match is not None else None
    return LeadDetail(
        row=_row(values, codes, pack, reveal=reveal, as_of=as_of),
        pack=pack.name,
        item_views=tuple(item_views),
        events=events,
        extensions=extensions,
        rewards=tuple(rewards_of(session, lead)),
        conflict_with=conflict_with,
        deadline_basis=pack.deadlines.cite(),
        warnings=tuple(warnings),
    )


class _Values:
    """A lead and its supervisor seen through the column names the list query uses."""

    def __init__(self, lead: Lead, person: Person) -> None:
        self._lead = lead
        self.name = person.name
        self.id_number = person.id_number
        self.phone = person.phone

    def __getattr__(self, key: str) -> Any:
        return getattr(self._lead, key)
