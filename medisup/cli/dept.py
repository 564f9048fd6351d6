"""``medisup dept``: the department tree."""

from __future__ import annotations

from typing import Annotated

import typer

from medisup.cli import listing
from medisup.cli.common import FormatOption, printable, run
from medisup.i18n import t
from medisup.render import Column, OutputFormat, render_record, render_rows, success

app = typer.Typer(no_args_is_help=True)


def _columns() -> list[Column]:
    return [
        Column("code", t("col.dept_code")),
        Column("name", t("col.dept_name")),
        Column("level", t("col.level")),
        Column("parent_code", t("col.parent")),
        Column("pack", t("col.pack")),
        Column("quota", t("col.quota"), "right"),
        Column("serving", t("col.serving"), "right"),
        Column("children", t("col.children"), "right"),
    ]


def _shown(name: str) -> str:
    """A name as a message shows it: control characters and escape sequences escaped, as
    in error messages, so a name typed with them cannot drive the terminal."""
    return printable(name)


def _row(d, *, table: bool = False) -> dict:
    """JSON and CSV keep the stable level code; a table shows the label and the tree."""
    row = d.as_dict()
    if table:
        row["level"] = t(f"dept.level.{d.level}")
        row["name"] = "  " * d.depth + d.name
    return row


@app.command("add", help=t("help.dept.add"))
def add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help=t("help.arg.dept_code"), show_default=False)],
    name: Annotated[str, typer.Argument(help=t("help.arg.dept_name"), show_default=False)],
    parent: Annotated[str | None, typer.Option("--parent", help=t("help.opt.parent"))] = None,
    pack: Annotated[str | None, typer.Option("--pack", help=t("help.opt.pack"))] = None,
    quota: Annotated[int | None, typer.Option("--quota", help=t("help.opt.quota"))] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import departments

    dept = run(ctx, lambda uow: departments.add(
        uow, code=code, name=name, parent=parent, pack=pack, quota=quota))
    success(t("dept.added", code=dept.code, name=_shown(dept.name), parent=dept.parent_code,
              pack=dept.pack))
    if fmt is not OutputFormat.table:
        render_record(_columns(), _row(dept), fmt)


@app.command("update", help=t("help.dept.update"))
def update(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help=t("help.arg.dept_code"), show_default=False)],
    name: Annotated[str | None, typer.Option("--name", help=t("help.opt.dept_name"))] = None,
    quota: Annotated[int | None, typer.Option("--quota", help=t("help.opt.quota"))] = None,
    no_quota: Annotated[bool, typer.Option("--no-quota", help=t("help.opt.no_quota"))] = False,
) -> None:
    from medisup.services import departments

    dept = run(ctx, lambda uow: departments.update(
        uow, code, name=name, quota=quota, clear_quota=no_quota))
    success(t("dept.updated", code=dept.code, name=_shown(dept.name)))


@app.command("list", help=t("help.dept.list"))
def list_(
    ctx: typer.Context,
    under: Annotated[str | None, typer.Option("--department", "--under", help=t("help.opt.under"))] = None,
    sort: listing.SortOption = None,
    limit: listing.LimitOption = 0,
    page: listing.PageOption = 0,
    all_: listing.AllOption = False,
    columns_: listing.ColumnsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import departments

    table = fmt is OutputFormat.table
    columns = listing.pick(_columns(), None, columns_)
    depts = run(ctx, lambda uow: departments.list_departments(uow, under=under),
                write=False, orm=False)
    shown = listing.window([_row(d) for d in depts], sort=sort,
                           sortable=[c.key for c in _columns()], limit=limit, page=page,
                           all_=all_, table=table)
    by_code = {d.code: d for d in depts}
    render_rows(columns, [_row(by_code[r["code"]], table=table) for r in shown.rows], fmt,
                title=t("dept.list_title"), empty=t("dept.none"))
    if table:
        listing.footer(shown, "dept")


@app.command("show", help=t("help.dept.show"))
def show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help=t("help.arg.dept_code"), show_default=False)],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import departments

    dept = run(ctx, lambda uow: departments.show(uow, code), write=False)
    render_record(_columns(), _row(dept, table=fmt is OutputFormat.table), fmt,
                  title=f"{dept.code} {dept.name}")
