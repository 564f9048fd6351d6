"""The supervisor import's facts from the database, loaded in bulk: people known by
ID number with their terms, applications and blocking terminations, departments,
and the places taken against each quota."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, func, select

from medisup.models import (
    Application,
    Interest,
    Person,
    PersonCategory,
    Term,
    Termination,
)
from medisup.packs import Pack
from medisup.services.batches.pipeline import chunks
from medisup.services.departments import scoped_with_packs
from medisup.services.supervisors import rules
from medisup.services.supervisors.eligibility import BlockingTermination, History, ServingFact
from medisup.services.supervisors.identity import REFRESHED

if TYPE_CHECKING:
    pass

KIND = "supervisors"
APPOINTED = frozenset({"serving", "appointed"})
# Where an eligibility finding that stands in the way is marked in the workbook.
FINDING_COLUMN = {"age": "birth_date", "not_serving": "term_start",
                   "no_blocking_termination": "id_number"}
# The number of a person's first term in a department.
FIRST_TERM = rules.term_number(0)
# A finding as the import stores it: criterion, result, note, automatic.
FindingRow = tuple[str, str, str | None, bool]


class TermFact(NamedTuple):
    """A term on file (a :class:`rules.TermLike`)."""

    id: int
    person_id: int
    department_code: str
    start_date: date
    end_date: date
    terminated_on: date | None


class AppFact(NamedTuple):
    id: int
    department_code: str
    status: str
    applied_on: date
    channel: str
    recommending_body: str | None
    decided_on: date | None
    decision_note: str | None


@dataclass
class Known:
    """A person already on file, with what the checks need of their history."""

    id: int
    name: str
    values: dict[str, Any]
    categories: tuple[str, ...] = ()
    interests: list[tuple[str, str | None]] = field(default_factory=list)
    terms: list[TermFact] = field(default_factory=list)
    applications: list[AppFact] = field(default_factory=list)
    blocking: list[BlockingTermination] = field(default_factory=list)


@dataclass(frozen=True)
class Dept:
    code: str
    name: str
    pack: Pack
    limit: int | None

class Loading:
    """Bulk loading of the facts the checks need (a part of the import's checker)."""

    # ---------------------------------------------------------------- loading facts

    def _load(self) -> None:
        self.default_dept = self.default_dept or self.uow.require_dept()
        self.uow.check_scope(self.default_dept)
        for dept, pack in scoped_with_packs(self.uow):
            self.packs[dept.pack] = pack
            self.depts[dept.code] = Dept(dept.code, dept.name, pack,
                                         rules.quota_of(dept.quota, pack))
        self._load_people({n for n in self._column("id_number") if n is not None})

    def _load_people(self, numbers: set[str]) -> None:
        conn = self.uow.session.connection()
        person = Person.__table__
        wanted = [person.c.id, person.c.id_number, person.c.name,
                  *(person.c[k] for k in REFRESHED)]
        on_file = conn.execute(select(func.count()).select_from(person)).scalar() or 0
        if not on_file or not numbers:
            return
        if on_file <= 4 * len(numbers):
            # Few people on file for so many rows: one scan beats a thousand look-ups.
            rows: Any = (row for row in conn.execute(select(*wanted))
                         if row.id_number in numbers)
        else:
            query = select(*wanted).where(
                person.c.id_number.in_(bindparam("keys", expanding=True)))
            rows = (row for part in chunks(sorted(numbers))
                    for row in conn.execute(query, {"keys": list(part)}))
        for row in rows:
            self.people[row.id_number] = Known(row.id, row.name,
                                               {k: getattr(row, k) for k in REFRESHED})
        if not self.people:
            return
        by_id = {p.id: p for p in self.people.values()}
        pc, it, tm, ap, tn = (PersonCategory.__table__, Interest.__table__, Term.__table__,
                              Application.__table__, Termination.__table__)
        categories: dict[int, list[str]] = {}
        for part in chunks(sorted(by_id)):
            for pid, code in conn.execute(select(pc.c.person_id, pc.c.code)
                                          .where(pc.c.person_id.in_(part))):
                categories.setdefault(pid, []).append(code)
            for r in conn.execute(select(it.c.person_id, it.c.institution_name, it.c.credit_code)
                                  .where(it.c.person_id.in_(part), it.c.withdrawn_on.is_(None))):
                by_id[r.person_id].interests.append((r.institution_name, r.credit_code))
            for r in conn.execute(select(tm.c.id, tm.c.person_id, tm.c.department_code,
                                         tm.c.start_date, tm.c.end_date, tm.c.terminated_on)
                                  .where(tm.c.person_id.in_(part))
                                  .order_by(tm.c.start_date, tm.c.id)):
                by_id[r.person_id].terms.append(TermFact(*r))
            for r in conn.execute(select(ap.c.person_id, ap.c.id, ap.c.department_code,
                                         ap.c.status, ap.c.applied_on, ap.c.channel,
                                         ap.c.recommending_body, ap.c.decided_on,
                                         ap.c.decision_note)
                                  .where(ap.c.person_id.in_(part))
                                  .order_by(ap.c.applied_on, ap.c.id)):
                by_id[r.person_id].applications.append(AppFact(*r[1:]))
            for r in conn.execute(select(tn.c.person_id, tn.c.ground, tn.c.effective_on,
                                         tm.c.department_code)
                                  .join(tm, tm.c.id == tn.c.term_id)
                                  .where(tn.c.person_id.in_(part))
                                  .order_by(tn.c.effective_on, tn.c.id)):
                blocking = self._blocking(r.department_code, r.ground, r.effective_on)
                if blocking is not None:
                    by_id[r.person_id].blocking.append(blocking)
        for pid, codes in categories.items():
            by_id[pid].categories = tuple(sorted(codes))

    def _blocking(self, code: str, ground: str, on: date) -> BlockingTermination | None:
        """An earlier termination, in the pack of the department that terminated it."""
        from medisup.services.departments import pack_of

        dept = self.depts.get(code)
        pack = dept.pack if dept else pack_of(self.uow.session, code)
        return rules.blocking_termination(pack, code, ground, on)

    def _places(self, code: str, start: date) -> list[tuple[int, date, date]]:
        """Terms of a department with a quota that may overlap the file's new terms, as
        (person, first day, last day actually served); new terms are added as planned."""
        found = self.places.get(code)
        if found is None:
            tm = Term.__table__
            rows = self.uow.session.connection().execute(
                select(tm.c.id, tm.c.person_id, tm.c.department_code, tm.c.start_date,
                       tm.c.end_date, tm.c.terminated_on)
                .where(tm.c.department_code == code, tm.c.end_date >= start))
            found = self.places[code] = []
            for r in rows:
                fact = TermFact(*r)
                place = rules.place_of(fact.person_id, fact)
                if place is not None:
                    found.append(place)
        return found

def _history(serving: tuple[ServingFact, ...], known: Known | None) -> History | None:
    """The facts for the review; ``None`` when there are none (the usual new person)."""
    blocking = tuple(known.blocking) if known else ()
    return History(serving, blocking) if serving or blocking else None
