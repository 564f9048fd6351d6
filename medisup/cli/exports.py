"""``medisup export``: the roster and the leads as workbooks that import back, and empty
import templates with drop-down lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medisup.cli import common
from medisup.cli.common import AsOfOption, FormatOption, parse_date, run
from medisup.i18n import t
from medisup.render import Column, OutputFormat, render_record, success, warning

if TYPE_CHECKING:
    from medisup.services.exports import ExportReport
    from medisup.services.uow import UnitOfWork

app = typer.Typer(no_args_is_help=True)


class Table(StrEnum):
    supervisors = "supervisors"
    leads = "leads"


FileArg = Annotated[str, typer.Argument(metavar="FILE", help=t("help.export.arg.file"),
                                        show_default=False)]
DepartmentOption = Annotated[str | None, typer.Option(
    "--department", help=t("help.export.opt.department"), show_default=False)]
RevealOption = Annotated[bool, typer.Option("--reveal", help=t("help.export.opt.reveal"))]
ForceOption = Annotated[bool, typer.Option("--force", help=t("help.export.opt.force"))]


def _recorder(ctx: typer.Context) -> Callable[[Callable[[UnitOfWork], None]], None]:
    """A reveal's audit entry in a unit of work of its own, committed (and sealed) before
    the export writes a single unmasked value; the export itself only reads, so it never
    holds the write lock while a large workbook is written."""

    def record(work: Callable[[UnitOfWork], None]) -> None:
        run(ctx, work)

    return record


# Below this many rows a workbook is written in a moment: no bar.
PROGRESS_MIN_ROWS = 3000


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A bar of rows written on stderr, for a workbook of more than a few thousand rows
    when stderr is a terminal; nothing at all in scripts."""
    from medisup.render import progress_bar

    bar = progress_bar()
    if bar is None:
        yield None
        return
    task: list[Any] = []

    def tick(done: int, total: int) -> None:
        if total < PROGRESS_MIN_ROWS:
            return
        count = t("progress.rows", done=f"{done:,}", total=f"{total:,}")
        if not task:
            bar.start()
            task.append(bar.add_task(t("progress.export"), total=total, count=count))
            bar.refresh()  # at once, not at the next tick of the clock
        bar.update(task[0], completed=done, total=total, count=count)

    try:
        yield tick
    finally:
        bar.stop()


def _columns() -> list[Column]:
    return [
        Column("kind", t("export.col.kind")),
        Column("table", t("export.col.table")),
        Column("path", t("export.col.path")),
        Column("rows", t("export.col.rows"), "right"),
        Column("masked", t("export.col.masked")),
    ]


def _report(report: ExportReport, fmt: OutputFormat, masked_text: str) -> None:
    """The summary on stderr; the report itself on stdout for scripts."""
    if report.masked:
        success(t("export.done", rows=report.rows, file=report.path, masked=masked_text))
        warning(t("export.masked_hint"))
    else:
        success(t("export.done", rows=report.rows, file=report.path,
                  masked=t("export.revealed")))
    if fmt is not OutputFormat.table:
        render_record(_columns(), report.as_dict(), fmt)


@app.command("supervisors", help=t("help.export.supervisors"))
def supervisors(
    ctx: typer.Context,
    file: FileArg,
    department: DepartmentOption = None,
    status: Annotated[str | None, typer.Option(
        "--status", help=t("help.supervisor.opt.status"), show_default=False)] = None,
    category: Annotated[str | None, typer.Option(
        "--category", help=t("help.supervisor.opt.category_filter"), show_default=False)] = None,
    channel: Annotated[str | None, typer.Option(
        "--channel", help=t("help.supervisor.opt.channel_filter"), show_default=False)] = None,
    ending_before: Annotated[str | None, typer.Option(
        "--ending-before", help=t("help.supervisor.opt.ending_before"), show_default=False)] = None,
    ending_within: Annotated[int | None, typer.Option(
        "--ending-within", help=t("help.supervisor.opt.ending_within"), show_default=False)] = None,
    as_of: AsOfOption = None,
    reveal: RevealOption = False,
    force: ForceOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import exports

    before = parse_date(ending_before, "--ending-before")
    day = parse_date(as_of, "--as-of")
    with _progress() as tick:
        report = run(ctx, lambda uow: exports.export_supervisors(
            uow, file, department=department, status=status, category=category,
            channel=channel, ending_before=before, ending_within=ending_within, as_of=day,
            reveal=reveal, force=force, record=_recorder(ctx), progress=tick), write=False)
    _report(report, fmt, t("export.masked"))


@app.command("leads", help=t("help.export.leads"))
def leads(
    ctx: typer.Context,
    file: FileArg,
    department: DepartmentOption = None,
    status: Annotated[str | None, typer.Option(
        "--status", help=t("help.lead.opt.status"), show_default=False)] = None,
    subject: Annotated[str | None, typer.Option(
        "--subject", help=t("help.lead.opt.subject"), show_default=False)] = None,
    code: Annotated[str | None, typer.Option(
        "--code", help=t("help.lead.opt.filter_code"), show_default=False)] = None,
    supervisor: Annotated[str | None, typer.Option(
        "--supervisor", help=t("help.lead.opt.filter_supervisor"), show_default=False)] = None,
    target: Annotated[str | None, typer.Option(
        "--target", help=t("help.lead.opt.target"), show_default=False)] = None,
    date_from: Annotated[str | None, typer.Option(
        "--since", help=t("help.lead.opt.from"), show_default=False)] = None,
    date_to: Annotated[str | None, typer.Option(
        "--until", help=t("help.lead.opt.to"), show_default=False)] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help=t("help.lead.opt.overdue"))] = False,
    conflict: Annotated[bool, typer.Option("--conflict", help=t("help.lead.opt.conflict"))] = False,
    limit: Annotated[int, typer.Option("--limit", help=t("help.lead.opt.limit"))] = 0,
    as_of: AsOfOption = None,
    reveal: RevealOption = False,
    force: ForceOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import exports
    from medisup.services.leads.views import LeadFilter

    filters = LeadFilter(
        department=department, status=status, subject=subject, code=code,
        supervisor=supervisor, target=target,
        received_from=parse_date(date_from, "--since"), received_to=parse_date(date_to, "--until"),
        overdue=overdue, conflict=conflict, limit=limit or None,
    )
    on = common.as_of(as_of)
    with _progress() as tick:
        report = run(ctx, lambda uow: exports.export_leads(
            uow, file, filters, reveal=reveal, as_of=on, force=force, record=_recorder(ctx),
            progress=tick), write=False)
    _report(report, fmt, t("export.masked_leads"))


@app.command("template", help=t("help.export.template"))
def template(
    ctx: typer.Context,
    table: Annotated[Table, typer.Argument(metavar="KIND", help=t("help.export.arg.table"),
                                           case_sensitive=False, show_default=False)],
    file: FileArg,
    department: Annotated[str | None, typer.Option(
        "--department", help=t("help.export.opt.template_department"),
        show_default=False)] = None,
    force: ForceOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import exports

    report = run(ctx, lambda uow: exports.export_template(
        uow, table.value, file, department=department, force=force), write=False)
    success(t("export.template_done", table=t(f"export.table.{report.table}"), file=report.path))
    if fmt is not OutputFormat.table:
        render_record(_columns(), report.as_dict(), fmt)
