"""The annual review's figures, per department, each from one grouped SQL query:
nothing here loops over leads or people in Python."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, literal, literal_column, or_
from sqlmodel import col, func, select

from medisup.models import (
    Activity,
    Application,
    Complaint,
    Lead,
    LeadItem,
    Opinion,
    Participation,
    Person,
    PersonCategory,
    Reward,
    Term,
    Termination,
)
from medisup.services.leads.items import subject_of
from medisup.services.roster import serving_clause

if TYPE_CHECKING:
    from sqlmodel import Session

# Age bands of the roster composition: (label, youngest, oldest); None is open-ended.
AGE_BANDS = (("under_30", None, 29), ("30_39", 30, 39), ("40_49", 40, 49), ("50_59", 50, 59),
             ("60_plus", 60, None))

Tally = dict[str, dict[str, Any]]


def _nested() -> defaultdict[str, defaultdict[str, Any]]:
    return defaultdict(lambda: defaultdict(int))


def _year(column, year: int):
    return (col(column) >= date(year, 1, 1)) & (col(column) <= date(year, 12, 31))


def _age_band(on: date):
    """SQL CASE: the age band of a birth date on day ``on`` (date comparisons only, so
    SQLite and PostgreSQL agree)."""
    whens = []
    for code, youngest, _ in AGE_BANDS[1:]:
        # age ≥ youngest  ⇔  born on or before the day ``on`` minus ``youngest`` years
        born_by = _years_before(on, youngest)
        whens.append((col(Person.birth_date) <= born_by, code))
    return case(*reversed(whens), else_=literal(AGE_BANDS[0][0]))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def serving_on(session: Session, codes: list[str], on: date) -> dict[str, int]:
    rows = session.exec(select(Term.department_code, func.count(func.distinct(Term.person_id)))
                        .where(col(Term.department_code).in_(codes), serving_clause(on))
                        .group_by(Term.department_code))
    return {code: int(n) for code, n in rows}


def active_in_year(session: Session, codes: list[str], year: int) -> set[str]:
    """Departments with someone serving on some day of the year."""
    rows = session.exec(select(Term.department_code).where(
        col(Term.department_code).in_(codes), col(Term.start_date) <= date(year, 12, 31),
        col(Term.end_date) >= date(year, 1, 1),
        col(Term.terminated_on).is_(None) | (col(Term.terminated_on) > date(year, 1, 1)),
    ).distinct())
    return set(rows)


def composition(session: Session, codes: list[str], on: date) -> Tally:
    """Who serves on ``on``: by gender and age band (one pass over people), category
    and channel, per department."""
    out = _nested()
    base = (col(Term.department_code).in_(codes), serving_clause(on))
    band = _age_band(on)
    for code, gender, age, n in session.exec(
            select(Term.department_code, Person.gender, band, func.count())
            .where(*base, col(Person.id) == col(Term.person_id))
            .group_by(Term.department_code, Person.gender, band)):
        out[code][f"gender:{gender}"] += int(n)
        out[code][f"age_band:{age}"] += int(n)
    dims = {
        "category": select(Term.department_code, PersonCategory.code, func.count()).where(
            *base, col(PersonCategory.person_id) == col(Term.person_id)),
        "channel": select(Term.department_code, Application.channel, func.count()).where(
            *base, col(Application.id) == col(Term.application_id)),
    }
    for dim, query in dims.items():
        group = list(query.selected_columns[:2])
        for code, value, n in session.exec(query.group_by(*group)):
            out[code][f"{dim}:{value}"] += int(n)
    return out


def appointments(session: Session, codes: list[str], year: int) -> Tally:
    """Terms begun in the year, renewals (a renewed term's successor begins in the year)
    told apart; terminations effective in the year by ground."""
    out = _nested()
    started = session.exec(select(Term.department_code, func.count()).where(
        col(Term.department_code).in_(codes), _year(Term.start_date, year),
        col(Term.terminated_on).is_(None) | (col(Term.terminated_on) > col(Term.start_date)),
    ).group_by(Term.department_code))
    for code, n in started:
        out[code]["started"] = int(n)
    renewed = session.exec(select(Term.department_code, func.count()).where(
        col(Term.department_code).in_(codes), col(Term.renewed).is_(True),
        col(Term.end_date) >= date(year - 1, 12, 31), col(Term.end_date) <= date(year, 12, 30),
    ).group_by(Term.department_code))
    for code, n in renewed:
        out[code]["renewals"] = int(n)
    for code in list(out):
        out[code]["appointments"] = max(0, out[code]["started"] - out[code]["renewals"])
    ended = session.exec(select(Term.department_code, Termination.ground, func.count()).where(
        col(Termination.term_id) == col(Term.id), col(Term.department_code).in_(codes),
        _year(Termination.effective_on, year)).group_by(Term.department_code, Termination.ground))
    for code, ground, n in ended:
        out[code][f"ground:{ground}"] += int(n)
    return out


def leads(session: Session, codes: list[str], year: int, as_of: date) -> Tally:
    """Leads received in the year by status and channel with their amounts; by item and
    by subject (a lead counted once per subject); overdue leads on ``as_of`` (whatever
    year they came in) from the index of open leads alone.  Three grouped queries."""
    out = _nested()
    money = defaultdict(lambda: defaultdict(Decimal))
    in_year = (col(Lead.department_code).in_(codes), _year(Lead.received_on, year))
    rows = session.exec(select(
        Lead.department_code, Lead.status, Lead.channel, func.count(),
        func.sum(func.coalesce(col(Lead.verified_amount), 0)),
        func.sum(func.coalesce(col(Lead.recovered_amount), 0)),
    ).where(*in_year).group_by(Lead.department_code, Lead.status, Lead.channel))
    for code, status, channel, n, verified, recovered in rows:
        out[code]["total"] += int(n)
        out[code][f"status:{status}"] += int(n)
        out[code][f"channel:{channel}"] += int(n)
        money[code]["verified_amount"] += Decimal(str(verified or 0))
        money[code]["recovered_amount"] += Decimal(str(recovered or 0))
    # Each item row says whether it opens its subject on the lead (stored when the lead
    # is written): leads by subject count those rows, with no look at other items.
    rows = session.exec(select(Lead.department_code, LeadItem.code, func.count(),
                               func.sum(case((col(LeadItem.opens_subject), 1), else_=0))).where(
        col(LeadItem.lead_id) == col(Lead.id), *in_year,
    ).group_by(Lead.department_code, LeadItem.code))
    for code, item, n, first in rows:
        out[code][f"item:{item}"] += int(n)
        out[code][f"subject:{subject_of(item)}"] += int(first or 0)
    # 'closed' as a literal: SQLite then reads only the partial index of open leads.
    open_ = col(Lead.status) != literal_column("'closed'")
    overdue = or_(and_(col(Lead.status) == "received", col(Lead.accept_by) < as_of),
                  and_(col(Lead.status) != "received", col(Lead.handle_by) < as_of))
    for code, n in session.exec(select(Lead.department_code, func.count()).where(
            col(Lead.department_code).in_(codes), open_, overdue).group_by(Lead.department_code)):
        out[code]["overdue"] += int(n)
    for code, sums in money.items():
        out[code].update(sums)
    return out


def rewards(session: Session, codes: list[str], year: int) -> Tally:
    """Rewards notified (granted) and claimed (paid) in the year, count and amount."""
    out = _nested()
    # Rewards are few and leads many: read the year's rewards and look each one's
    # department up by the lead's key, never walking the departments' leads.
    dept = (select(Lead.department_code).where(col(Lead.id) == col(Reward.lead_id))
            .correlate(Reward).scalar_subquery())
    wanted = set(codes)
    for key, day in (("granted", Reward.notice_on), ("paid", Reward.claimed_on)):
        rows = session.exec(select(dept, func.count(), func.sum(Reward.amount)).where(
            _year(day, year), col(Reward.status) != "cancelled").group_by(dept))
        for code, n, amount in rows:
            if code in wanted:
                out[code][key] = int(n)
                out[code][f"{key}_amount"] = Decimal(str(amount or 0))
    return out


def activities(session: Session, codes: list[str], year: int, as_of: date) -> Tally:
    """Activities held (on record as held, on or before ``as_of``; a plan whose day passed
    with no attendance recorded does not count) by kind, with attendance; opinions and
    complaints received in the year."""
    out = _nested()
    held = (col(Activity.department_code).in_(codes), _year(Activity.held_on, year),
            col(Activity.status) == "held", col(Activity.held_on) <= as_of)
    for code, kind, n in session.exec(select(Activity.department_code, Activity.kind,
                                             func.count()).where(*held)
                                      .group_by(Activity.department_code, Activity.kind)):
        out[code][f"kind:{kind}"] += int(n)
        out[code]["held"] += int(n)
    state = case((col(Participation.attended).is_(None), "invited"),
                 (col(Participation.attended).is_(True), "attended"), else_="absent")
    for code, value, n in session.exec(select(Activity.department_code, state, func.count())
                                       .where(*held, col(Participation.activity_id)
                                              == col(Activity.id))
                                       .group_by(Activity.department_code, state)):
        out[code][value] += int(n)
    for model, day, key in ((Opinion, Opinion.received_on, "opinions"),
                            (Complaint, Complaint.received_on, "complaints")):
        for code, n in session.exec(select(model.department_code, func.count()).where(
                col(model.department_code).in_(codes), _year(day, year))
                .group_by(model.department_code)):
            out[code][key] += int(n)
    return out


def year_end(year: int, as_of: date | None) -> date:
    """The day a year's figures are taken: 31 December, or ``as_of`` if earlier."""
    last = date(year, 12, 31)
    return min(last, as_of) if as_of else last


__all__ = ["AGE_BANDS", "activities", "active_in_year", "appointments", "composition", "leads",
           "rewards", "serving_on", "year_end"]
