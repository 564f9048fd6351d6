"""Who is serving where and when: the questions every other service asks of the terms."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, or_, select

from medisup.models import Term


def serving_clause(on: date):
    """SQL condition: a term that covers ``on`` and was not terminated by then (the rule
    of :func:`medisup.services.supervisors.rules.serves_on`, for a query)."""
    return (
        (col(Term.start_date) <= on)
        & (col(Term.end_date) >= on)
        & or_(col(Term.terminated_on).is_(None), col(Term.terminated_on) > on)
    )


def serving_term(session: Session, person_id: int, on: date) -> Term | None:
    """The term a person serves on day ``on``, if any."""
    return session.exec(
        select(Term).where(Term.person_id == person_id, serving_clause(on))
    ).first()


def serving_counts(session: Session, codes: list[str], on: date | None = None) -> dict[str, int]:
    """Number of people serving in each department on day ``on`` (today by default)."""
    on = on or date.today()
    rows = session.exec(
        select(Term.department_code, func.count(func.distinct(Term.person_id)))
        .where(col(Term.department_code).in_(codes), serving_clause(on))
        .group_by(Term.department_code)
    )
    return {code: n for code, n in rows}
