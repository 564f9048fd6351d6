"""``medisup audit``: read and verify the tamper-evident history."""

from __future__ import annotations

from typing import Annotated

import typer

from medisup.cli.common import FormatOption, RevealOption, run
from medisup.errors import ExitStatus
from medisup.i18n import t
from medisup.render import Column, OutputFormat, message, render_rows, success

app = typer.Typer(no_args_is_help=True)


@app.command("log", help=t("help.audit.log"))
def log(
    ctx: typer.Context,
    entity: Annotated[str | None, typer.Option("--entity", help=t("help.opt.entity"))] = None,
    entity_id: Annotated[str | None, typer.Option("--id", help=t("help.opt.entity_id"))] = None,
    action: Annotated[str | None, typer.Option("--action", help=t("help.opt.action"))] = None,
    operator: Annotated[str | None, typer.Option("--by", help=t("help.opt.by"))] = None,
    since: Annotated[str | None, typer.Option("--since", help=t("help.opt.since"))] = None,
    until: Annotated[str | None, typer.Option("--until", help=t("help.opt.until"))] = None,
    batch: Annotated[int | None, typer.Option("--batch", help=t("help.opt.batch"))] = None,
    limit: Annotated[int, typer.Option("--limit", help=t("help.opt.limit"))] = 100,
    reveal: RevealOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.cli.common import parse_date
    from medisup.services import audit

    _in_range("--batch", batch)
    _in_range("--limit", limit)
    since_d = parse_date(since, "--since")
    until_d = parse_date(until, "--until")

    def work(uow):
        rows = audit.log_in_scope(
            uow, entity=entity, entity_id=entity_id, action=action, operator=operator,
            since=since_d.isoformat() if since_d else None,
            until=until_d.isoformat() if until_d else None,
            batch_id=batch, limit=limit or None, reveal=reveal,
        )
        if reveal:
            uow.audit("reveal", "audit_entry", "log", after={"entries": [r["id"] for r in rows]})
        return rows

    rows = [_printable(row) for row in run(ctx, work, write=reveal)]
    if fmt is OutputFormat.table:
        table_columns = [
            Column("id", t("col.seq"), "right"), Column("at", t("col.time")),
            Column("operator", t("col.operator")), Column("command", t("col.command")),
            Column("action", t("col.action")), Column("entity", t("col.entity")),
            Column("entity_id", t("col.entity_id")), Column("change", t("col.change")),
        ]
        for row in rows:
            row["change"] = _change(row["before"], row["after"])
        render_rows(table_columns, rows, fmt, title=t("audit.log_title"), empty=t("audit.empty"))
        return
    columns = [
        Column("id", t("col.seq"), "right"), Column("at", t("col.time")),
        Column("operator", t("col.operator")), Column("dept", t("col.dept_code")),
        Column("command", t("col.command")), Column("action", t("col.action")),
        Column("entity", t("col.entity")), Column("entity_id", t("col.entity_id")),
        Column("before", t("col.before")), Column("after", t("col.after")),
        Column("batch_id", t("col.batch"), "right"), Column("hash", t("col.hash")),
    ]
    render_rows(columns, rows, fmt, title=t("audit.log_title"), empty=t("audit.empty"))


@app.command("verify", help=t("help.audit.verify"))
def verify(
    ctx: typer.Context,
    anchor: Annotated[str | None, typer.Option("--anchor", help=t("help.audit.opt_anchor"))] = None,
    deep: Annotated[bool, typer.Option("--deep", help=t("help.audit.opt_deep"))] = False,
) -> None:
    from medisup.cli.common import settings_of
    from medisup.services import audit

    point = audit.parse_anchor(anchor) if anchor is not None else None
    url = settings_of(ctx).database_url
    report = run(ctx, lambda uow: audit.verify(uow.session, anchor=point, deep=deep, url=url),
                 write=False)
    if report.broken_at is not None:
        message(t(f"audit.broken.{report.problem}", id=report.broken_at, count=report.entries,
                  witness=report.witness[0] if report.witness else "",
                  anchor_n=point[1] if point else ""), style="red")
        raise typer.Exit(ExitStatus.PROBLEMS)
    success(t("audit.verified", count=report.entries))
    if report.legacy:
        message(t("audit.verified_legacy", legacy=report.legacy) if report.keyed
                else t("audit.not_keyed"))
    if point is not None:
        success(t("audit.anchor_ok", anchor=f"{point[0]}:{point[1]}"))
    if report.deep == "checked" and not report.tables:
        success(t("audit.deep_ok", tables=len(audit.SEALED_TABLES)))
    elif report.deep in ("unsealed", "schema_changed"):
        message(t("audit.deep_unsealed" if report.deep == "unsealed" else "audit.deep_schema"))
    for table, how in report.tables:
        how = t("audit.deep_how_edited") if how == "edited" else t("audit.deep_how_count",
                                                                    change=how)
        message(t("audit.deep_changed", table=table, how=how), style="red")
    for table, key, field, was, now, entry in report.suspects:
        message(_escaped(t("audit.deep_row", table=table, key=key, field=field,
                           was=_short(was), now=_short(now), entry=entry)), style="red")
    if report.tables:
        raise typer.Exit(ExitStatus.PROBLEMS)


@app.command("head", help=t("help.audit.head"))
def head(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    from medisup.services import audit

    digest, count = run(ctx, lambda uow: audit.head_of(uow.session), write=False)
    anchor = f"{digest}:{count}"
    if fmt is OutputFormat.table:
        message(t("audit.head_line", anchor=anchor, count=count))
        typer.echo(anchor)
        return
    render_rows([Column("anchor", "anchor"), Column("hash", t("col.hash")),
                 Column("count", t("col.seq"), "right")],
                [{"anchor": anchor, "hash": digest, "count": count}], fmt)


def _change(before, after) -> str:
    """What changed, compactly: ``quota: 3 → 5`` for updates, the values for creations."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [k for k in after if before.get(k) != after.get(k)]
        return "; ".join(f"{k}: {_short(before.get(k))} → {_short(after.get(k))}" for k in keys)
    doc = after if after is not None else before
    if isinstance(doc, dict):
        return "; ".join(f"{k}={_short(v)}" for k, v in doc.items() if v not in (None, "", []))
    return _short(doc)


def _short(value, limit: int = 40) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escaped(text: str) -> str:
    """Control characters (terminal escape sequences among them) shown as ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] or "?" for c in text)


def _printable(value):
    """Every string in an entry with its control characters escaped: text typed on a
    command line is stored as given and must never reach a terminal raw."""
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


INT_MAX = 2**63 - 1  # what the database's integer columns hold


def _in_range(option: str, value: int | None) -> None:
    """A number the database can compare with, else a usage error naming the range."""
    if value is not None and not 0 <= value <= INT_MAX:
        from medisup.errors import UsageError

        raise UsageError(t("error.invalid_value", field=option, value=value,
                           expected=t("audit.expect_range", max=INT_MAX)))
