"""``medisup audit``: read and verify the tamper-evident history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from medisup.cli.common import FormatOption, RevealOption, run
from medisup.errors import ExitStatus
from medisup.i18n import has, t
from medisup.render import Column, OutputFormat, message, render_rows, success

if TYPE_CHECKING:
    from medisup.packs import Pack

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
        packs = _packs(uow.session, rows) if fmt is OutputFormat.table else {}
        return rows, packs

    found, packs = run(ctx, work, write=reveal)
    rows = [_printable(row) for row in found]
    if fmt is OutputFormat.table:
        # For people: labels instead of codes, one change a line; the command and the
        # department stay in JSON and CSV, which keep the stable codes and raw values.
        table_columns = [
            Column("id", t("col.seq"), "right"), Column("at", t("col.time")),
            Column("operator", t("col.operator")), Column("action", t("col.action_entity")),
            Column("change", t("col.change")),
        ]
        render_rows(table_columns, [_for_people(row, packs) for row in rows], fmt,
                    title=t("audit.log_title"), empty=t("audit.empty"))
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


def _for_people(row: dict, packs: dict) -> dict:
    """One entry as a table row: date over time; the action over the object's kind over
    its number; what changed as ``字段：旧值 → 新值`` lines.  Stacking the short cells
    leaves the change column half of a 100-column terminal."""
    entity = _Entry(row["entity"], packs.get(_dept_of(row)))
    target = str(row["entity_id"])
    target = t(f"audit.target.{target}") if has(f"audit.target.{target}") else target
    return {
        "id": row["id"], "at": str(row["at"]).replace(" ", "\n", 1),
        "operator": row["operator"],
        "action": "\n".join((_label("audit.action", row["action"]),
                             _label("audit.entity", entity.kind), target)),
        "change": "\n".join(change_lines(entity, row["before"], row["after"])),
    }


class _Entry(NamedTuple):
    """What labelling a value needs: the kind of object, and its department's pack."""

    kind: str
    pack: Pack | None = None


def change_lines(entity: _Entry, before, after) -> list[str]:
    """What an entry changed, a line each: ``状态：已查实 → 已办结`` for updates, the
    values set (``名称：新城区医保局``) for creations and disclosures."""
    if isinstance(before, dict) and isinstance(after, dict):
        return _diff(entity, "", None, before, after)
    doc = after if after is not None else before
    if isinstance(doc, dict):
        return _listing(entity, "", None, doc)
    return [] if doc is None else [_value(entity, None, "", doc)]


# Keys that are bookkeeping for the program (the import journal drives ``import undo``).
_HIDDEN = frozenset({"journal"})
# Values that are codes with a label in a catalogue, by (entity, field) or by field.
_VALUE_LABELS = {
    ("lead", "status"): "lead.status", ("reward", "status"): "lead.reward_status",
    ("certificate", "status"): "certificate.status", ("activity", "status"): "activity.status",
    ("application", "status"): "supervisor.application_status",
    ("certificate", "reissue_reason"): "certificate.reissue_reason",
    ("export", "table"): "export.table", ("import_batch", "kind"): "import.kind",
    "gender": "supervisor.gender",
    "findings": "eligibility.check",
}
# Values that are codes of a list in the department's regulation pack.
_PACK_LISTS = {
    ("activity", "kind"): "activity_kinds", ("discipline", "rule"): "discipline_rules",
    "ground": "termination_grounds", ("application", "channel"): "channels",
    "recommending_body": "recommending_bodies", "health_status": "health_statuses",
    "findings": "criteria", ("person", "categories"): "categories",
    ("person", "background"): "backgrounds", ("activity", "background"): "backgrounds",
}
# ``attendance`` maps a person's id to True (attended), False (absent) or None (invited).
_ATTENDANCE = {None: "activity.attendance.invited", True: "activity.attendance.attended",
               False: "activity.attendance.absent"}


