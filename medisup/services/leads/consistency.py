"""The consistency check (``medisup check``): lead and reward records that contradict
the rules — whatever wrote them (an old import, a hand edit, a defect)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, Integer, and_, case, column, exists, not_, or_, text, true
from sqlmodel import col, func, select

from medisup.i18n import t
from medisup.models import Lead, LeadEvent, Person, Reward, Term
from medisup.services.leads.records import CANCELLED
from medisup.services.leads.rules import (
    CLOSED,
    OUTCOMES,
    RECEIVED,
    REFERRED,
    VERIFIED,
    status_label,
)

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

KINDS = ("overdue", "reward_unverified", "duplicate_reward", "not_serving",
         "closed_without_outcome")


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


def _gaps(uow: UnitOfWork, codes: list[str]) -> Any:
    """The spans [since, until) in which each person was not serving (no term with
    start <= d <= end and d < terminated_on), as a VALUES table; ``None`` when there is
    nobody."""
    session = uow.session
    # Everyone (people are few beside leads): finding who reported in scope would cost a
    # pass over the leads of its own.
    served: dict[int, list[tuple[date, date]]] = {
        person_id: [] for person_id in session.exec(select(Person.id))}
    if not served:
        return None
    # All terms (a few per person, far fewer than leads); those of other people skipped.
    for person_id, start, end, terminated in session.exec(
            select(Term.person_id, Term.start_date, Term.end_date, Term.terminated_on)):
        if person_id not in served:
            continue
        stop = end + timedelta(days=1)
        if terminated is not None:
            stop = min(stop, terminated)
        if start < stop:
            served[person_id].append((start, stop))
    rows = []
    for person_id, spans in served.items():
        since = date.min
        for start, stop in sorted(spans):
            if start > since:
                rows.append((person_id, since, start))
            since = max(since, stop)
        rows.append((person_id, since, date.max))
    # Written out as SQL text: integers and ISO dates only, and building a VALUES
    # construct row by row would cost more than the query.
    cast = "::date" if session.get_bind().dialect.name == "postgresql" else ""
    body = ",".join(f"({int(p)},'{a.isoformat()}'{cast},'{b.isoformat()}'{cast})"
                    for p, a, b in rows)
    return (text("SELECT column1 AS person_id, column2 AS since, column3 AS until"
                 f" FROM (VALUES {body}) AS v")
            .columns(column("person_id", Integer), column("since", Date),
                     column("until", Date)).cte("gap"))


def _overdue(session, codes: list[str], as_of: date) -> list[Finding]:
    """One finding per department with leads past their deadline on ``as_of`` — how many,
    the earliest deadline missed, and the list that shows them; ``number`` is the
    department's code.  Counted from the index of open leads alone."""
    from medisup.models import Department
    from medisup.services.leads.query import overdue_condition

    missed = case((col(Lead.status) == RECEIVED, col(Lead.accept_by)), else_=col(Lead.handle_by))
    rows = session.exec(select(Lead.department_code, func.count(), func.min(missed)).where(
        col(Lead.department_code).in_(codes), overdue_condition(as_of))
        .group_by(Lead.department_code)).all()
    names = dict(session.exec(select(Department.code, Department.name).where(
        col(Department.code).in_([r[0] for r in rows]))).all()) if rows else {}
    return [Finding("overdue", code, t("lead.check.overdue", name=names.get(code, code),
                                       count=n, since=since.isoformat(), code=code,
                                       as_of=as_of.isoformat()))
            for code, n, since in rows]


def check(uow: UnitOfWork, *, department: str | None = None,
          as_of: date | None = None) -> list[Finding]:
    """Every finding in the operator's department and below (or a subtree of it):
    departments with overdue leads on ``as_of`` (default today) first, then the leads
    whose records contradict the rules, ordered by lead number and kind."""
    from medisup.services import departments

    session = uow.session
    as_of = as_of or date.today()
    root = uow.require_dept()
    if department:
        root = departments.validate_code(department)
        uow.check_scope(root)
    codes = departments.subtree_codes(session, root)
    in_scope = col(Lead.department_code).in_(codes)
    # The whole database: no department condition, so that the passes over the leads
    # read the table in order instead of through the department index row by row.
    everyone = len(codes) == departments.count(session)
    all_in_scope = true() if everyone else in_scope
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
        .where(rewarded, all_in_scope, live, not_(verified))
        .order_by(col(Lead.number), col(Reward.id))
    ):
        findings.append(Finding("reward_unverified", number, t(
            "lead.check.reward_unverified", amount=amount, status=status_label(status))))

    # Two live rewards for one lead.
    for number, count in session.exec(
        select(Lead.number, func.count(col(Reward.id)))
        .join(Reward, col(Reward.lead_id) == col(Lead.id))
        .where(rewarded, all_in_scope, live)
        .group_by(col(Lead.id), col(Lead.number))
        .having(func.count(col(Reward.id)) > 1)
        .order_by(col(Lead.number))
    ):
        findings.append(Finding("duplicate_reward", number,
                                t("lead.check.duplicate_reward", count=count)))

    # Leads from supervisors who were not serving on the day received: the days each
    # person was not serving are worked out once from the terms (a few per person), and
    # the leads are matched against them in one join — no look-up of terms per lead.
    gaps = _gaps(uow, codes)
    if gaps is not None:
        for number, name, received in session.exec(
            select(Lead.number, Person.name, Lead.received_on)
            # "+ 0": the leads drive (one pass), each probing the few gaps of its
            # supervisor, instead of each gap re-reading all of that person's leads.
            .join(gaps, and_(gaps.c.person_id == col(Lead.supervisor_id) + 0,
                             col(Lead.received_on) >= gaps.c.since,
                             col(Lead.received_on) < gaps.c.until))
            .join(Person, col(Person.id) == col(Lead.supervisor_id))
            .where(all_in_scope)  # no ORDER BY: findings are sorted at the end
        ):
            findings.append(Finding("not_serving", number, t(
                "lead.check.not_serving", name=name, date=received.isoformat())))

    # Closed leads without an outcome: every lead's latest outcome comes from one grouped
    # pass over the events (the largest id*4+rank carries the latest event's outcome),
    # joined once to the closed leads — no sub-query per lead.
    e = LeadEvent.__table__.c
    rank = case(*((e.to_status == o, n) for n, o in enumerate(OUTCOMES, start=1)))
    latest = (select(e.lead_id, func.max(e.id * 4 + rank).label("code"))
              .where(e.to_status.in_(OUTCOMES)).group_by(e.lead_id).subquery("latest"))
    reached_rank = latest.c.code % 4
    outcome_of = {n: o for n, o in enumerate(OUTCOMES, start=1)}
    for number, code, closed_on, verified_amount, referral in session.exec(
        select(Lead.number, latest.c.code, Lead.closed_on, Lead.verified_amount,
               Lead.referral_target)
        .outerjoin(latest, latest.c.lead_id == col(Lead.id))
        # status || '': most leads are closed, so one pass in table order beats the
        # status index's row-by-row look-ups.
        .where(all_in_scope, (col(Lead.status).concat("") if everyone
                              else col(Lead.status)) == CLOSED, or_(
            col(Lead.closed_on).is_(None),
            latest.c.code.is_(None),
            and_(reached_rank == OUTCOMES.index(VERIFIED) + 1,
                 col(Lead.verified_amount).is_(None)),
            and_(reached_rank == OUTCOMES.index(REFERRED) + 1,
                 col(Lead.referral_target).is_(None)),
        ))
    ):
        reached = outcome_of[code % 4] if code is not None else None
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
    return _overdue(session, codes, as_of) + findings
