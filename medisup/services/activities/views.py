"""Activities, read side: the list and one activity (confidential plans masked unless
revealed, and every reveal audited), and the participant proposal."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import col, func, select

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.models import Activity, Participation, Person, Term
from medisup.packs import one_of
from medisup.services.activities.records import (
    STATUSES,
    ActivityDetail,
    ActivityRow,
    check_institutions,
    check_kind,
    conflicts,
    detail_of,
    find_activity,
)
from medisup.services.departments import check_department
from medisup.services.masking import mask_id_number
from medisup.services.supervisors.records import item_text, pack_for

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork


def list_activities(
    uow: UnitOfWork,
    *,
    department: str | None = None,
    kind: str | None = None,
    year: int | None = None,
    status: str | None = None,
    reveal: bool = False,
) -> list[ActivityRow]:
    """Activities of the department's subtree, oldest first."""
    from medisup.services.departments import subtree_codes

    session = uow.session
    root = check_department(uow, department)
    query = select(Activity).where(col(Activity.department_code).in_(
        subtree_codes(session, root.code)))
    if kind:
        query = query.where(Activity.kind == check_kind(pack_for(session, root.code), kind).code)
    if year:
        query = query.where(col(Activity.held_on) >= date(year, 1, 1),
                            col(Activity.held_on) <= date(year, 12, 31))
    if status:
        if status not in STATUSES:
            raise InvalidValue("--status", status, one_of(STATUSES))
        query = query.where(Activity.status == status)
    rows = [detail_of(uow, a, reveal=reveal).row
            for a in session.exec(query.order_by(col(Activity.held_on), col(Activity.number)))]
    if reveal and any(r.confidential for r in rows):
        uow.audit("reveal", "activity", "list",
                  after={"activities": [r.number for r in rows if r.confidential]})
    return rows


def show(uow: UnitOfWork, number: str, *, reveal: bool = False) -> ActivityDetail:
    row = find_activity(uow, number)
    if reveal:
        uow.audit("reveal", "activity", row.number, after={"confidential": row.confidential})
    return detail_of(uow, row, reveal=reveal)


@dataclass(frozen=True)
class Candidate:
    person_id: int
    id_number: str
    name: str
    department_code: str
    background: str | None
    background_label: str | None
    activities_this_year: int
    excluded_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Proposal:
    kind: str
    on: date
    proposed: tuple[Candidate, ...]
    excluded: tuple[Candidate, ...]
    short_by: int

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "on": self.on, "short_by": self.short_by,
                "proposed": [c.as_dict() for c in self.proposed],
                "excluded": [c.as_dict() for c in self.excluded]}


def propose(
    uow: UnitOfWork,
    *,
    kind: str,
    count: int,
    institutions: list[tuple[str, str | None]] = (),  # type: ignore[assignment]
    department: str | None = None,
    on: date | None = None,
    reveal: bool = False,
) -> Proposal:
    """Serving supervisors of the department (and below) on ``on``, leaving out anyone
    with a declared interest in an inspected institution (the pack's recusal rule);
    the rest ranked by load — fewest activities this year first — and picked so that
    backgrounds are spread: each pick takes the least represented background so far."""
    from medisup.services.departments import subtree_codes
    from medisup.services.roster import serving_clause

    session = uow.session
    on = on or date.today()
    if count < 1:
        raise InvalidValue("-n", count, t("activity.expect_count"))
    dept = check_department(uow, department)
    pack = pack_for(session, dept.code)
    item = check_kind(pack, kind)
    insts = check_institutions(item, list(institutions))
    codes = subtree_codes(session, dept.code)
    people = session.exec(select(Person.id, Person.id_number, Person.name, Person.background,
                                 Term.department_code).where(
        col(Term.person_id) == col(Person.id), col(Term.department_code).in_(codes),
        serving_clause(on)).order_by(col(Person.id))).all()
    start, end = date(on.year, 1, 1), date(on.year, 12, 31)
    load = dict(session.exec(select(Participation.person_id, func.count()).where(
        col(Participation.activity_id) == col(Activity.id), Activity.status != "cancelled",
        col(Activity.held_on) >= start, col(Activity.held_on) <= end,
        col(Participation.attended).is_not(False)).group_by(Participation.person_id)).all())
    found = conflicts(session, [p.id for p in people], insts, on)
    rule = pack.recusal_rule
    article = pack.item("discipline_rules", rule).cite() if rule else ""
    pool, excluded = [], []
    for pid, number, name, background, code in people:
        cand = Candidate(pid, number if reveal else (mask_id_number(number) or ""), name, code,
                         background, item_text(pack, "backgrounds", background),
                         int(load.get(pid, 0)))
        if pid in found:
            excluded.append(Candidate(**(cand.as_dict() | {"excluded_reason": t(
                "activity.excluded_conflict", institution=found[pid].institution_name,
                article=article)})))
        else:
            pool.append(cand)
    chosen: list[Candidate] = []
    taken: dict[str | None, int] = {}
    pool.sort(key=lambda c: (c.activities_this_year, c.person_id))
    while pool and len(chosen) < count:
        best = min(pool, key=lambda c: (taken.get(c.background, 0), c.activities_this_year,
                                        c.person_id))
        pool.remove(best)
        chosen.append(best)
        taken[best.background] = taken.get(best.background, 0) + 1
    if reveal:
        uow.audit("reveal", "person", "proposal", after={"people": [c.person_id for c in chosen]})
    return Proposal(item.code, on, tuple(chosen), tuple(excluded), max(0, count - len(chosen)))