def _diff(entity: _Entry, prefix: str, parent: str | None, before: dict, after: dict
          ) -> list[str]:
    """Lines for the keys whose values differ; a nested document (``termination``) or a
    list of records (``terms``) is opened one level, deeper ones are summarised."""
    lines: list[str] = []
    for key in [*after, *(k for k in before if k not in after)]:
        was, now = before.get(key), after.get(key)
        if was == now or key in _HIDDEN:
            continue
        label = prefix + _field(entity, parent, key)
        if parent is None and isinstance(now, dict) and isinstance(was, dict | None):
            lines += (_diff(entity, label + "·", key, was, now) if was
                      else _listing(entity, label + "·", key, now))
        elif parent is None and _records(was) and _records(now) and len(was) == len(now):
            for n, (one, other) in enumerate(zip(was, now, strict=True), 1):
                if one != other:
                    lines += _diff(entity, f"{label} {one.get('number', n)}·", key, one, other)
        else:
            lines.append(t("audit.value.change", field=label,
                           before=_value(entity, parent, key, was),
                           after=_value(entity, parent, key, now)))
    return lines


def _listing(entity: _Entry, prefix: str, parent: str | None, doc: dict) -> list[str]:
    lines: list[str] = []
    for key, value in doc.items():
        if value in (None, "", [], {}) or key in _HIDDEN:
            continue
        label = prefix + _field(entity, parent, key)
        if parent is None and isinstance(value, dict):
            lines += _listing(entity, label + "·", key, value)
        else:
            lines.append(t("audit.value.set", field=label,
                           value=_value(entity, parent, key, value)))
    return lines


def _records(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _field(entity: _Entry, parent: str | None, key) -> str:
    if parent == "attendance":
        return t("audit.value.person", id=key)
    own = f"audit.field_of.{parent or entity.kind}.{key}"  # 聘期 number ≠ 聘书 number
    return t(own) if has(own) else _label("audit.field", key)


def _value(entity: _Entry, parent: str | None, field, value, limit: int = 60) -> str:
    """A value as people read it: 是/否, — for none, labels for codes, long text cut."""
    if parent == "attendance" and value in _ATTENDANCE:
        return t(_ATTENDANCE[value])
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    if value is None:
        return "—"
    if isinstance(value, list):
        if _records(value):
            return t("audit.value.items", count=len(value))
        shown = "、".join(_value(entity, parent, field, v, limit) for v in value[:6])
        return shown + (t("audit.value.more", count=len(value)) if len(value) > 6 else "")
    if isinstance(value, dict):
        text = ", ".join(f"{_field(entity, field, k)}={_value(entity, field, k, v)}"
                         for k, v in value.items())
    else:
        text = _code_label(entity, field, str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code_label(entity: _Entry, field, code: str) -> str:
    prefix = _VALUE_LABELS.get((entity.kind, field)) or _VALUE_LABELS.get(field)
    if prefix and has(f"{prefix}.{code}"):
        return t(f"{prefix}.{code}")
    kind = _PACK_LISTS.get((entity.kind, field)) or _PACK_LISTS.get(field)
    if kind and entity.pack is not None:
        from medisup.errors import InvalidValue

        try:
            return entity.pack.item(kind, code).text(short=True)
        except InvalidValue:  # a code the pack no longer lists
            return code
    return code


def _dept_of(row: dict) -> str | None:
    """The department whose pack names the entry's codes: the object's, else the
    operator's."""
    for doc in (row["after"], row["before"]):
        if isinstance(doc, dict) and isinstance(doc.get("department_code"), str):
            return doc["department_code"]
    return row["dept"]


def _packs(session, rows: list[dict]) -> dict[str, Pack]:
    """The pack of every department the entries name (read while the session is open)."""
    from medisup.errors import MedisupError
    from medisup.services.departments import pack_of

    packs: dict[str, Pack] = {}
    for code in {_dept_of(row) for row in rows} - {None}:
        try:
            packs[code] = pack_of(session, code)
        except MedisupError:  # a department since removed, or a pack no longer installed
            continue
    return packs


def _label(section: str, code) -> str:
    """The catalogue's label for a code, or the code itself when it has none."""
    key = f"{section}.{code}"
    return t(key) if has(key) else str(code)


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
