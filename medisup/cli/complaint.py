"""`supervisor complaint add|close|list`: complaints about a supervisor (nm Art. 15)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from medisup.cli import common, listing, refs
from medisup.cli.common import FormatOption, parse_date, run
from medisup.i18n import t
from medisup.render import Column, OutputFormat, render_record, render_rows, success

app = typer.Typer(no_args_is_help=True)


def _h(key: str) -> str:
    return t(f"help.complaint.{key}")


def _opt(name: str, key: str) -> Any:
    return typer.Option(name, help=_h(f"opt.{key}"), show_default=False)


IdArg = Annotated[str, typer.Argument(metavar="ID_NUMBER", help=t("help.supervisor.arg.id_number"),
                                      show_default=False, callback=refs.person)]


def columns() -> list[Column]:
    return [Column("id", t("complaint.col.id"), "right"),
            Column("department_code", t("complaint.col.department")),
            Column("source", t("complaint.col.source")),
            Column("received_on", t("complaint.col.received_on")),
            Column("allegation", t("complaint.col.allegation")),
            Column("finding", t("complaint.col.finding")),
            Column("outcome", t("complaint.col.outcome")),
            Column("discipline_id", t("complaint.col.discipline_id"), "right"),
            Column("closed_on", t("complaint.col.closed_on")),
            Column("article", t("complaint.col.article"))]


def rows(found, table: bool) -> list[dict[str, Any]]:
    return [dict(c.as_dict(), outcome=c.outcome_label if table else c.outcome) for c in found]


def _masked(id_number: str) -> str:
    from medisup.services.masking import mask_id_number

    return mask_id_number(id_number) or id_number


@app.command("add", help=_h("add"))
def add(
    ctx: typer.Context,
    id_number: IdArg,
    source: Annotated[str | None, _opt("--source", "source")] = None,
    allegation: Annotated[str | None, _opt("--allegation", "allegation")] = None,
    received_on: Annotated[str | None, typer.Option(
        "--on", "--received-on", help=_h("opt.received_on"), show_default=False)] = None,
    department: Annotated[str | None, typer.Option(
        "--department", help=t("help.supervisor.opt.department"), show_default=False)] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.supervisors import complaints

    common.require(ctx, [o for o, v in (("--source", source), ("--allegation", allegation))
                         if not v])
    day = parse_date(received_on, "--on")
    done = run(ctx, lambda uow: complaints.add(uow, id_number, source=source or "",
                                               allegation=allegation or "", received_on=day,
                                               department=department))
    success(t("complaint.added", id=done.id, person=_masked(id_number),
              dept=done.department_code, on=done.received_on.isoformat(), article=done.article))
    if fmt is not OutputFormat.table:
        render_record(columns(), done.as_dict(), fmt)


@app.command("close", help=_h("close"))
def close(
    ctx: typer.Context,
    complaint_id: Annotated[int, typer.Argument(metavar="COMPLAINT_ID",
                                                help=_h("arg.complaint_id"))],
    finding: Annotated[str | None, _opt("--finding", "finding")] = None,
    outcome: Annotated[str | None, _opt("--outcome", "outcome")] = None,
    rule: Annotated[str | None, _opt("--rule", "rule")] = None,
    breach_on: Annotated[str | None, _opt("--breach-on", "breach_on")] = None,
    ground: Annotated[str | None, _opt("--ground", "ground")] = None,
    referral: Annotated[str | None, _opt("--referral", "referral")] = None,
    on: Annotated[str | None, _opt("--on", "on")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.supervisors import complaints

    common.require(ctx, [o for o, v in (("--finding", finding), ("--outcome", outcome))
                         if not v])
    closed_on, breach = parse_date(on, "--on"), parse_date(breach_on, "--breach-on")
    done = run(ctx, lambda uow: complaints.close(
        uow, complaint_id, finding=finding or "", outcome=outcome or "", closed_on=closed_on,
        rule=rule, breach_on=breach, ground=ground, referral=referral))
    success(t("complaint.closed", id=done.id, outcome=done.outcome_label, article=done.article))
    if fmt is not OutputFormat.table:
        render_record(columns(), done.as_dict(), fmt)


@app.command("list", help=_h("list"))
def list_(ctx: typer.Context, id_number: IdArg, sort: listing.SortOption = None,
          limit: listing.LimitOption = 0, page: listing.PageOption = 0,
          all_: listing.AllOption = False, columns_: listing.ColumnsOption = None,
          fmt: FormatOption = OutputFormat.table) -> None:
    from medisup.services.supervisors import complaints

    table = fmt is OutputFormat.table
    picked = listing.pick(columns(), None, columns_)
    found = run(ctx, lambda uow: complaints.list_for(uow, id_number), write=False)
    by_id = {c.id: c for c in found}
    shown = listing.window([c.as_dict() for c in found], sort=sort,
                           sortable=[c.key for c in columns()], limit=limit, page=page,
                           all_=all_, table=table)
    render_rows(picked, rows([by_id[r["id"]] for r in shown.rows], table), fmt)
    if table:
        listing.footer(shown, "complaint")
