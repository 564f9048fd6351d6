"""``medisup import``: supervisor rosters and lead ledgers from bureau workbooks, the list
of import batches, and undoing one."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medisup.cli import listing
from medisup.cli.common import FormatOption, run
from medisup.cli.prompts import YesOption
from medisup.errors import ExitStatus
from medisup.i18n import t
from medisup.render import Column, OutputFormat, message, render_rows, success, warning

if TYPE_CHECKING:
    from medisup.services.batches.pipeline import ImportReport

app = typer.Typer(no_args_is_help=True)

# On a terminal the list of problems stops here; scripts (and --format json) get them all.
TERMINAL_PROBLEMS = 50

FileArg = Annotated[Path, typer.Argument(help=t("help.import.arg.file"), show_default=False,
                                         metavar="FILE")]
SheetOption = Annotated[str | None, typer.Option("--sheet", help=t("help.import.opt.sheet"))]
HeaderRowOption = Annotated[int | None, typer.Option("--header-row", min=1,
                                                     help=t("help.import.opt.header_row"))]
DepartmentOption = Annotated[str | None, typer.Option("--department",
                                                      help=t("help.import.opt.department"))]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help=t("help.import.opt.dry_run"))]
ErrorsOption = Annotated[Path | None, typer.Option("--errors", metavar="OUT.xlsx",
                                                   help=t("help.import.opt.errors"))]
ForceOption = Annotated[bool, typer.Option("--force", help=t("help.import.opt.force"))]
MapOption = Annotated[list[str] | None, typer.Option(
    "--map", metavar="HEADER=FIELD", help=t("help.import.opt.map"), show_default=False)]


@app.command("supervisors", help=t("help.import.supervisors"))
def supervisors(
    ctx: typer.Context,
    file: FileArg,
    sheet: SheetOption = None,
    header_row: HeaderRowOption = None,
    department: DepartmentOption = None,
    dry_run: DryRunOption = False,
    errors: ErrorsOption = None,
    force: ForceOption = False,
    mapping: MapOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.supervisors.import_roster import import_supervisors

    _import(ctx, import_supervisors, file, sheet=sheet, header_row=header_row,
            department=department, dry_run=dry_run, errors=errors, force=force,
            mapping=mapping, fmt=fmt)


@app.command("leads", help=t("help.import.leads"))
def leads(
    ctx: typer.Context,
    file: FileArg,
    sheet: SheetOption = None,
    header_row: HeaderRowOption = None,
    department: DepartmentOption = None,
    dry_run: DryRunOption = False,
    errors: ErrorsOption = None,
    force: ForceOption = False,
    mapping: MapOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.leads.import_ledger import import_leads

    _import(ctx, import_leads, file, sheet=sheet, header_row=header_row,
            department=department, dry_run=dry_run, errors=errors, force=force,
            mapping=mapping, fmt=fmt)


@app.command("undo", help=t("help.import.undo"))
def undo(
    ctx: typer.Context,
    batch: Annotated[int, typer.Argument(help=t("help.import.arg.batch"), show_default=False,
                                         metavar="BATCH")],
    yes: YesOption = False,
) -> None:
    from medisup.cli.prompts import confirm_destructive
    from medisup.services.batches import preview as undo_preview
    from medisup.services.batches.undo import undo as undo_batch

    if not yes:
        ahead = run(ctx, lambda uow: undo_preview.preview(uow, batch), write=False)
        confirm_destructive(ctx, ahead.describe(), yes=yes)
    done = run(ctx, lambda uow: undo_batch(uow, batch))
    success(t("import.undone", batch=done.id, file=done.file_name,
              kind=t(f"import.kind.{done.kind}"), created=done.created, updated=done.updated))


@app.command("list", help=t("help.import.list"))
def list_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help=t("help.import.opt.limit"))] = 50,
    sort: listing.SortOption = None,
    columns_: listing.ColumnsOption = None,
    wide: listing.WideOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.clock import local_text
    from medisup.services.batches.undo import list_batches

    table_default = ("id", "kind", "file_name", "started_at", "rows", "created", "updated",
                     "undone_at")
    columns = listing.pick(_batch_columns(), table_default if fmt is OutputFormat.table
                           else None, columns_, wide)
    batches = run(ctx, lambda uow: list_batches(uow, limit=limit), write=False)
    table = fmt is OutputFormat.table
    by_id = {b.id: b for b in batches}
    shown = listing.window([b.as_dict() for b in batches], sort=sort,
                           sortable=[c.key for c in _batch_columns()], limit=0, page=0,
                           all_=True, table=table)
    rows = []
    for b in (by_id[r["id"]] for r in shown.rows):
        row = b.as_dict()
        if table:
            row["kind"] = t(f"import.kind.{b.kind}")
            row["started_at"] = local_text(b.started_at)
            row["undone_at"] = local_text(b.undone_at) if b.undone_at else ""
        rows.append(row)
    render_rows(columns, rows, fmt, title=t("import.list_title"), empty=t("import.none"))
    if table:
        listing.footer(shown, "batch")


# ---------------------------------------------------------------- shared


def _import(ctx: typer.Context, service: Callable[..., ImportReport], file: Path, *,
            sheet: str | None, header_row: int | None, department: str | None,
            dry_run: bool, errors: Path | None, force: bool, mapping: list[str] | None,
            fmt: OutputFormat) -> None:
    headers = _mapping(mapping or [])
    with _progress() as tick:
        report = run(ctx, lambda uow: service(
            uow, file, sheet=sheet, header_row=header_row, department=department,
            dry_run=dry_run, errors_to=errors, force=force, mapping=headers, progress=tick))
    _show(report, fmt)
    if report.problems:
        raise typer.Exit(ExitStatus.PROBLEMS)


def _mapping(given: list[str]) -> dict[str, str]:
    """``--map '开始日期=term_start'`` (repeatable): a workbook header → a field name."""
    from medisup.errors import UsageError

    out: dict[str, str] = {}
    for item in given:
        header, sep, field = item.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            raise UsageError(t("import.error.map_form", option="--map", value=item))
        out[header.strip()] = field.strip()
    return out


def _show(report: ImportReport, fmt: OutputFormat) -> None:
    problems = report.problems
    shown = problems
    if fmt is OutputFormat.table and sys.stderr.isatty() and len(problems) > TERMINAL_PROBLEMS:
        shown = problems[:TERMINAL_PROBLEMS]
    for problem in shown:
        message(problem.message, style="red")
    if len(shown) < len(problems):
        message(t("import.more_problems", count=len(problems) - len(shown)), style="red")
    for text in report.warnings:
        warning(text)
    counts = {"file": report.file, "rows": report.rows, "created": report.created,
              "updated": report.updated, "unchanged": report.unchanged,
              "rejected": report.rejected}
    if problems:
        message(t("import.summary_failed", **counts), style="red")
        if report.errors_file:
            message(t("import.errors_written", path=report.errors_file))
    elif report.dry_run:
        success(t("import.summary_dry_run", **counts))
    elif report.batch_id is None:
        success(t("import.summary_unchanged", **counts))
    else:
        success(t("import.summary", batch=report.batch_id, **counts))
    if fmt is OutputFormat.json:
        import json

        from medisup.render import plain

        sys.stdout.write(json.dumps(plain(report.as_dict()), ensure_ascii=False, indent=2)
                         + "\n")
        sys.stdout.flush()
    elif fmt is OutputFormat.csv:
        render_rows(_problem_columns(), report.as_dict()["problems"], fmt)


class RowCounter:
    """The services' ticks ``(stage, done, total)`` as rows of the sheet, which is what a
    clerk counts: reading has no count yet (the bar just moves), checking counts the
    rows, and writing — which a service may count in records of several tables (a roster
    row is a person, an application and a term) — is scaled to the same rows."""

    def __init__(self) -> None:
        self.rows: int | None = None

    def __call__(self, stage: str, done: int, total: int) -> tuple[int, int | None]:
        if stage == "read":
            return (1, 1) if total and done >= total else (0, None)
        if stage == "check":
            self.rows = total
            return done, total
        if self.rows is not None and total:
            return min(self.rows, round(done * self.rows / total)), self.rows
        return done, total or None


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing at all in scripts."""
    from medisup.render import progress_bar

    bar = progress_bar()
    if bar is None:
        yield None
        return
    tasks: dict[str, Any] = {}
    counter = RowCounter()

    def tick(stage: str, done: int, total: int) -> None:
        completed, rows = counter(stage, done, total)
        count = t("progress.rows", done=f"{completed:,}", total=f"{rows:,}") \
            if rows is not None and stage != "read" else ""
        if stage not in tasks:
            tasks[stage] = bar.add_task(t(f"import.progress.{stage}"), total=rows,
                                        completed=completed, count=count)
            bar.refresh()  # show a new stage at once, not at the next tick of the clock
            return
        bar.update(tasks[stage], completed=completed, total=rows, count=count)

    with bar:
        yield tick


def _batch_columns() -> list[Column]:
    right = {"id", "rows", "created", "updated", "unchanged"}
    keys = ("id", "kind", "file_name", "sheet", "dept", "operator", "started_at", "rows",
            "created", "updated", "unchanged", "undone_at")
    return [Column(k, t(f"import.col.{k}"), "right" if k in right else "left") for k in keys]


def _problem_columns() -> list[Column]:
    return [Column(k, t(f"import.col.{k}")) for k in ("row", "header", "value", "expected")]
