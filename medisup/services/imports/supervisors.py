"""Importing a supervisor roster: every row checked with the rules of ``supervisor apply``
and ``approve`` (identity, pack codes, channel, eligibility, one post at a time, blocking
terminations, age, quota), then people, applications and terms written in bulk.

A row with 聘期起始 is an appointment — the roster is the bureau's own record of it — and
becomes an approved application with a term; a row without one is a pending
application.  The person is matched by ID number: new people are created, known ones
compared field by field and updated where the row says something new.

The checks run column by column where a value stands alone (each distinct value of a
repetitive column is judged once) and row by row only where fields meet (gender against
the ID number, the term against the person's history and the quota).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, delete, func, select

from medisup.clock import now
from medisup.errors import InvalidValue, MedisupError
from medisup.excel.normalise import MonthDate
from medisup.i18n import t
from medisup.identifiers import id_birth_date, id_gender
from medisup.models import (
    Application,
    Department,
    Interest,
    Person,
    PersonCategory,
    Term,
    Termination,
)
from medisup.packs import Pack, load_pack
from medisup.services import eligibility, identity
from medisup.services import supervisor_rules as rules
from medisup.services.batches.pipeline import ImportReport, Progress, Tally, chunks, run_import
from medisup.services.batches.writer import Writer, finish_batch, start_batch
from medisup.services.eligibility import BlockingTermination, History, ServingFact
from medisup.services.masking import mask_id_number
from medisup.services.terms import quota_of

if TYPE_CHECKING:
    from medisup.excel import CellProblem
    from medisup.excel import Table as SheetTable
    from medisup.services.uow import UnitOfWork

KIND = "supervisors"
# Person columns a row may change on a known person (gender and birth date follow the
# ID number; the name is the check that the ID number was not mistyped).
UPDATABLE = ("ethnicity", "phone", "email", "address", "work_unit", "background")
APPOINTED = frozenset({"serving", "appointed"})
# Where an eligibility finding that stands in the way is marked in the workbook.
_FINDING_COLUMN = {"age": "birth_date", "not_serving": "term_start",
                   "no_blocking_termination": "id_number"}


class TermFact(NamedTuple):
    """A term on file (a :class:`supervisor_rules.TermLike`)."""

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


def columns() -> tuple:
    """The roster's columns, with every known category label kept whole when splitting."""
    from medisup.excel import SUPERVISOR_COLUMNS, with_choices
    from medisup.packs import available_packs

    labels: list[str] = []
    for name in available_packs():
        for item in load_pack(name).categories:
            labels += [x for x in (item.label, item.short, item.label_en, item.short_en) if x]
    return with_choices(SUPERVISOR_COLUMNS, {"categories": list(dict.fromkeys(labels))})


