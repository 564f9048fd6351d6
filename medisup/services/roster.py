"""Who is serving where and when: the questions every other service asks of the terms."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

if TYPE_CHECKING:
    from sqlmodel import Session

    from medisup.models import Term


def serving_clause(on: date, term: Any = None):
    """SQL condition: a term that covers ``on`` and was not terminated by then (the rule
    of :func:`medisup.services.supervisors.rules.serves_on`, for a query).  ``term``: the
    table to say it of, the ORM's by default (``medisup.tables.term`` for a Core read)."""
    if term is None:
        from medisup.models import Term

        term = Term.__table__
    c = term.c
    return (c.start_date <= on) & (c.end_date >= on) \
        & or_(c.terminated_on.is_(None), c.terminated_on > on)


def serving_term(session: Session, person_id: int, on: date) -> Term | None:
    """The term a person serves on day ``on``, if any."""
    from sqlmodel import select

    from medisup.models import Term

    return session.exec(
        select(Term).where(Term.person_id == person_id, serving_clause(on))
    ).first()


def serving_counts(session: Session, codes: list[str], on: date | None = None) -> dict[str, int]:
    """Number of people serving in each department on day ``on`` (today by default)."""
    from medisup.tables import term

    on = on or date.today()
    rows = session.execute(
        select(term.c.department_code, func.count(func.distinct(term.c.person_id)))
        .where(term.c.department_code.in_(codes), serving_clause(on, term))
        .group_by(term.c.department_code)
    )
    return {code: n for code, n in rows}
