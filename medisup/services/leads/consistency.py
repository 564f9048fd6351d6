"""The consistency check (``medisup check``): lead and reward records that contradict
the rules — whatever wrote them (an old import, a hand edit, a defect).

Every kind of finding is read from an index that holds few rows beyond the findings
themselves, so the check costs about the same on a thousand leads as on a million: no
statement passes over all the leads (tests/test_query_plans.py keeps it so)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, func, literal_column, select, text

from medisup import i18n, tables
from medisup.services.leads.rules import CLOSED, REFERRED, VERIFIED, status_label

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

KINDS = ("overdue", "reward_unverified", "duplicate_reward", "not_serving",
         "closed_without_outcome")

LEAD, EVENT, REWARD, PERSON = (tables.lead.c, tables.lead_event.c, tables.reward.c,
                               tables.person.c)
CANCELLED = "cancelled"  # records.CANCELLED, named here so that the check loads no ORM
# The WHERE of the partial index ix_lead_closed_unsettled (models.LEAD_UNSETTLED), word for
# word: SQLite uses a partial index only for a query that repeats its condition.
UNSETTLED = ("status = 'closed' AND (closed_on IS NULL OR outcome IS NULL"
             " OR (outcome = 'verified' AND verified_amount IS NULL)"
             " OR (outcome = 'referred' AND referral_target IS NULL))")
Say = Callable[..., str]  # i18n.t, bound to the language once for the whole check


@dataclass(frozen=True)
class Finding:
    """One inconsistency: what kind, which lead, and why, in the user's language."""

    kind: str
    number: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    # The whole database: no department condition at all.
    everyone = len(codes) == departments.count(session)
    in_scope = () if everyone else (LEAD.department_code.in_(codes),)
    # The same, for leads reached by id: "|| ''" keeps the planner from reading every lead
    # of the subtree through the department index instead.
    of_scope = () if everyone else (LEAD.department_code.concat("").in_(codes),)
    t = i18n.translator()  # the language looked up once, not per finding
    findings = [*_unverified_rewards(session, in_scope, of_scope, t),
                *_duplicate_rewards(session, of_scope, t),
                *_not_serving(uow.connection(), None if everyone else codes, t),
                *_unsettled(session, in_scope, t)]
    # Stable: two unverified rewards of one lead stay in the order they were made.
    findings.sort(key=lambda f: (f.number, KINDS.index(f.kind)))
    return _overdue(session, codes, as_of, t) + findings


def _overdue(session, codes: list[str], as_of: date, t: Say) -> list[Finding]:
    """One finding per department with leads past their deadline on ``as_of`` — how many,
    the earliest deadline missed, and the list that shows them; ``number`` is the
    department's code.  Counted from the index of open leads alone."""
    from sqlalchemy import case

    from medisup.services.leads.query import overdue_condition
    from medisup.services.leads.rules import RECEIVED

    missed = case((LEAD.status == RECEIVED, LEAD.accept_by), else_=LEAD.handle_by)
    rows = session.execute(
        select(LEAD.department_code, func.count(), func.min(missed))
        .where(LEAD.department_code.in_(codes), overdue_condition(as_of))
        .group_by(LEAD.department_code).order_by(LEAD.department_code)).all()
    dept = tables.department.c
    names = dict(session.execute(select(dept.code, dept.name).where(
        dept.code.in_([r[0] for r in rows]))).all()) if rows else {}
    return [Finding("overdue", code, t("lead.check.overdue", name=names.get(code, code),
                                         count=n, since=since.isoformat(), code=code,
                                         as_of=as_of.isoformat()))
            for code, n, since in rows]


def _unverified_rewards(session, in_scope: tuple[Any, ...], of_scope: tuple[Any, ...],
                        t: Say) -> list[Finding]:
    """Live rewards on leads never verified: the lead is neither verified nor closed after
    a verified event.  Two statements, neither of which looks up the lead of every reward:
    open leads other than verified ones come from the index of open leads (``'closed'``
    as a literal lets the planner prove it serves them), each probing the rewards' index;
    closed leads are looked up only for the rewards no verified event stands behind."""
    live = REWARD.status != CANCELLED
    columns = (LEAD.number, LEAD.status, REWARD.amount, REWARD.id)
    open_leads = (
        select(*columns)
        # "+ 0": the open leads drive, not every reward looking up its lead.
        .join_from(tables.lead, tables.reward, REWARD.lead_id == LEAD.id + 0)
        .where(LEAD.status != literal_column("'closed'"), LEAD.status != VERIFIED, live,
               *in_scope))
    never_verified = ~exists().where(EVENT.to_status == VERIFIED,
                                     EVENT.lead_id == REWARD.lead_id)
    closed_leads = (
        select(*columns)
        .join_from(tables.reward, tables.lead, LEAD.id == REWARD.lead_id)
        # status || '': the rewards drive, not the status index's 900,000 closed leads.
        .where(live, never_verified, LEAD.status.concat("") == CLOSED, *of_scope))
    rows = [*session.execute(open_leads), *session.execute(closed_leads)]
    rows.sort(key=lambda r: (r.number, r.id))
    return [Finding("reward_unverified", number, t(
        "lead.check.reward_unverified", amount=amount, status=status_label(status)))
        for number, status, amount, _ in rows]


