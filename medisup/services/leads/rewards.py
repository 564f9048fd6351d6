"""Rewards for verified leads (GX Art. 12): compute by the pack's rule, override with a
reason, notify with a claim deadline, record the claim, cancel."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from medisup import clock
from medisup.errors import InvalidValue, RuleViolation
from medisup.i18n import t
from medisup.models import Lead, Reward
from medisup.services.leads import rules
from medisup.services.leads.records import (
    CANCELLED,
    CLAIMED,
    NOTIFIED,
    PROPOSED,
    RewardPublic,
    get_lead,
    live_reward,
    outcome_of,
    reward_public,
)
from medisup.services.leads.rules import VERIFIED

if TYPE_CHECKING:
    from medisup.packs import RewardRule
    from medisup.services.uow import UnitOfWork

def rule_of(session: Session, lead: Lead) -> RewardRule:
    """The reward rule of the lead's pack; a pack without one says why."""
    from medisup.services import departments

    pack = departments.pack_of(session, lead.department_code)
    if pack.reward is None:
        note = pack.text("reward_note") or t("reward.no_rule")
        raise RuleViolation(t("lead.reward.no_rule", pack=pack.name, note=note))
    return pack.reward


def _snapshot(reward: Reward) -> dict[str, Any]:
    return {
        "computed": reward.computed, "amount": reward.amount, "level": reward.level,
        "insider": reward.insider, "override_reason": reward.override_reason,
        "notice_on": reward.notice_on, "claim_by": reward.claim_by,
        "claimed_on": reward.claimed_on, "status": reward.status, "basis": reward.basis,
    }


def _require_live(session: Session, lead: Lead, allowed: tuple[str, ...]) -> Reward:
    reward = live_reward(session, lead.id)
    if reward is None:
        raise RuleViolation(t("lead.reward.none", number=lead.number))
    if reward.status not in allowed:
        raise RuleViolation(t("lead.reward.wrong_status", number=lead.number,
                              status=t(f"lead.reward_status.{reward.status}")))
    return reward


def _check_day(on: date, earliest: date, today: date, field_key: str) -> None:
    if on < earliest or on > today:
        raise InvalidValue(t(field_key), on.isoformat(),
                           t("lead.expect_date_after", earliest=earliest.isoformat(),
                             today=today.isoformat()))


def compute(
    uow: UnitOfWork,
    number: str,
    *,
    level: str | None = None,
    insider: bool = False,
    chosen: Any = None,
) -> RewardPublic:
    """Compute the reward of a verified lead by its pack's rule and record it with its
    basis.  A proposed reward is recomputed in place; once notified it is fixed."""
    from medisup.services.leads.reward_rules import compute_reward

    session = uow.session
    lead = get_lead(uow, number)
    rule = rule_of(session, lead)
    if outcome_of(session, lead) != VERIFIED:
        raise RuleViolation(t("lead.reward.not_verified", number=lead.number,
                              status=rules.status_label(lead.status)))
    _require_eligible(session, lead, rule)
    amount = lead.verified_amount if lead.verified_amount else None
    chosen_value = rules.check_amount(chosen, t("reward.field_chosen"))
    result = compute_reward(rule, amount, level=level, insider=insider, chosen=chosen_value)
    existing = live_reward(session, lead.id)
    if existing is not None and existing.status != PROPOSED:
        raise RuleViolation(t("lead.reward.fixed", number=lead.number,
                              status=t(f"lead.reward_status.{existing.status}")))
    before = _snapshot(existing) if existing is not None else None
    reward = existing or Reward(lead_id=lead.id, computed=result.amount, amount=result.amount,
                                basis=result.basis, status=PROPOSED,
                                created_at=clock.now())
    reward.computed = reward.amount = result.amount
    reward.basis = result.basis
    reward.level = result.level
    reward.insider = insider
    reward.override_reason = None
    session.add(reward)
    session.flush()
    uow.audit("create" if before is None else "update", "reward", lead.number,
              before=before, after=_snapshot(reward))
    return reward_public(reward, lead.number)


