"""The consistency check (``medisup check``): lead and reward records that contradict
the rules — whatever wrote them (an old import, a hand edit, a defect)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, not_, or_
from sqlmodel import col, func, select

from medisup.i18n import t
from medisup.models import Lead, LeadEvent, Person, Reward, Term
from medisup.services.lead_rewards import CANCELLED
from medisup.services.lead_rules import CLOSED, OUTCOMES, REFERRED, VERIFIED, status_label

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

KINDS = ("reward_unverified", "duplicate_reward", "not_serving", "closed_without_outcome")


@dataclass(frozen=True)
class Finding:
    """One inconsistency: what kind, which lead, and why, in the user's language."""

    kind: str
    number: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _verified_event():
    return exists().where(col(LeadEvent.lead_id) == col(Lead.id),
                          col(LeadEvent.to_status) == VERIFIED)


def _outcome():
    """The outcome status a lead passed through (latest), as a correlated sub-query."""
    return (
        select(LeadEvent.to_status)
        .where(col(LeadEvent.lead_id) == col(Lead.id), col(LeadEvent.to_status).in_(OUTCOMES))
        .order_by(col(LeadEvent.id).desc())
        .limit(1)
        .correlate(Lead)
        .scalar_subquery()
    )


def _covers(term, day):
    """SQL condition: ``term`` was being served on ``day`` (a column)."""
    return and_(
        term.start_date <= day,
        term.end_date >= day,
        or_(term.terminated_on.is_(None), term.terminated_on > day),
    )


def check(uow: UnitOfWork, *, department: str | None = None) -> list[Finding]:
    """Every finding in the operator's department and below (or a subtree of it),
    ordered by lead number and kind."""
    from medisup.services import departments

    session = uow.session
    root = uow.require_dept()
    if department:
        root = departments.validate_code(department)
        uow.check_scope(root)
    codes = departments.subtree_codes(session, root)
    in_scope = col(Lead.department_code).in_(codes)
    live = col(Reward.status) != CANCELLED
    findings: list[Finding] = []

    # Rewards on leads that were never verified.
    verified = or_(col(Lead.status) == VERIFIED,
                   and_(col(Lead.status) == CLOSED, _verified_event()))
    # Driven from the (few) rewards, not from the (many) leads.
    rewarded = col(Lead.id).in_(select(Reward.lead_id).where(live))
    for number, status, amount in session.exec(
        select(Lead.number, Lead.status, Reward.amount)
        .join(Reward, col(Reward.lead_id) == col(Lead.id))
        .where(rewarded, in_scope, live, not_(verified))
        .order_by(col(Lead.number), col(Reward.id))
    ):
        findings.append(Finding("reward_unverified", number, t(
            "lead.check.reward_unverified", amount=amount, status=status_label(status))))

    # Two live rewards for one lead.
    for number, count in session.exec(
        select(Lead.number, func.count(col(Reward.id)))
        .join(Reward, col(Reward.lead_id) == col(Lead.id))
        .where(rewarded, in_scope, live)
        .group_by(col(Lead.id), col(Lead.number))
        .having(func.count(col(Reward.id)) > 1)
        .order_by(col(Lead.number))
    ):
        findings.append(Finding("duplicate_reward", number,
                                t("lead.check.duplicate_reward", count=count)))

    # Leads from supervisors who were not serving on the day received.
    serving = exists().where(
        col(Term.person_id) == col(Lead.supervisor_id), _covers(Term, Lead.received_on))
    for number, name, received in session.exec(
        select(Lead.number, Person.name, Lead.received_on)
        .join(Person, col(Person.id) == col(Lead.supervisor_id))
        .where(in_scope, not_(serving))
        .order_by(col(Lead.number))
    ):
        findings.append(Finding("not_serving", number, t(
            "lead.check.not_serving", name=name, date=received.isoformat())))

    # Closed leads without an outcome.
    outcome = _outcome()
    for number, reached, closed_on, verified_amount, referral in session.exec(
        select(Lead.number, outcome, Lead.closed_on, Lead.verified_amount, Lead.referral_target)
        .where(in_scope, col(Lead.status) == CLOSED, or_(
            col(Lead.closed_on).is_(None),
            outcome.is_(None),
            and_(outcome == VERIFIED, col(Lead.verified_amount).is_(None)),
            and_(outcome == REFERRED, col(Lead.referral_target).is_(None)),
        ))
        .order_by(col(Lead.number))
    ):
        reasons = []
        if reached is None:
            reasons.append(t("lead.check.no_outcome"))
        elif reached == VERIFIED and verified_amount is None:
            reasons.append(t("lead.check.no_verified_amount"))
        elif reached == REFERRED and referral is None:
            reasons.append(t("lead.check.no_referral_target"))
        if closed_on is None:
            reasons.append(t("lead.check.no_closed_on"))
        why = t("pack.list_sep").join(reasons)
        findings.append(Finding("closed_without_outcome", number,
                                t("lead.check.closed_without_outcome", why=why)))

    findings.sort(key=lambda f: (f.number, KINDS.index(f.kind)))
    return findings
