"""The import pipeline every kind shares: read the file, check every row with the kind's
:class:`Checker`, report the problems (and mark the clerk's workbook) or write it all.

Also the report it returns, and the speed helpers the checkers use on large workbooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from medisup.collector import collector_paused
from medisup.errors import MedisupError, UsageError
from medisup.i18n import t

if TYPE_CHECKING:
    from medisup.excel import CellProblem
    from medisup.excel import Table as SheetTable
    from medisup.services.uow import UnitOfWork

# SQLite accepts at most 999 host parameters in a statement on old builds: look-ups by
# key go in chunks well below that.
CHUNK = 900
# The progress callback: (stage, done, total); stages are "read", "check" and "write".
Progress = Callable[[str, int, int], None]
PROGRESS_STEP = 2000


# ---------------------------------------------------------------- the report


@dataclass
class ImportReport:
    """What an import found and did; ``problems`` empty means it was (or would be) written."""

    kind: str
    file: str
    sheet: str | None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    batch_id: int | None = None
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)
    errors_file: str | None = None
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON form for scripts."""

        return {
            "kind": self.kind, "file": self.file, "sheet": self.sheet, "rows": self.rows,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "batch_id": self.batch_id, "dry_run": self.dry_run,
            "written": self.batch_id is not None, "errors_file": self.errors_file,
            "warnings": list(self.warnings), "ignored_columns": list(self.ignored_columns),
            "problems": [
                {"row": p.row, "column": p.column_key, "header": p.header,
                 "value": p.shown_value if p.header is not None else None,
                 "expected": p.expected, "message": p.message}
                for p in self.problems
            ],
        }


class Tally:
    """Counts rows by outcome while checking."""

    __slots__ = ("created", "updated", "unchanged")

    def __init__(self) -> None:
        self.created = self.updated = self.unchanged = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def finish_problems(table: SheetTable, found: Iterable[CellProblem]) -> list[CellProblem]:
    """Every problem once, in the order a reader meets them: by row, then left to right."""
    order = {key: n for n, key in enumerate(table.positions)}
    unique = dict.fromkeys(found)
    return sorted(unique, key=lambda p: (p.row, order.get(p.column_key, -1)))


def rejected_rows(problems: Sequence[CellProblem]) -> int:
    return len({p.row for p in problems})


class Checker(Protocol):
    """What an import kind provides: every row checked and planned before anything is
    written, then the plan written in bulk."""

    problems: list[CellProblem]
    tally: Tally
    warnings: list[str]

    def run(self) -> None:
        """Check every row; fill ``problems``, ``tally`` and ``warnings``."""

    def release(self) -> None:
        """Let go of what only the checks needed (the workbook's cells) before writing."""

    def write(self, report: ImportReport) -> None:
        """Write the planned rows, start and finish the batch; called only without problems."""


class CheckerFactory(Protocol):
    def __call__(self, uow: UnitOfWork, table: SheetTable, department: str | None,
                 today: date, tick: Progress) -> Checker: ...


def run_import(
    uow: UnitOfWork,
    path: Any,
    *,
    kind: str,
    columns: Sequence[Any],
    checker: CheckerFactory,
    sheet: str | None,
    header_row: int | None,
    department: str | None,
    dry_run: bool,
    errors_to: Any,
    today: date | None,
    progress: Progress | None,
    force: bool = False,
    mapping: Mapping[str, str] | None = None,
    needed: Sequence[str] = (),
) -> ImportReport:
    """The pipeline every import kind shares: read the file (before the first query),
    check every row with the kind's ``checker`` in a read transaction, hand problems back
    (and the clerk's workbook marked, when asked) or take the write lock and write it all
    — so other staff keep writing while a large workbook is checked (SQLite's one write
    lock is held only for the write itself; see :mod:`.locking`).

    ``checker(uow, table, department, today, tick)`` returns a :class:`Checker`.
    ``mapping`` (``--map``) tells the reader what unknown headers mean; every column it
    still does not know is named in a warning and on the report, and one that looks like
    a ``needed`` column the file lacks stops the import (see ``read_table``).
    """
    from medisup.excel import read_table
    from medisup.services.batches.locking import WriteLock
    from medisup.services.departments import validate_code

    path = Path(path)
    if errors_to is not None:
        errors_to = check_errors_target(errors_to, path, force=force)
    today = today or date.today()
    tick = progress or (lambda stage, done, total: None)
    if department:
        department = validate_code(department)
    with collector_paused():
        tick("read", 0, 1)
        table = read_table(path, columns, sheet=sheet, header_row=header_row,
                           mapping=mapping, needed=needed)
        tick("read", 1, 1)
        # The checks read the database without its write lock (see ``locking``).
        lock = WriteLock(uow)
        report, check, problems = _check(uow, kind, path, table, checker, department, today,
                                         tick, dry_run)
        writes = not problems and not dry_run and (report.created or report.updated)
        if writes and not lock.take():
            # Someone wrote while the rows were checked: check them again, under the lock.
            uow.session.expire_all()
            uow.__dict__.pop("scope", None)
            report, check, problems = _check(uow, kind, path, table, checker, department,
                                             today, tick, dry_run)
            writes = not problems and (report.created or report.updated)
        if problems:
            _refuse(report, problems, path, table, errors_to, force)
            return report
        if writes:
            del table
            check.release()
            check.write(report)
    return report


