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

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import compress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete

from medisup.clock import now
from medisup.i18n import t
from medisup.models import (
    PersonCategory,
)
from medisup.packs import Pack, load_pack
from medisup.services.batches.pipeline import ImportReport, Progress, Tally, run_import
from medisup.services.batches.writer import Writer, finish_batch, start_batch
from medisup.services.supervisors import eligibility

if TYPE_CHECKING:
    from medisup.excel import CellProblem
    from medisup.excel import Table as SheetTable
    from medisup.services.uow import UnitOfWork

from medisup.services.supervisors.identity import REFRESHED
from medisup.services.supervisors.import_columns import ColumnChecks
from medisup.services.supervisors.import_facts import KIND, Dept, Known, Loading
from medisup.services.supervisors.import_rows import RowChecks

# Columns a roster file may lack, but whose absence changes what every row means
# (required columns are needed anyway): an unknown column that looks like one is
# refused with the --map that would read it, never dropped without a word.
NEEDED = ("term_start", "department")


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
    force: bool = False,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """Check every row of a supervisor workbook and, when none has a problem (and not
    ``dry_run``), write them all as one batch.  Problems come back on the report, never
    half-written rows; an unusable file raises a ``WorkbookError``."""
    return run_import(
        uow, path, kind=KIND, columns=columns(), checker=_Checker, sheet=sheet,
        header_row=header_row, department=department, dry_run=dry_run, errors_to=errors_to,
        today=today, progress=progress, force=force, mapping=mapping, needed=NEEDED,
    )


def _silent(stage: str, done: int, total: int) -> None:
    return None

class _Checker(Loading, ColumnChecks, RowChecks):
    """Checks the rows against the database's facts, loaded in bulk, and plans the writes.

    Loading, column checks and row checks live in their own modules; this class holds
    the state they share and writes the plan."""

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
        self.evaluations: dict[Any, tuple[list[Any], list[eligibility.Check], list[Any]]] = {}
        self.births: dict[str, date | None] = {}
        self.regions: dict[str, bool] = {}  # by the ID number's first ten characters
        self.ids: list[str | None] = []  # the ID number column, once checked
        # The plan: row indexes of new people, tuples of new rows, changes to known ones.
        self.new_people: list[int] = []
        self.new_interests: list[tuple[int, str, str | None, date]] = []
        self.new_apps: list[tuple[Any, ...]] = []
        self.new_findings: list[tuple[Any, ...]] = []
        self.new_terms: list[tuple[Any, ...]] = []
        self.person_updates: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        self.category_updates: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []
        self.app_updates: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        self.term_updates: list[tuple[int, dict[str, Any], dict[str, Any]]] = []

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
    # ---------------------------------------------------------------- writing

    def release(self) -> None:
        """Let go of the workbook before writing: the rows are planned, and the memory
        they hold is better spent on the inserts."""
        keep = {"id_number": self._column("id_number")}
        self.table = self.rows = None  # type: ignore[assignment]
        self.columns = keep

    def write(self, report: ImportReport) -> None:
        uow = self.uow
        batch = start_batch(uow, KIND, report)
        writer = Writer(uow)
        stamp = now()
        total = len(self.new_people) + len(self.new_apps) + len(self.new_terms) + 1
        self.tick("write", 0, total)
        people = self._write_people(writer, stamp)
        self.tick("write", len(people), total)
        if self.new_interests:
            refs, names, codes, days = zip(*self.new_interests, strict=True)
            count = len(refs)
            writer.insert("interest", count, {
                "id": writer.allocate("interest", count),
                "person_id": _resolved(refs, people), "institution_name": list(names),
                "credit_code": list(codes), "declared_on": list(days)})
        app_ids = writer.allocate("application", len(self.new_apps))
        # Where the findings came from: the roster, not a reviewer (gx Art. 4 pledge and
        # every criterion included); `supervisor show` prints it beside the findings.
        note = t("supervisor.roster.decision_note", batch=batch.id, file=report.file)
        if self.new_apps:
            refs, depts, channels, bodies, applied, statuses, decided = map(
                list, zip(*self.new_apps, strict=True))
            writer.insert("application", len(refs), {
                "id": app_ids, "person_id": _resolved(refs, people),
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
                "application_id": _resolved(apps, app_ids), "criterion": criteria,
                "result": results, "note": notes, "automatic": automatic})
        if self.new_terms:
            refs, depts, apps, numbers, starts, ends, consents = map(
                list, zip(*self.new_terms, strict=True))
            writer.insert("term", len(refs), {
                "id": writer.allocate("term", len(refs)),
                "person_id": _resolved(refs, people), "department_code": depts,
                "application_id": _resolved(apps, app_ids), "number": numbers,
                "start_date": starts, "end_date": ends, "consent_on": consents,
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
            **{k: pick(c[k]) for k in REFRESHED}, "created_at": stamp, "updated_at": stamp}
        del infos
        writer.insert("person", len(ids), columns)
        del columns
        categories = pick(c["categories"])
        persons = [person_id for person_id, found in zip(ids, categories, strict=True)
                   for _ in found]
        codes = [code for found in categories for code in found]
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
        if self.term_updates:  # the terms a renewal row continues
            writer.update("term", [{"id": tid, **changes} for tid, changes, _ in self.term_updates],
                          [before for _, _, before in self.term_updates])


# ---------------------------------------------------------------- helpers


def _resolved(refs: Sequence[int], new: list[int]) -> list[int]:
    """Ids for planned references: a row on file by its id, the k-th new row as -k."""
    return [ref if ref > 0 else new[-ref - 1] for ref in refs]

__all__ = ["columns", "import_supervisors"]
