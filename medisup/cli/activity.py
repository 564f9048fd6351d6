"""``medisup activity``: activities and meetings — add, list, show, attendance, cancel,
the participant proposal with recusal, and supervisors' opinions and suggestions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from medisup.cli import common, listing, prompts
from medisup.cli.common import FormatOption, RevealOption, parse_date, run
from medisup.i18n import t
from medisup.render import Column, OutputFormat, render_record, render_rows, success, warning

if TYPE_CHECKING:
    from medisup.services.activities import ActivityDetail, ActivityRow

app = typer.Typer(no_args_is_help=True)

NumberArg = Annotated[str, typer.Argument(help=t("help.activity.arg.number"), show_default=False,
                                          metavar="NUMBER")]
DepartmentOption = Annotated[str | None, typer.Option("--department",
                                                      help=t("help.activity.opt.department"))]
KindOption = Annotated[str | None, typer.Option("--kind", help=t("help.activity.opt.kind"))]
InstitutionOption = Annotated[list[str] | None, typer.Option(
    "--institution", help=t("help.activity.opt.institution"))]
CreditCodeOption = Annotated[list[str] | None, typer.Option(
    "--credit-code", help=t("help.activity.opt.credit_code"))]
OverrideOption = Annotated[str | None, typer.Option("--override-reason",
                                                    help=t("help.activity.opt.override_reason"))]

ROW_KEYS = ("number", "department_code", "kind", "kind_label", "held_on", "topic", "status",
            "confidential", "institutions", "invited", "attended", "absent")
TABLE_KEYS = ("number", "department_code", "kind_label", "held_on", "topic", "status",
              "institutions", "invited", "attended", "absent")
# What a table shows unless --wide or --columns (fits a 100-column terminal).
TABLE_DEFAULT = ("topic", "number", "kind_label", "held_on", "status", "attended", "absent")
PART_KEYS = ("person_id", "name", "id_number", "background", "attendance", "override_reason")
CAND_KEYS = ("person_id", "name", "id_number", "department_code", "background_label",
             "activities_this_year", "excluded_reason")


def _columns(keys) -> list[Column]:
    return [Column(k, t(f"activity.col.{k}")) for k in keys]


def _table_row(row: ActivityRow) -> dict[str, Any]:
    doc = row.as_dict()
    doc["status"] = t(f"activity.status.{row.status}")
    return doc


def _render_detail(detail: ActivityDetail, fmt: OutputFormat) -> None:
    table = fmt is OutputFormat.table
    record = _table_row(detail.row) if table else detail.row.as_dict()
    record.update(article=detail.article, note=detail.note, cancelled_on=detail.cancelled_on,
                  cancel_reason=detail.cancel_reason)
    keys = [k for k in ROW_KEYS if k != "institutions"] + [
        "article", "note", "cancelled_on", "cancel_reason"]
    parts = []
    for p in detail.participants:
        doc = p.as_dict()
        if table:
            doc["attendance"] = t(f"activity.attendance.{p.attendance}")
        parts.append(doc)
    sections = {
        "institutions": ([Column("name", t("activity.col.institution")),
                          Column("credit_code", t("activity.col.credit_code"))],
                         list(detail.institutions)),
        "participants": (_columns(PART_KEYS), parts),
    }
    render_record(_columns(keys), record, fmt, title=t("activity.show_title", number=detail.number),
                  sections=sections,
                  section_titles={"institutions": t("activity.section.institutions"),
                                  "participants": t("activity.section.participants")})


def _after_write(detail: ActivityDetail, fmt: OutputFormat, text: str) -> None:
    success(text)
    for line in detail.warnings:
        warning(line)
    if fmt is not OutputFormat.table:
        _render_detail(detail, fmt)


@app.command("add", help=t("help.activity.add"))
def add(
    ctx: typer.Context,
    kind: KindOption = None,
    held_on: Annotated[str | None, typer.Option("--on", "--date", help=t("help.activity.opt.date"))] = None,
    topic: Annotated[str | None, typer.Option("--topic", help=t("help.activity.opt.topic"))] = None,
    department: DepartmentOption = None,
    institution: InstitutionOption = None,
    credit_code: CreditCodeOption = None,
    participant: Annotated[list[str] | None, typer.Option(
        "--participant", help=t("help.activity.opt.participant"))] = None,
    note: Annotated[str | None, typer.Option("--note", help=t("help.activity.opt.note"))] = None,
    override_reason: OverrideOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import activities

    given = {"kind": kind, "held_on": held_on, "topic": topic}
    missing = [f"--{'date' if k == 'held_on' else k}" for k, v in given.items() if not v]
    pairs = activities.pair_institutions(institution, credit_code)

    def write(a: dict[str, Any]) -> ActivityDetail:
        values = {k: a.get(k) or v for k, v in given.items()}
        day = parse_date(values["held_on"], "--on")
        assert day is not None
        found = pairs or ([(a["institution"], a.get("credit_code") or None)]
                          if a.get("institution") else [])
        data = activities.NewActivity(
            kind=values["kind"] or "", held_on=day, topic=values["topic"] or "",
            department=department, institutions=found, participants=list(participant or []),
            note=note, override_reason=override_reason)
        return run(ctx, lambda uow: activities.add(uow, data))

    if missing and common.can_prompt(ctx):
        detail = _wizard(ctx, given, department, bool(pairs)).run(
            ctx, write, lambda a: {("date" if k == "held_on" else k): v for k, v in a.items()})
    else:
        common.require(ctx, missing)
        detail = write({})
    _after_write(detail, fmt, t("activity.added", number=detail.number, kind=detail.row.kind_label,
                                held_on=detail.row.held_on.isoformat(),
                                count=len(detail.participants)))


def _wizard(ctx: typer.Context, given: dict[str, Any], department: str | None,
            has_institutions: bool):
    """Questions for what ``activity add`` was not given: the kind from the pack, the
    date, the topic, and — for a kind that inspects — the institution and its code."""
    from datetime import date

    from medisup.cli.prompts import Wizard, item_label, required, validator
    from medisup.services import departments
    from medisup.services.supervisors.identity import check_credit_code

    pack = run(ctx, lambda uow: departments.pack_of(uow.session, department or uow.require_dept()),
               write=False)
    ask = prompts.prompter()
    w = Wizard(t("activity.wizard.title"))
    labels = {"kind": t("activity.col.kind_label"), "held_on": t("activity.col.held_on"),
              "topic": t("activity.col.topic")}
    for key, label in labels.items():
        w.given(label, given[key])

    def kind_of(a: dict[str, Any]):
        return pack.resolve("activity_kinds", a.get("kind") or given["kind"])

    if not given["kind"]:
        w.step("kind", labels["kind"], lambda prior: ask.select(
            t("activity.wizard.kind"), [(k.code, item_label(k)) for k in pack.activity_kinds],
            default=prior), show=lambda code: pack.label("activity_kinds", code))
    if not given["held_on"]:
        w.step("held_on", labels["held_on"], lambda prior: ask.text(
            t("activity.wizard.date"), default=prior or date.today().isoformat(),
            validate=validator(lambda s: parse_date(s, "--on"))).strip())
    if not given["topic"]:
        w.step("topic", labels["topic"], lambda prior: ask.text(
            t("activity.wizard.topic"), default=prior or "", validate=required).strip())
    if not has_institutions:
        inspects = lambda a: kind_of(a).inspects  # noqa: E731
        w.step("institution", t("activity.col.institution"), lambda prior: ask.text(
            t("activity.wizard.institution"), default=prior or "").strip(), when=inspects,
            depends=("kind",))
        w.step("credit_code", t("activity.col.credit_code"), lambda prior: ask.text(
            t("activity.wizard.credit_code"), default=prior or "",
            validate=validator(lambda v: check_credit_code(v, required=False))).strip(),
            when=lambda a: inspects(a) and bool(a.get("institution")),
            depends=("kind", "institution"))
    return w


@app.command("list", help=t("help.activity.list"))
def list_(
    ctx: typer.Context,
    department: DepartmentOption = None,
    kind: KindOption = None,
    year: Annotated[int | None, typer.Option("--year", help=t("help.activity.opt.year"))] = None,
    status: Annotated[str | None, typer.Option("--status",
                                               help=t("help.activity.opt.status"))] = None,
    reveal: RevealOption = False,
    sort: listing.SortOption = None,
    limit: listing.LimitOption = 0,
    page: listing.PageOption = 0,
    all_: listing.AllOption = False,
    columns_: listing.ColumnsOption = None,
    wide: listing.WideOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import activities

    table = fmt is OutputFormat.table
    columns = listing.pick(_columns(TABLE_KEYS if table else ROW_KEYS),
                           TABLE_DEFAULT if table else None, columns_, wide)
    rows = run(ctx, lambda uow: activities.list_activities(
        uow, department=department, kind=kind, year=year, status=status, reveal=reveal),
        write=reveal)
    by_number = {r.number: r for r in rows}
    shown = listing.window([r.as_dict() for r in rows], sort=sort, sortable=ROW_KEYS,
                           limit=limit, page=page, all_=all_, table=table)
    picked = [by_number[r["number"]] for r in shown.rows]
    render_rows(columns, [_table_row(r) if table else r.as_dict() for r in picked], fmt,
                title=t("activity.list_title", count=len(rows)), empty=t("activity.none"))
    if table:
        listing.footer(shown, "activity")


@app.command("show", help=t("help.activity.show"))
def show(ctx: typer.Context, number: NumberArg, reveal: RevealOption = False,
         fmt: FormatOption = OutputFormat.table) -> None:
    from medisup.services import activities

    detail = run(ctx, lambda uow: activities.show(uow, number, reveal=reveal), write=reveal)
    _render_detail(detail, fmt)


@app.command("attend", help=t("help.activity.attend"))
def attend(
    ctx: typer.Context,
    number: NumberArg,
    attended: Annotated[list[str] | None, typer.Option(
        "--attended", help=t("help.activity.opt.attended"))] = None,
    absent: Annotated[list[str] | None, typer.Option(
        "--absent", help=t("help.activity.opt.absent"))] = None,
    invite: Annotated[list[str] | None, typer.Option(
        "--invite", help=t("help.activity.opt.invite"))] = None,
    override_reason: OverrideOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import activities

    detail = run(ctx, lambda uow: activities.attend(
        uow, number, attended=attended or [], absent=absent or [], invited=invite or [],
        override_reason=override_reason))
    _after_write(detail, fmt, t("activity.attendance_recorded", number=detail.number,
                                attended=detail.row.attended, absent=detail.row.absent,
                                invited=detail.row.invited))


@app.command("cancel", help=t("help.activity.cancel"))
def cancel(
    ctx: typer.Context,
    number: NumberArg,
    reason: Annotated[str | None, typer.Option("--reason",
                                               help=t("help.activity.opt.reason"))] = None,
    on: Annotated[str | None, typer.Option("--on", help=t("help.activity.opt.on"))] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import activities

    common.require(ctx, ["--reason"] if not reason else [])
    detail = run(ctx, lambda uow: activities.cancel(uow, number, reason=reason or "",
                                                    on=parse_date(on, "--on")))
    _after_write(detail, fmt, t("activity.cancelled", number=detail.number))


@app.command("propose", help=t("help.activity.propose"))
def propose(
    ctx: typer.Context,
    kind: KindOption = None,
    count: Annotated[int, typer.Option("-n", "--count", help=t("help.activity.opt.count"))] = 5,
    institution: InstitutionOption = None,
    credit_code: CreditCodeOption = None,
    department: DepartmentOption = None,
    on: Annotated[str | None, typer.Option("--on", help=t("help.activity.opt.on"))] = None,
    reveal: RevealOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import activities

    common.require(ctx, ["--kind"] if not kind else [])
    result = run(ctx, lambda uow: activities.propose(
        uow, kind=kind or "", count=count,
        institutions=activities.pair_institutions(institution, credit_code),
        department=department, on=parse_date(on, "--on"), reveal=reveal), write=reveal)
    if fmt is OutputFormat.json:
        from medisup.render import json_text

        typer.echo(json_text(result.as_dict()))
        return
    rows = [c.as_dict() for c in result.proposed]
    render_rows(_columns(CAND_KEYS[:-1]), rows, fmt,
                title=t("activity.proposal_title", count=len(rows), on=result.on.isoformat()))
    if result.excluded:
        render_rows(_columns(CAND_KEYS), [c.as_dict() for c in result.excluded],
                    OutputFormat.table if fmt is OutputFormat.table else fmt,
                    title=t("activity.excluded_title", count=len(result.excluded)))
    if result.short_by:
        warning(t("activity.proposal_short", short=result.short_by))


@app.command("opinion", help=t("help.activity.opinion"))
def opinion(
    ctx: typer.Context,
    supervisor: Annotated[str | None, typer.Option(
        "--supervisor", help=t("help.activity.opt.supervisor"))] = None,
    on: Annotated[str | None, typer.Option("--on", help=t("help.activity.opt.on"))] = None,
    summary: Annotated[str | None, typer.Option("--summary",
                                                help=t("help.activity.opt.summary"))] = None,
    channel: Annotated[str | None, typer.Option("--channel",
                                                help=t("help.activity.opt.channel"))] = None,
    activity: Annotated[str | None, typer.Option("--activity",
                                                 help=t("help.activity.opt.activity"))] = None,
    department: DepartmentOption = None,
) -> None:
    from datetime import date

    from medisup.services import activities

    common.require(ctx, [n for n, v in (("--supervisor", supervisor), ("--summary", summary))
                         if not v])
    view = run(ctx, lambda uow: activities.record_opinion(
        uow, supervisor=supervisor or "", received_on=parse_date(on, "--on") or date.today(),
        summary=summary or "", channel=channel, activity=activity, department=department))
    success(t("activity.opinion_recorded", name=view.name, on=view.received_on.isoformat()))