def _check(uow: UnitOfWork, kind: str, path: Path, table: SheetTable, checker: CheckerFactory,
           department: str | None, today: date, tick: Progress, dry_run: bool,
           ) -> tuple[ImportReport, Checker, list[CellProblem]]:
    """Every row checked and planned: the report so far, the checker holding the plan,
    and the problems found."""
    from medisup.excel.table import visible

    report = ImportReport(kind, path.name, table.sheet_name, rows=len(table.rows),
                          dry_run=dry_run, ignored_columns=table.unknown_headers)
    check = checker(uow, table, department, today, tick)
    check.run()
    problems = finish_problems(table, check.problems)
    report.created, report.updated, report.unchanged = (
        check.tally.created, check.tally.updated, check.tally.unchanged)
    report.warnings = check.warnings
    if report.ignored_columns:
        report.warnings.insert(0, t(
            "import.ignored_columns", count=len(report.ignored_columns),
            columns=t("excel.list_separator").join(map(visible, report.ignored_columns))))
    return report, check, problems


def _refuse(report: ImportReport, problems: list[CellProblem], path: Path, table: SheetTable,
            errors_to: Path | None, force: bool) -> None:
    """The problems on the report, and the clerk's workbook marked when asked."""
    from medisup.excel import write_error_workbook

    report.problems = problems
    report.rejected = rejected_rows(problems)
    if errors_to is not None:
        try:
            write_error_workbook(path, errors_to, table, problems, overwrite=force)
        except FileExistsError:  # appeared while the rows were checked
            raise UsageError(t("import.error.errors_exists", option="--errors",
                               file=errors_to)) from None
        report.errors_file = str(errors_to)


def check_errors_target(out: Any, source: Path, *, force: bool = False) -> Path:
    """Where ``--errors`` may write, refused before any work: never the file being
    imported (the clerk's own workbook would be replaced by the marked copy), never an
    existing file (nor its mode changed) unless ``force``."""
    from pathlib import Path

    out = Path(out).expanduser()
    if out.is_dir():
        raise UsageError(t("import.error.errors_is_dir", option="--errors", file=out))
    if force:
        return out
    if _same_file(out, source):
        raise UsageError(t("import.error.errors_is_input", option="--errors", file=out))
    if out.exists() or out.is_symlink():
        raise UsageError(t("import.error.errors_exists", option="--errors", file=out))
    return out


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and a.samefile(b)  # a hard link is the same file
    except OSError:
        return False


# ---------------------------------------------------------------- speed helpers


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Memo:
    """Answers of a pure check, remembered per distinct input: a workbook repeats the
    same codes, dates and labels thousands of times.  A refused value remembers the
    error and raises it again.  Arguments must be cheap to hash (strings, dates)."""

    __slots__ = ("_check", "_seen")

    def __init__(self, check: Callable[..., Any]) -> None:
        self._check = check
        self._seen: dict[Any, Any] = {}

    def __call__(self, *args: Any) -> Any:
        found = self._seen.get(args, _MISSING)
        if found is _MISSING:
            try:
                found = self._check(*args)
            except MedisupError as exc:
                found = _Refused(exc)
            self._seen[args] = found
        if found.__class__ is _Refused:
            raise found.exc
        return found


class _Refused:
    __slots__ = ("exc",)

    def __init__(self, exc: Exception) -> None:
        self.exc = exc


_MISSING = object()