def import_supervisors(
    uow: UnitOfWork,
    path: str | Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    department: str | None = None,
    dry_run: bool = False,
    errors_to: str | Path | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row of a supervisor workbook and, when none has a problem (and not
    ``dry_run``), write them all as one batch.  Problems come back on the report, never
    half-written rows; an unusable file raises a ``WorkbookError``."""
    return run_import(
        uow, path, kind=KIND, columns=columns(), checker=_Checker, sheet=sheet,
        header_row=header_row, department=department, dry_run=dry_run, errors_to=errors_to,
        today=today, progress=progress,
    )


def _silent(stage: str, done: int, total: int) -> None:
    return None


def _attempt(check: Callable[[Any], Any], value: Any) -> Any:
    """``check(value)``, or the error it raised (so a column goes through ``map``)."""
    if value is None:
        return None
    try:
        result = check(value)
    except MedisupError as exc:
        return exc
    # The adapter has mostly cleaned the cell already: keep one string, not two equal ones.
    return value if result.__class__ is value.__class__ and result == value else result


class _Checker:
    """Checks the rows against the database's facts, loaded in bulk, and plans the writes."""

    def __init__(self, uow: UnitOfWork, table: SheetTable, department: str | None,
                 today: date, tick: Progress) -> None:
        self.uow = uow
        self.table = table
        self.rows = table.rows
        self.today = today
        self.tick = tick
        self.problems: list[CellProblem] = []
        self.bad_rows: set[int] = set()
        self.bad_cells: set[tuple[int, str | None]] = set()
        self.warnings: list[str] = []
        self.tally = Tally()
        self.default_dept = department
        self.depts: dict[str, Dept] = {}
        self.packs: dict[str, Pack] = {}
        self.people: dict[str, Known] = {}
        self.places: dict[str, list[tuple[int, date, date]]] = {}
        self.checked: dict[str, list[Any]] = {}
        self.columns: dict[str, list[Any]] = {}
        self.term_ends: dict[tuple[str, date], date] = {}
        self.evaluations: dict[Any, tuple[list[eligibility.Check], ...]] = {}
        self.births: dict[str, date | None] = {}
        self.regions: dict[tuple[str, str], bool] = {}
        # The plan: row indexes of new people, tuples of new rows, changes to known ones.
        self.new_people: list[int] = []
        self.new_interests: list[tuple[int, str, str | None, date]] = []
        self.new_apps: list[tuple[Any, ...]] = []
        self.new_findings: list[tuple[Any, ...]] = []
        self.new_terms: list[tuple[Any, ...]] = []
        self.person_updates: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        self.category_updates: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []
        self.app_updates: list[tuple[int, dict[str, Any], dict[str, Any]]] = []

    # ---------------------------------------------------------------- problems

    def _flag(self, i: int, key: str | None, expected: str) -> None:
        row = self.rows[i]
        if key is not None and key not in self.table.positions:
            key = None
        self.problems.append(self.table.problem(row, key, expected))
        self.bad_rows.add(row.number)
        self.bad_cells.add((row.number, key))

    def _is_bad(self, i: int, key: str) -> bool:
        return (self.rows[i].number, key) in self.bad_cells

    # ---------------------------------------------------------------- loading facts

    def _load(self) -> None:
        session = self.uow.session
        self.default_dept = self.default_dept or self.uow.require_dept()
        self.uow.check_scope(self.default_dept)
        for dept in session.scalars(select(Department).where(
                Department.code.in_(sorted(self.uow.scope)))):
            pack = self.packs[dept.pack] = load_pack(dept.pack)
            self.depts[dept.code] = Dept(dept.code, dept.name, pack, quota_of(dept, pack))
        self._load_people({n for n in self._column("id_number") if n is not None})

    def _load_people(self, numbers: set[str]) -> None:
        conn = self.uow.session.connection()
        person = Person.__table__
        wanted = [person.c.id, person.c.id_number, person.c.name,
                  *(person.c[k] for k in UPDATABLE)]
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
                                               {k: getattr(row, k) for k in UPDATABLE})
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

    # ---------------------------------------------------------------- column checks

    def _column(self, key: str) -> list[Any]:
        """The cleaned cells of one column (all ``None`` for a column the file lacks)."""
        found = self.columns.get(key)
        if found is None:
            if key in self.table.positions:
                found = list(map(itemgetter(key), self.values))
            else:
                found = [None] * len(self.rows)
            self.columns[key] = found
        return found

    def _check_column(self, key: str, check: Callable[[Any], Any], *,
                      inputs: list[Any] | None = None, distinct: bool = True,
                      on_error: Callable[[int, MedisupError], None] | None = None,
                      store: str | None = None) -> list[Any]:
        """``check`` over a column (or over ``inputs`` built from it): clean values, with
        every refusal flagged on its cell and replaced by ``None``.  A repetitive column
        is judged once per distinct value."""
        if inputs is None and key not in self.table.positions:
            out = self.checked[store or key] = self._column(key)
            return out
        values = self._column(key) if inputs is None else inputs
        if distinct:
            verdict = {value: _attempt(check, value) for value in set(values)}
            out = list(map(verdict.__getitem__, values))
        else:
            out = list(map(partial(_attempt, check), values))
        if any(issubclass(kind, MedisupError) for kind in set(map(type, out))):
            for i, result in enumerate(out):
                if isinstance(result, MedisupError):
                    if on_error is not None:
                        on_error(i, result)
                    else:
                        self._flag(i, key, getattr(result, "expected", result.message))
                    out[i] = None
        self.checked[store or key] = out
        return out

    def _check_columns(self) -> None:
        self.values = [row.values for row in self.rows]
        keys = list(self.table.positions)
        if len(keys) > 1 and self.values:
            # Every column in one C-level pass (the row dicts have a key per column found).
            self.columns.update(zip(keys, map(list, zip(*map(itemgetter(*keys), self.values),
                                                         strict=True)), strict=True))
        self._check_ids()
        self._load()
        default = self.depts.get(self.default_dept)
        refused: set[int] = set()

        def refuse(i: int, exc: MedisupError) -> None:
            refused.add(i)
            self._flag(i, "department", getattr(exc, "expected", exc.message))

        depts = self._check_column("department", self._department, on_error=refuse)
        # An empty cell means the default department; a refused one, none at all.
        depts = self.checked["department"] = [
            None if refused and i in refused else d or default for i, d in enumerate(depts)]
        packs = [d.pack.name if d is not None else None for d in depts]
        self._check_column("name", partial(identity.check_text, "name"))
        self._check_column("address", partial(identity.check_text, "address"))
        self._check_column("ethnicity", partial(identity.check_text, "ethnicity"))
        self._check_column("work_unit", partial(identity.check_text, "work_unit"))
        self._check_column("phone", identity.check_phone)
        self._check_column("email", identity.check_email)
        self._check_column("gender", identity.parse_gender)
        self._check_column("status", _parse_status)
        self._check_column("background", self._background,
                           inputs=list(zip(packs, self._column("background"), strict=True)))
        self._check_column("categories", self._categories,
                           inputs=list(zip(packs, self._column("categories"), strict=True)))
        self._check_column("channel", self._channel, on_error=self._channel_error,
                           inputs=list(zip(packs, self._column("channel"),
                                           self._column("recommending_body"), strict=True)))
        self._check_column("interests", _interests)

    def _check_ids(self) -> None:
        """Birth date, gender and whether the birthplace code is known, for every ID
        number, as ``identity.parse_id_number`` reads them.  Its verdict on the birth
        date is remembered per date and on the birthplace per code and birth year (the
        only inputs it reads them from); a number it would refuse goes to it, so the
        message is its own."""
        births, regions, today = self.births, self.regions, self.today
        ids = self._column("id_number")
        out: list[tuple[date, str, bool] | None] = [None] * len(ids)
        for i, number in enumerate(ids):
            if number is None:
                continue
            birth = births.get(number[6:14], False)
            if birth is False:
                birth = births[number[6:14]] = id_birth_date(number, today)
            known = regions.get((number[:6], number[6:10]))
            if birth is None or known is None:
                try:
                    info = identity.parse_id_number(number, today=today)
                except InvalidValue as exc:
                    self._flag(i, "id_number", exc.expected)
                    continue
                known = regions[number[:6], number[6:10]] = info.region_known
                birth = info.birth_date
            out[i] = (birth, id_gender(number), known)
        self.checked["id_info"] = out

    def _department(self, text: str) -> Dept:
        from medisup.services.departments import validate_code

        code = validate_code(text)
        dept = self.depts.get(code)
        if dept is None:
            raise InvalidValue(t("field.dept_code"), code,
                               t("scope.outside", code=code, dept=self.uow.actor.dept))
        return dept

    def _background(self, given: tuple[str | None, str | None]) -> str | None:
        pack, text = given
        if pack is None or text is None:
            return None
        return self.packs[pack].resolve("backgrounds", text).code

    def _categories(self, given: tuple[str | None, tuple[str, ...] | None]
                    ) -> tuple[str, ...] | None:
        """Category codes (or labels), each refused item named in one message."""
        pack, texts = given
        if pack is None or not texts:
            return None
        codes: list[str] = []
        refused: list[str] = []
        for text in texts:
            try:
                code = self.packs[pack].resolve("categories", text).code
            except InvalidValue as exc:
                refused.append(t("excel.expected.item", item=text, problem=exc.expected))
                continue
            if code not in codes:
                codes.append(code)
        if refused:
            raise InvalidValue(t("supervisor.field.categories"), "、".join(texts),
                               t("pack.list_sep").join(refused))
        return tuple(codes)

    def _channel(self, given: tuple[str | None, str | None, str | None]
                 ) -> tuple[str, str | None] | None:
        pack, channel, body = given
        if pack is None:
            return None
        if channel is None:
            raise InvalidValue(t("excel.headers.supervisors.channel"), "",
                               t("excel.expected.required"))
        return eligibility.check_channel(self.packs[pack], channel, body)

    def _channel_error(self, i: int, exc: MedisupError) -> None:
        body = isinstance(exc, InvalidValue) and exc.field == identity.field_label(
            "recommending_body")
        self._flag(i, "recommending_body" if body else "channel",
                   getattr(exc, "expected", exc.message))

    # ---------------------------------------------------------------- row checks

    def run(self) -> None:
        table = self.table
        for problem in [*table.problems, *table.duplicates("id_number")]:
            self.problems.append(problem)
            self.bad_rows.add(problem.row)
            self.bad_cells.add((problem.row, problem.column_key))
        total = len(self.rows)
        self.tick("check", 0, total)
        self._check_columns()
        self.tick("check", total // 2, total)
        c = self.checked
        ids, infos, depts, names, genders, statuses = (
            self._column("id_number"), c["id_info"], c["department"], c["name"], c["gender"],
            c["status"])
        categories, channels = c["categories"], c["channel"]
        births, starts, ends, applied = (self._column("birth_date"),
                                         self._column("term_start"),
                                         self._column("term_end"),
                                         self._column("applied_on"))
        people, bad_rows, today, term_ends = self.people, self.bad_rows, self.today, \
            self.term_ends
        numbers = [row.number for row in self.rows]
        created = 0
        for i in range(total):
            info = infos[i]
            number = ids[i]
            known = people.get(number) if number is not None else None
            dept = depts[i]
            if info is not None:
                if (genders[i] is not None and genders[i] != info[1]) \
                        or (births[i] is not None and births[i] != info[0]):
                    self._agree(i, info, genders[i], births[i])
                if known is None and dept is not None and not categories[i] \
                        and not self._is_bad(i, "categories"):
                    self._flag(i, "categories", t(
                        "identity.expect_category",
                        choices="、".join(dept.pack.codes("categories"))))
            if known is not None and names[i] is not None and names[i] != known.name:
                self._flag(i, "name", t("supervisor.expect_same_name",
                                        person=mask_id_number(number)))
            start, status, day = starts[i], statuses[i], applied[i]
            if start is not None and status is None and ends[i] is None and dept is not None \
                    and (day is None or day <= start <= today):
                end = term_ends.get((dept.pack.name, start))
                if end is None:
                    end = term_ends[dept.pack.name, start] = dept.pack.term_end(start)
            else:
                start, end = self._term_dates(i, dept, status, start, ends[i], day)
            if numbers[i] in bad_rows or dept is None or info is None or channels[i] is None:
                continue
            if known is None and start is not None and status is None:
                # The usual roster row: a new person appointed (the short way to
                # _plan_appointment, which would come to the same checks).
                ref = -(len(self.new_people) + 1)
                if self._appoint_new(i, dept, ref, info, channels[i], start, end, day):
                    self._add_person(i, ref, day or start)
                    created += 1
                continue
            self._plan(i, dept, known, info, channels[i], status, start, end, day)
        self.tally.created += created
        self.tick("check", total, total)

    def _agree(self, i: int, info: tuple[date, str, bool], gender: str | None,
               birth: date | None) -> None:
        """Gender and birth date, when given, agree with the ID number."""
        if gender is not None and gender != info[1]:
            self._flag(i, "gender", t("identity.expect_gender_from_id",
                                      gender=t(f"supervisor.gender.{info[1]}")))
        if birth is not None and not self._is_bad(i, "birth_date"):
            same = (birth.year, birth.month) == (info[0].year, info[0].month) \
                if isinstance(birth, MonthDate) else birth == info[0]
            if not same:
                self._flag(i, "birth_date", t("identity.expect_birth_from_id",
                                              birth=info[0].isoformat()))

    def _term_dates(self, i: int, dept: Dept | None, status: str | None, start: date | None,
                    end: date | None, applied: date | None) -> tuple[date | None, date | None]:
        if applied is not None and applied > self.today:
            self._flag(i, "applied_on", t("supervisor.expect_not_future",
                                          today=self.today.isoformat()))
        if start is None:
            if status in APPOINTED and not self._is_bad(i, "term_start"):
                self._flag(i, "term_start" if "term_start" in self.table.positions
                           else "status", t("import.expect_term_start"))
            if end is not None:
                self._flag(i, "term_end", t("import.expect_no_term_end"))
            return None, None
        if status == "pending":
            self._flag(i, "status", t("import.expect_status_with_term"))
        problem = rules.not_before_application(start, applied) if applied else None
        if problem:
            self._flag(i, "term_start", problem)
        if dept is None:
            return start, end
        pack = dept.pack
        expected = self.term_ends.get((pack.name, start))
        if expected is None:
            expected = self.term_ends[pack.name, start] = pack.term_end(start)
        if end is not None and end != expected:
            self._flag(i, "term_end", t("import.expect_term_end", end=expected.isoformat(),
                                        years=pack.term_years, article=pack.term_article))
        return start, expected

    def _evaluate(self, pack: Pack, info: tuple[date, str, bool], number: str,
                  history: History | None, on: date, start: date | None, end: date | None,
                  appointment: bool) -> tuple[list[eligibility.Check], ...]:
        """``eligibility.evaluate`` — and what stands in the way, and the warnings — once
        per distinct set of the inputs it depends on."""
        birth, _, region_known = info
        ages = (birth, on, start, end) if pack.age_range else None
        key = (pack.name, appointment, region_known, None if region_known else number[:6],
               ages, history)
        found = self.evaluations.get(key)
        if found is None:
            declared = {code: ("met", None) for code in pack.codes("criteria")} \
                if appointment else {}
            checks = eligibility.evaluate(
                pack, birth_date=birth, region_code=number[:6], region_known=region_known,
                declared=declared, history=history or History(), on=on, term_start=start,
                term_end=end)
            found = self.evaluations[key] = (
                checks, eligibility.problems(checks),
                [c for c in checks if c.result == "warning"])
        return found

    # ---------------------------------------------------------------- planning

    def _plan(self, i: int, dept: Dept, known: Known | None, info: tuple[date, str, bool],
              channel: tuple[str, str | None], status: str | None, start: date | None,
              end: date | None, applied: date | None) -> None:
        """The row's writes, planned only when every check passes; a new person is
        referred to as -k (the k-th new one), a new application likewise."""
        ref = known.id if known is not None else -(len(self.new_people) + 1)
        if start is not None:
            done = self._plan_appointment(i, dept, known, ref, info, channel, start, end,
                                          applied, status)
        else:
            done = self._plan_application(i, dept, known, ref, info, channel,
                                          applied or self.today, status)
        if done is None:
            return
        declared_on = applied or start or self.today
        if known is None:
            self._add_person(i, ref, declared_on)
            outcome = "created"
        else:
            outcome = self._plan_changes(i, known, declared_on)
        self.tally.add("created" if "created" in (done, outcome)
                       else "updated" if "updated" in (done, outcome) else "unchanged")

    def _add_person(self, i: int, ref: int, declared_on: date) -> None:
        """Row ``i`` creates person ``ref`` (its columns are taken at writing time)."""
        self.new_people.append(i)
        found = self.checked["interests"][i]
        if found:
            self._new_interests(ref, found, declared_on)

    def _new_interests(self, ref: int, found: Sequence[identity.InterestData],
                       declared_on: date) -> None:
        seen: list[identity.InterestData] = []
        for interest in found:
            if not any(rules.same_interest(s.name, s.credit_code, interest.name,
                                           interest.credit_code) for s in seen):
                seen.append(interest)
                self.new_interests.append((ref, interest.name, interest.credit_code,
                                           declared_on))

    def _plan_changes(self, i: int, known: Known, declared_on: date) -> str:
        c = self.checked
        outcome = "unchanged"
        changes = {k: c[k][i] for k in UPDATABLE
                   if c[k][i] is not None and c[k][i] != known.values[k]}
        if changes:
            self.person_updates.append((known.id, changes, {k: known.values[k] for k in changes}))
            outcome = "updated"
        categories = c["categories"][i]
        if categories and tuple(sorted(categories)) != known.categories:
            self.category_updates.append((known.id, categories, known.categories))
            outcome = "updated"
        for interest in c["interests"][i] or ():
            if not any(rules.same_interest(name, code, interest.name, interest.credit_code)
                       for name, code in known.interests):
                known.interests.append((interest.name, interest.credit_code))
                self.new_interests.append((known.id, interest.name, interest.credit_code,
                                           declared_on))
                outcome = "updated"
        return outcome

    def _serving(self, known: Known | None, start: date, end: date) -> tuple[ServingFact, ...]:
        if known is None:
            return ()
        return rules.serving_in(known.terms, start, end)

    def _plan_appointment(self, i: int, dept: Dept, known: Known | None, ref: int,
                          info: tuple[date, str, bool], channel: tuple[str, str | None],
                          start: date, end: date, applied: date | None,
                          status: str | None) -> str | None:
        if known is None and status is None:
            return self._appoint_new(i, dept, ref, info, channel, start, end, applied)
        terms = [x for x in known.terms if x.department_code == dept.code] if known else ()
        if any(x.start_date == start for x in terms):
            return "unchanged"
        if status is not None and status not in APPOINTED:
            self._flag(i, "status", t("import.expect_status_known",
                                      status=t(f"supervisor.status.{status}")))
            return None
        pending = [a for a in known.applications if a.department_code == dept.code
                   and a.status == "pending"] if known else ()
        if pending:
            applied = applied or pending[0].applied_on
            problem = rules.not_before_application(start, pending[0].applied_on)
            if problem:
                self._flag(i, "term_start", problem)
                return None
        applied = applied or min(start, self.today)
        decided = max(min(start, self.today), applied)
        history = _history(self._serving(known, start, end), known)
        _, refused, warnings = self._evaluate(dept.pack, info, self.values[i]["id_number"],
                                              history, decided, start, end, True)
        if refused:
            self._refused(i, refused)
            return None
        if not self._take_place(i, dept, ref, start, end):
            return None
        if pending:
            app = pending[0]
            app_ref = app.id
            self.app_updates.append((app.id, {"status": "approved", "decided_on": decided},
                                     {"status": app.status, "decided_on": app.decided_on,
                                      "decision_note": app.decision_note}))
        else:
            app_ref = -(len(self.new_apps) + 1)
            self.new_apps.append((ref, dept.code, channel[0], channel[1], applied, "approved",
                                  decided))
        for check in warnings:
            self.new_findings.append((app_ref, check.code, check.result, check.note,
                                      check.automatic))
        self.new_terms.append((ref, dept.code, app_ref, len(terms) + 1, start, end))
        return "created"

    def _appoint_new(self, i: int, dept: Dept, ref: int, info: tuple[date, str, bool],
                     channel: tuple[str, str | None], start: date, end: date,
                     applied: date | None) -> str | None:
        """``_plan_appointment`` for a person new to the database (most roster rows): no
        history, no pending application, nothing to compare."""
        today = self.today
        first = start if start < today else today
        applied = applied or first
        decided = first if first > applied else applied
        _, refused, warnings = self._evaluate(dept.pack, info, self.values[i]["id_number"],
                                              None, decided, start, end, True)
        if refused:
            self._refused(i, refused)
            return None
        if dept.limit is not None and not self._take_place(i, dept, ref, start, end):
            return None
        app_ref = -(len(self.new_apps) + 1)
        self.new_apps.append((ref, dept.code, channel[0], channel[1], applied, "approved",
                              decided))
        for check in warnings:
            self.new_findings.append((app_ref, check.code, check.result, check.note,
                                      check.automatic))
        self.new_terms.append((ref, dept.code, app_ref, 1, start, end))
        return "created"

    def _refused(self, i: int, refused: list[eligibility.Check]) -> None:
        """Each eligibility finding that stands in the way, on the cell it concerns."""
        for check in refused:
            expected = eligibility.describe(check)
            if check.code == "no_blocking_termination":
                expected = t("import.blocked", problem=expected)
            key = _FINDING_COLUMN.get(check.code)
            if key == "birth_date" and key not in self.table.positions:
                key = "id_number"
            self._flag(i, key, expected)

    def _take_place(self, i: int, dept: Dept, ref: int, start: date, end: date) -> bool:
        """A free quota place over the whole new term, counting the file's earlier rows."""
        if dept.limit is None:
            return True
        places = self._places(dept.code, start)
        serving, day = rules.peak_places(places, start, end)
        if serving >= dept.limit:
            self._flag(i, "term_start", t(
                "supervisor.quota_full", dept=dept.code, name=dept.name, serving=serving,
                quota=dept.limit, on=day.isoformat(), article=dept.pack.term_article))
            return False
        places.append((ref, start, end))
        return True

    def _plan_application(self, i: int, dept: Dept, known: Known | None, ref: int,
                          info: tuple[date, str, bool], channel: tuple[str, str | None],
                          applied: date, status: str | None) -> str | None:
        apps = [a for a in known.applications if a.department_code == dept.code] \
            if known else []
        if any(a.applied_on == applied for a in apps):
            return "unchanged"
        pending = [a for a in apps if a.status == "pending"]
        if pending:
            app = pending[0]
            if (app.channel, app.recommending_body) == channel:
                return "unchanged"
            self.app_updates.append((app.id, {"channel": channel[0],
                                              "recommending_body": channel[1]},
                                     {"channel": app.channel,
                                      "recommending_body": app.recommending_body}))
            return "updated"
        if status is not None and status != "pending":
            self._flag(i, "status", t("import.expect_status_known",
                                      status=t(f"supervisor.status.{status}")))
            return None
        number = self.values[i]["id_number"]
        here = [x for x in (known.terms if known else ())
                if x.department_code == dept.code
                and x.start_date <= applied <= rules.last_day(x.end_date, x.terminated_on)]
        if here:
            self._flag(i, None, t("supervisor.already_serving_here",
                                  person=mask_id_number(number), dept=dept.code,
                                  end=here[0].end_date.isoformat()))
            return None
        history = _history(self._serving(known, applied, applied), known)
        checks, _, _ = self._evaluate(dept.pack, info, number, history, applied, None, None,
                                      False)
        app_ref = -(len(self.new_apps) + 1)
        self.new_apps.append((ref, dept.code, channel[0], channel[1], applied, "pending", None))
        for check in checks:
            self.new_findings.append((app_ref, check.code, check.result, check.note,
                                      check.automatic))
        return "created"

    # ---------------------------------------------------------------- writing

    def release(self) -> None:
        """Let go of the workbook before writing: the rows are planned, and the memory
        they hold is better spent on the inserts."""
        keep = {"id_number": self._column("id_number")}
        self.table = self.rows = self.values = None  # type: ignore[assignment]
        self.columns = keep

    def write(self, report: ImportReport) -> None:
        uow = self.uow
        batch = start_batch(uow, KIND, report)
        writer = Writer(uow)
        stamp = now()
        total = len(self.new_people) + len(self.new_apps) + len(self.new_terms) + 1
        self.tick("write", 0, total)
        people = self._write_people(writer, stamp)

        def person(ref: int) -> int:
            return ref if ref > 0 else people[-ref - 1]

        self.tick("write", len(people), total)
        if self.new_interests:
            refs, names, codes, days = zip(*self.new_interests, strict=True)
            count = len(refs)
            writer.insert("interest", count, {
                "id": writer.allocate("interest", count),
                "person_id": list(map(person, refs)), "institution_name": list(names),
                "credit_code": list(codes), "declared_on": list(days)})
        app_ids = writer.allocate("application", len(self.new_apps))

        def application(ref: int) -> int:
            return ref if ref > 0 else app_ids[-ref - 1]

        note = t("import.decision_note", batch=batch.id, file=report.file)
        if self.new_apps:
            refs, depts, channels, bodies, applied, statuses, decided = map(
                list, zip(*self.new_apps, strict=True))
            writer.insert("application", len(refs), {
                "id": app_ids, "person_id": list(map(person, refs)),
                "department_code": depts, "channel": channels, "recommending_body": bodies,
                "applied_on": applied, "status": statuses, "decided_on": decided,
                "decision_note": [note if s == "approved" else None for s in statuses],
                "override_reason": None, "batch_id": batch.id, "created_at": stamp})
        self.tick("write", len(people) + len(app_ids), total)
        if self.new_findings:
            apps, criteria, results, notes, automatic = map(
                list, zip(*self.new_findings, strict=True))
            writer.insert("finding", len(apps), {
                "id": writer.allocate("finding", len(apps)),
                "application_id": list(map(application, apps)), "criterion": criteria,
                "result": results, "note": notes, "automatic": automatic})
        if self.new_terms:
            refs, depts, apps, numbers, starts, ends = map(list, zip(*self.new_terms,
                                                                     strict=True))
            writer.insert("term", len(refs), {
                "id": writer.allocate("term", len(refs)),
                "person_id": list(map(person, refs)), "department_code": depts,
                "application_id": list(map(application, apps)), "number": numbers,
                "start_date": starts, "end_date": ends, "consent_on": None,
                "renewed": False, "terminated_on": None, "created_at": stamp})
        self._write_updates(writer, stamp, note)
        finish_batch(uow, batch, report, writer)
        self.tick("write", total, total)

    def _write_people(self, writer: Writer, stamp: Any) -> list[int]:
        """New people and their categories, column by column."""
        rows = self.new_people
        ids = writer.allocate("person", len(rows))
        if not rows:
            return ids
        c = self.checked
        total = len(c["id_info"])
        everyone = len(rows) == total  # the usual case: a roster of new people
        if everyone:
            def pick(values: list[Any]) -> list[Any]:
                return values
        else:
            mask = [False] * total
            for i in rows:
                mask[i] = True

            def pick(values: list[Any]) -> list[Any]:
                return list(compress(values, mask))
        infos = pick(c["id_info"])
        columns: dict[str, Any] = {
            "id": ids, "id_number": pick(self._column("id_number")),
            "name": pick(c["name"]), "gender": [x[1] for x in infos],
            "birth_date": [x[0] for x in infos],
            **{k: pick(c[k]) for k in UPDATABLE}, "created_at": stamp, "updated_at": stamp}
        del infos
        writer.insert("person", len(ids), columns)
        del columns
        persons: list[int] = []
        codes: list[str] = []
        for person_id, found in zip(ids, pick(c["categories"]), strict=True):
            for code in found:
                persons.append(person_id)
                codes.append(code)
        writer.insert("person_category", len(codes), {"person_id": persons, "code": codes})
        writer.own("person_category", "person_id", "person")
        return ids

    def _write_updates(self, writer: Writer, stamp: Any, note: str) -> None:
        if self.person_updates:
            writer.update("person",
                          [{"id": pid, **changes, "updated_at": stamp}
                           for pid, changes, _ in self.person_updates],
                          [before for _, _, before in self.person_updates])
        pc = PersonCategory.__table__
        for pid, codes, previous in self.category_updates:
            writer.journal.add_updated("person", pid, {"categories": list(previous)})
            writer.execute(delete(pc).where(pc.c.person_id == pid))
            writer.insert("person_category", len(codes),
                          {"person_id": [pid] * len(codes), "code": list(codes)},
                          journal=False)
        if self.app_updates:
            rows = []
            for app_id, changes, _ in self.app_updates:
                if changes.get("status") == "approved":
                    changes = {**changes, "decision_note": note}
                rows.append({"id": app_id, **changes})
            writer.update("application", rows, [before for _, _, before in self.app_updates])


# ---------------------------------------------------------------- helpers


def _parse_status(text: str) -> str:
    from medisup.services.supervisor_views import parse_status

    try:
        return parse_status(text)
    except InvalidValue as exc:
        raise InvalidValue(t("excel.headers.supervisors.status"), text, exc.expected) from None


def _interests(items: tuple[Any, ...]) -> tuple[identity.InterestData, ...]:
    """Declared interests, each checked as ``supervisor interests add`` checks one.  The
    credit code has passed the GB 32100 check in the workbook adapter already (shape and
    check character, :func:`medisup.identifiers.credit_code`, as every command), so only the
    institution's name is left to check here."""
    out = []
    refused = []
    for item in items:
        try:
            out.append(identity.InterestData(identity.check_interest(item.name).name,
                                             item.credit_code))
        except InvalidValue as exc:
            refused.append(t("excel.expected.item", item=str(item), problem=exc.expected))
    if refused:
        raise InvalidValue(identity.field_label("institution"), "", t("pack.list_sep").join(
            refused))
    return tuple(out)


def _history(serving: tuple[ServingFact, ...], known: Known | None) -> History | None:
    """The facts for the review; ``None`` when there are none (the usual new person)."""
    blocking = tuple(known.blocking) if known else ()
    return History(serving, blocking) if serving or blocking else None


__all__ = ["columns", "import_supervisors"]