def _duplicate_rewards(session, in_scope: tuple[Any, ...], t: Say) -> list[Finding]:
    """Two live rewards for one lead: counted on the rewards alone, and only the leads
    counted twice looked up."""
    counted = (select(REWARD.lead_id, func.count().label("n"))
               .where(REWARD.status != CANCELLED)
               .group_by(REWARD.lead_id).having(func.count() > 1).subquery("counted"))
    rows = session.execute(
        select(LEAD.number, counted.c.n)
        .join_from(counted, tables.lead, LEAD.id == counted.c.lead_id)
        .where(*in_scope))
    return [Finding("duplicate_reward", number, t("lead.check.duplicate_reward", count=n))
            for number, n in rows]


def _gaps(session, dialect: str) -> str | None:
    """The spans [since, until) in which each person was not serving (no term with
    start <= d <= end and d < terminated_on), as the rows of a SQL VALUES list in person
    order; ``None`` when there is nobody."""
    # Everyone (people are few beside leads): finding who reported in scope would cost a
    # pass over the leads of its own.
    served: dict[int, list[tuple[date, date]]] = {
        person_id: [] for person_id in session.execute(select(PERSON.id)).scalars().all()}
    if not served:
        return None
    term = tables.term.c
    # All terms (a few per person, far fewer than leads); those of other people skipped.
    for person_id, start, end, terminated in session.execute(
            select(term.person_id, term.start_date, term.end_date,
                   term.terminated_on)).all():
        if person_id not in served:
            continue
        stop = end + timedelta(days=1)
        if terminated is not None:
            stop = min(stop, terminated)
        if start < stop:
            served[person_id].append((start, stop))
    cast = "::date" if dialect == "postgresql" else ""
    ever, never = f"'{date.min.isoformat()}'{cast}", f"'{date.max.isoformat()}'{cast}"
    rows = []
    for person_id in sorted(served):
        since, shown = date.min, ever
        for start, stop in sorted(served[person_id]):
            if start > since:
                rows.append(f"({int(person_id)},{shown},'{start.isoformat()}'{cast})")
            if stop > since:
                since, shown = stop, f"'{stop.isoformat()}'{cast}"
        rows.append(f"({int(person_id)},{shown},{never})")
    return ",".join(rows)


def _not_serving(connection, codes: list[str] | None, t: Say) -> list[Finding]:
    """Leads from supervisors who were not serving on the day received: the days each
    person was not serving are worked out once from the terms (a few per person), and
    each such span reads the leads its person received in it from the index by reporter
    and day — in person order, so each page of that index is read at most once.

    The one statement written as SQL text and sent as it is: integers, ISO dates and
    department codes only, and the 10,000 rows of a province's VALUES list cost 0.3 s to
    build as SQLAlchemy elements or to pass through its text() parameter parsing."""
    gaps = _gaps(connection, connection.dialect.name)
    if gaps is None:
        return []
    scope = ""
    if codes is not None:
        quoted = ",".join("'{}'".format(code.replace("'", "''")) for code in codes)
        scope = f" WHERE (lead.department_code || '') IN ({quoted})"  # see of_scope
    rows = connection.exec_driver_sql(
        f"WITH gap (person_id, since, until) AS (VALUES {gaps})"
        " SELECT lead.number, person.name, lead.received_on FROM gap"
        " JOIN lead ON lead.supervisor_id = gap.person_id"
        " AND lead.received_on >= gap.since AND lead.received_on < gap.until"
        f" JOIN person ON person.id = lead.supervisor_id{scope}")
    # str(): SQLite hands the day back as its ISO text, PostgreSQL as a date.
    return [Finding("not_serving", number, t("lead.check.not_serving", name=name,
                                               date=str(received)))
            for number, name, received in rows]


def _unsettled(session, in_scope: tuple[Any, ...], t: Say) -> list[Finding]:
    """Closed leads without a (complete) outcome, from the partial index that holds just
    them: ``lead.outcome`` (the latest outcome among the lead's events) is kept by the
    database's triggers, so the condition reads the lead row alone."""
    rows = session.execute(
        select(LEAD.number, LEAD.outcome, LEAD.closed_on, LEAD.verified_amount,
               LEAD.referral_target)
        .where(text(UNSETTLED), *in_scope))
    findings = []
    for number, reached, closed_on, verified_amount, referral in rows:
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
    return findings
