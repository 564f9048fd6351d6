"""What the reviews share: findings, the scope they cover, and each term's record
(leads, activities, discipline, complaints, opinions) counted in SQL, term by term."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, literal
from sqlmodel import col, func, select

from medisup.models import (
    Activity,
    Complaint,
    Discipline,
    Lead,
    Opinion,
    Participation,
    Term,
)
from medisup.services.leads.rules import VERIFIED

if TYPE_CHECKING:
    from sqlmodel import Session

    from medisup.services.uow import UnitOfWork


_SHAPES: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def as_record(obj: Any) -> dict[str, Any]:
    """A review dataclass as a dict, nested records as dicts; lists and dicts are shared,
    not deep-copied (``dataclasses.asdict`` copies every value: seconds on 10,000 items).
    Which fields hold records is learnt once per class."""
    shape = _SHAPES.get(obj.__class__)
    if shape is None:
        names = tuple(f.name for f in fields(obj))
        shape = _SHAPES[obj.__class__] = (
            names, tuple(n for n in names if is_dataclass(getattr(obj, n))))
    names, nested = shape
    out = {n: getattr(obj, n) for n in names}
    for n in nested:
        out[n] = as_record(out[n])
    return out


@dataclass(frozen=True)
class Finding:
    """Something a review asks the bureau to act on; ``kind`` is a stable code."""

    kind: str
    department_code: str
    message: str
    article: str = ""
    person_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return as_record(self)


@dataclass(frozen=True)
class TermRecord:
    """What a supervisor did over one term (up to the review date)."""

    leads: int = 0
    leads_verified: int = 0
    activities_attended: int = 0
    activities_absent: int = 0
    opinions: int = 0
    discipline: int = 0
    complaints: int = 0

    def as_dict(self) -> dict[str, Any]:
        return as_record(self)


def scope_codes(uow: UnitOfWork, department: str | None) -> list[str]:
    """The department named (the operator's by default) and every one below it."""
    from medisup.services.departments import check_department, subtree_codes

    return subtree_codes(uow.session, check_department(uow, department).code)


def _span(term_start, term_end, as_of: date):
    """SQL: the term's days up to the review date, as (first, last)."""
    last = case((term_end < as_of, term_end), else_=literal(as_of))
    return term_start, last


def term_records(session: Session, where: list[Any], as_of: date) -> dict[int, TermRecord]:
    """The record of every term matching ``where`` (conditions on ``Term``): one grouped
    query per kind of fact, the terms chosen by the same conditions inside the query —
    never a loop over leads, never a long list of ids."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    first, last = _span(col(Term.start_date), col(Term.end_date), as_of)

    def in_term(day):
        return and_(day >= first, day <= last)

    verified = case((or_verified(), 1), else_=0)
    rows = session.exec(select(Term.id, func.count(col(Lead.id)), func.sum(verified)).where(
        *where, col(Lead.supervisor_id) == col(Term.person_id), in_term(col(Lead.received_on))
    ).group_by(Term.id))
    for tid, n, v in rows:
        out[tid].update(leads=int(n), leads_verified=int(v or 0))
    rows = session.exec(select(Term.id, col(Participation.attended), func.count()).where(
        *where, col(Participation.person_id) == col(Term.person_id),
        col(Participation.activity_id) == col(Activity.id), Activity.status == "held",
        in_term(col(Activity.held_on)), col(Participation.attended).is_not(None),
    ).group_by(Term.id, col(Participation.attended)))
    for tid, attended, n in rows:
        out[tid]["activities_attended" if attended else "activities_absent"] = int(n)
    for model, day, key in ((Opinion, Opinion.received_on, "opinions"),
                            (Discipline, Discipline.occurred_on, "discipline"),
                            (Complaint, Complaint.received_on, "complaints")):
        rows = session.exec(select(Term.id, func.count()).where(
            *where, col(model.person_id) == col(Term.person_id), in_term(col(day))
        ).group_by(Term.id))
        for tid, n in rows:
            out[tid][key] = int(n)
    return {tid: TermRecord(**facts) for tid, facts in out.items()}


def or_verified():
    """SQL: a lead found true — verified, or closed with a verified amount on file."""
    from sqlalchemy import or_

    return or_(col(Lead.status) == VERIFIED, col(Lead.verified_amount).is_not(None))
