"""Leads as stored, read by every lead use case: the look-ups (a lead by number, a
supervisor by ID number, their interests on a day, the outcome a lead reached, its
events) and the reward read model.  The write side (:mod:`handling`, :mod:`rewards`)
and the read side (:mod:`views`) both stand on this module, never on each other."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, or_, select

from medisup.errors import NotFound
from medisup.i18n import t
from medisup.models import Interest, Lead, LeadEvent, Person, Reward
from medisup.services.leads.rules import CLOSED, OUTCOMES
from medisup.services.masking import mask_id_number

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork


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


def events_of(session: Session, lead_id: int) -> list[LeadEvent]:
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


# ---------------------------------------------------------------- rewards


PROPOSED = "proposed"
NOTIFIED = "notified"
CLAIMED = "claimed"
CANCELLED = "cancelled"
REWARD_STATUSES = (PROPOSED, NOTIFIED, CLAIMED, CANCELLED)


@dataclass(frozen=True)
class RewardPublic:
    """A reward as lists and ``lead show`` print it."""

    lead_number: str
    computed: Decimal
    amount: Decimal
    basis: str
    level: str | None
    insider: bool
    override_reason: str | None
    notice_on: date | None
    claim_by: date | None
    claimed_on: date | None
    status: str

    def claim_overdue(self, as_of: date) -> bool:
        """Notified, not claimed, and the claim deadline has passed."""
        return self.status == NOTIFIED and self.claim_by is not None and as_of > self.claim_by

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def reward_public(reward: Reward, number: str) -> RewardPublic:
    return RewardPublic(
        lead_number=number, computed=reward.computed, amount=reward.amount, basis=reward.basis,
        level=reward.level, insider=reward.insider, override_reason=reward.override_reason,
        notice_on=reward.notice_on, claim_by=reward.claim_by, claimed_on=reward.claimed_on,
        status=reward.status,
    )


def rewards_of(session: Session, lead: Lead) -> list[RewardPublic]:
    """Every reward recorded for a lead, cancelled ones included, oldest first."""
    rows = session.exec(select(Reward).where(Reward.lead_id == lead.id).order_by(col(Reward.id)))
    return [reward_public(r, lead.number) for r in rows]


def live_reward(session: Session, lead_id: int) -> Reward | None:
    """The reward of a lead that is not cancelled (there is at most one)."""
    return session.exec(
        select(Reward).where(Reward.lead_id == lead_id, col(Reward.status) != CANCELLED)
        .order_by(col(Reward.id).desc())
    ).first()