def _require_eligible(session: Session, lead: Lead, rule: RewardRule) -> None:
    """The pack says which leads its rule rewards (gx-trial Art. 12: reports of suspected
    fraud only); any other lead is refused, naming the rule's article."""
    from medisup.models import LeadItem
    from medisup.services.departments import pack_of

    if not rule.eligible:
        return
    pack = pack_of(session, lead.department_code)
    codes = list(session.exec(select(LeadItem.code).where(LeadItem.lead_id == lead.id)))
    if rule.rewards(codes, lambda code: pack.subject_of(code).code):
        return
    from medisup.i18n import language

    labels = "、".join(
        f"{code} {pack.label('items', code, short=True)}" for code in sorted(codes))
    note = rule.eligible_note_en if language() == "en" and rule.eligible_note_en else rule.eligible_note
    raise RuleViolation(t("lead.reward.not_eligible", number=lead.number, items=labels, note=note))


def override(uow: UnitOfWork, number: str, *, amount: Any, reason: str | None) -> RewardPublic:
    """Set a different amount than computed; the computed one and its basis are kept."""

    session = uow.session
    lead = get_lead(uow, number)
    rule_of(session, lead)
    value = rules.check_amount(amount, t("lead.field.reward_amount"))
    if value is None:
        raise InvalidValue(t("lead.field.reward_amount"), "", t("lead.expect_amount"))
    why = rules.check_text(reason, "reason", required=True)
    reward = _require_live(session, lead, (PROPOSED, NOTIFIED))
    before = _snapshot(reward)
    reward.amount = value
    reward.override_reason = why
    session.add(reward)
    session.flush()
    uow.audit("override", "reward", lead.number, before=before, after=_snapshot(reward))
    return reward_public(reward, lead.number)


def notify(uow: UnitOfWork, number: str, *, on: date | None = None,
           today: date | None = None) -> RewardPublic:
    """Record that the supervisor was notified; the claim deadline runs from that day."""
    from medisup.services.leads.reward_rules import claim_deadline

    session = uow.session
    today = today or date.today()
    lead = get_lead(uow, number)
    rule = rule_of(session, lead)
    reward = _require_live(session, lead, (PROPOSED,))
    on = on or today
    _check_day(on, lead.received_on, today, "lead.field.notice_on")
    before = _snapshot(reward)
    reward.notice_on = on
    reward.claim_by = claim_deadline(on, rule)
    reward.status = NOTIFIED
    session.add(reward)
    session.flush()
    uow.audit("notify", "reward", lead.number, before=before, after=_snapshot(reward))
    return reward_public(reward, lead.number)


def claim(uow: UnitOfWork, number: str, *, on: date | None = None,
          today: date | None = None) -> RewardPublic:
    """Record that the reward was claimed, no later than the claim deadline."""

    session = uow.session
    today = today or date.today()
    lead = get_lead(uow, number)
    rule_of(session, lead)
    reward = _require_live(session, lead, (NOTIFIED,))
    on = on or today
    assert reward.notice_on is not None and reward.claim_by is not None
    _check_day(on, reward.notice_on, today, "lead.field.claimed_on")
    if on > reward.claim_by:
        raise RuleViolation(t("lead.reward.claim_late", number=lead.number,
                              claim_by=reward.claim_by.isoformat(), on=on.isoformat()))
    before = _snapshot(reward)
    reward.claimed_on = on
    reward.status = CLAIMED
    session.add(reward)
    session.flush()
    uow.audit("claim", "reward", lead.number, before=before, after=_snapshot(reward))
    return reward_public(reward, lead.number)


def cancel(uow: UnitOfWork, number: str, *, reason: str | None) -> RewardPublic:
    """Withdraw a reward that was not yet claimed (the lead may then get a new one)."""

    session = uow.session
    lead = get_lead(uow, number)
    why = rules.check_text(reason, "reason", required=True)
    reward = _require_live(session, lead, (PROPOSED, NOTIFIED))
    before = _snapshot(reward)
    reward.status = CANCELLED
    session.add(reward)
    session.flush()
    uow.audit("cancel", "reward", lead.number, before=before,
              after=_snapshot(reward) | {"reason": why})
    return reward_public(reward, lead.number)
