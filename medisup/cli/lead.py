"""``medisup lead``: the Art. 8 taxonomy, logging leads, handling them to an outcome,
deadlines and extensions, rewards, confidential lists, and the consistency check.

Over 400 lines because it holds one noun's whole command surface (eleven commands, their
options and renderers); the questions ``lead log`` and ``lead update`` ask at a terminal are
in :mod:`medisup.cli.lead_wizards`, and the rules live in services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from medisup.cli import common, lead_wizards, listing, refs
from medisup.cli.common import AsOfOption, FormatOption, RevealOption, parse_date, run
from medisup.cli.lead_wizards import status_label as _status
from medisup.cli.listing import ColumnsOption, WideOption
from medisup.errors import ExitStatus
from medisup.i18n import t
from medisup.render import (
    Column,
    OutputFormat,
    out_console,
    page_footer,
    render_record,
    render_rows,
    stream_rows,
    success,
    warning,
)

if TYPE_CHECKING:
    from medisup.services.leads.rewards import RewardPublic
    from medisup.services.leads.views import LeadDetail, LeadRow

app = typer.Typer(no_args_is_help=True)
reward_app = typer.Typer(no_args_is_help=True)
app.add_typer(reward_app, name="reward", help=t("help.lead.reward.group"))

NumberArg = Annotated[str, typer.Argument(help=t("help.lead.arg.number"), show_default=False,
                                          metavar="NUMBER", callback=refs.lead)]
DepartmentOption = Annotated[str | None, typer.Option("--department",
                                                      help=t("help.lead.opt.department"))]
# Lists and checks look at a department and everything under it.
FilterDepartmentOption = Annotated[str | None, typer.Option(
    "--department", help=t("help.lead.opt.filter_department"))]
OnOption = Annotated[str | None, typer.Option("--on", help=t("help.lead.opt.on"),
                                              show_default=False)]


# ---------------------------------------------------------------- shared rendering


def _flag(value: bool, key: str) -> str:
    return t(key) if value else ""


DEFAULT_PAGE = 50  # rows a table shows at a time

# Every key of a list row, in output order; JSON and CSV carry them all.
ROW_KEYS = (
    "number", "department_code", "received_on", "channel", "target_kind", "target_name",
    "target_credit_code", "items", "status", "supervisor_name", "supervisor_id_number",
    "supervisor_phone", "handling_unit", "accept_by", "handle_by", "due", "overdue",
    "conflict", "amount_involved", "verified_amount", "recovered_amount", "referral_target",
    "closed_on", "description",
)
_RIGHT = {"amount_involved", "verified_amount", "recovered_amount"}
# What a table of leads can show (people read it; scripts take JSON or CSV), and what it
# shows unless --wide or --columns: fits a 100-column terminal.
TABLE_KEYS = (
    "number", "received_on", "items", "target_name", "status", "supervisor_name", "due",
    "deadline_mark", "supervisor_id_number", "handling_unit", "target_kind", "channel",
    "conflict", "amount_involved", "verified_amount", "recovered_amount", "closed_on",
)
TABLE_DEFAULT = ("number", "received_on", "items", "target_name", "status",
                 "supervisor_name", "due", "deadline_mark")
# Overdue leads in red, those due within three working days in yellow; plain output
# says the same in the 期限提醒 column.
_ROW_STYLE = {"overdue": "red", "due_soon": "yellow"}


def _columns(keys) -> list[Column]:
    return [Column(k, t(f"lead.col.{k}"), "right" if k in _RIGHT else "left") for k in keys]


def _table_row(row: LeadRow) -> dict[str, Any]:
    doc = row.as_dict()
    doc.update(
        channel=row.channel_label,
        target_kind=t(f"pack.target.{row.target_kind}"),
        status=_status(row.status),
        items=" ".join(row.items),
        overdue=_flag(row.overdue, "lead.mark.overdue"),
        conflict=_flag(row.conflict, "lead.mark.conflict"),
        deadline_mark=t("lead.mark.overdue") if row.overdue else
        t("lead.mark.due_soon") if row.due_soon else "",
    )
    return doc


def _row_style(row: LeadRow) -> str | None:
    return _ROW_STYLE["overdue"] if row.overdue else \
        _ROW_STYLE["due_soon"] if row.due_soon else None


def _render_detail(detail: LeadDetail, fmt: OutputFormat) -> None:
    table = fmt is OutputFormat.table
    record = _table_row(detail.row) if table else detail.row.as_dict()
    record.update(pack=detail.pack, conflict_with=detail.conflict_with,
                  deadline_basis=detail.deadline_basis)
    # The items section (code, subject, label, article) stands in for the bare codes.
    keys = [k for k in ROW_KEYS if k not in ("due", "items")] + [
        "conflict_with", "deadline_basis", "pack"]
    if table:
        record["target_kind"] = t(f"pack.target.{detail.row.target_kind}")
        record["conflict"] = t("common.yes") if detail.row.conflict else t("common.no")
        record["overdue"] = t("common.yes") if detail.row.overdue else t("common.no")
    item_cols = _columns(("code", "subject", "label", "article"))
    event_cols = _columns(("on_date", "from_status", "to_status", "operator", "handling_unit",
                           "note"))
    ext_cols = _columns(("approved_on", "working_days", "approved_by", "reason"))
    reward_cols = _columns(("status", "computed", "amount", "level", "insider",
                            "override_reason", "notice_on", "claim_by", "claimed_on", "basis"))
    events = []
    for e in detail.events:
        doc = dict(e.__dict__)
        if table:
            doc["from_status"] = _status(e.from_status)
            doc["to_status"] = _status(e.to_status)
        events.append(doc)
    rewards = []
    for r in detail.rewards:
        doc = r.as_dict()
        if table:
            doc["status"] = t(f"lead.reward_status.{r.status}")
        rewards.append(doc)
    sections = {
        "items": (item_cols, [dict(i.__dict__) for i in detail.item_views]),
        "events": (event_cols, events),
        "extensions": (ext_cols, [dict(x.__dict__) for x in detail.extensions]),
        "rewards": (reward_cols, rewards),
    }
    if table:  # JSON and CSV keep every section, empty or not, so scripts see one shape
        sections = {key: value for key, value in sections.items() if value[1]}
    render_record(_columns(keys), record, fmt, title=t("lead.show_title", number=detail.number),
                  sections=sections)


def _after_write(detail: LeadDetail, fmt: OutputFormat, text: str) -> None:
    success(text)
    for line in detail.warnings:
        warning(line)
    if fmt is not OutputFormat.table:
        _render_detail(detail, fmt)


# ---------------------------------------------------------------- taxonomy


@app.command("taxonomy", help=t("help.lead.taxonomy"))
def taxonomy(
    ctx: typer.Context,
    pack_name: Annotated[str | None, typer.Option("--pack", help=t("help.lead.opt.pack"))] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.packs import load_pack
    from medisup.services import leads

    if pack_name:
        pack = load_pack(pack_name)
    else:
        pack = common.department_pack(ctx, None)
    nodes = leads.taxonomy(pack)
    if fmt is OutputFormat.json:
        import json

        from medisup.render import plain

        doc = {"pack": pack.name, "subjects": [plain(n.as_dict()) for n in nodes]}
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if fmt is OutputFormat.csv:
        rows = [
            {"subject": s.code, "subject_label": s.label, "subject_article": s.article,
             "targets": " ".join(s.targets), "code": i.code, "label": i.label,
             "short": i.short, "article": i.article}
            for s in nodes for i in s.items
        ]
        keys = ("subject", "subject_label", "subject_article", "targets", "code", "label",
                "short", "article")
        render_rows([Column(k, k) for k in keys], rows, fmt)
        return
    from rich.markup import escape
    from rich.tree import Tree

    tree = Tree(escape(t("lead.taxonomy_title", pack=pack.name,
                         regulation=pack.text("regulation") or "")))
    for s in nodes:
        kinds = t("pack.list_sep").join(t(f"pack.target.{k}") for k in s.targets)
        branch = tree.add(escape(t("lead.taxonomy_subject", code=s.code, label=s.label,
                                   article=s.article, targets=kinds)))
        for i in s.items:
            branch.add(escape(t("lead.taxonomy_item", code=i.code, label=i.short,
                                article=i.article)))
    out_console().print(tree)


# ---------------------------------------------------------------- log


@app.command("log", help=t("help.lead.log"))
def log(
    ctx: typer.Context,
    supervisor: Annotated[str | None, typer.Option(
        "--supervisor", "-s", help=t("help.lead.opt.supervisor"), callback=refs.person)] = None,
    received: Annotated[str | None, typer.Option(
        "--on", "--received", help=t("help.lead.opt.received"))] = None,
    channel: Annotated[str | None, typer.Option("--channel", help=t("help.lead.opt.channel"))] = None,
    target_kind: Annotated[str | None, typer.Option(
        "--target-kind", help=t("help.lead.opt.target_kind"))] = None,
    target_name: Annotated[str | None, typer.Option(
        "--target-name", help=t("help.lead.opt.target_name"))] = None,
    credit_code: Annotated[str | None, typer.Option(
        "--credit-code", help=t("help.lead.opt.credit_code"))] = None,
    code: Annotated[list[str] | None, typer.Option(
        "--code", "-c", help=t("help.lead.opt.code"))] = None,
    description: Annotated[str | None, typer.Option(
        "--description", help=t("help.lead.opt.description"))] = None,
    amount: Annotated[str | None, typer.Option("--amount", help=t("help.lead.opt.amount"))] = None,
    department: DepartmentOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import leads
    from medisup.services.leads import rules as lead_rules
    answers: dict[str, Any] = {
        "supervisor": supervisor, "received": received, "channel": channel,
        "target_kind": target_kind, "target_name": target_name, "credit_code": credit_code,
        "codes": lead_rules.split_codes(code), "description": description, "amount": amount,
    }
    required = {
        "supervisor": "--supervisor", "received": "--on", "channel": "--channel",
        "target_kind": "--target-kind", "target_name": "--target-name", "codes": "--code",
        "description": "--description",
    }
    missing = [opt for key, opt in required.items() if not answers[key]]

    def write(asked: dict[str, Any]) -> LeadDetail:
        a = {**answers, **asked}
        received_on = parse_date(a["received"], "--on")
        assert received_on is not None
        return run(ctx, lambda uow: leads.log(
            uow, supervisor=a["supervisor"], received_on=received_on,
            channel=a["channel"], target_kind=a["target_kind"],
            target_name=a["target_name"], target_credit_code=a["credit_code"],
            codes=a["codes"], description=a["description"], amount=a["amount"],
            department=department,
        ))

    def as_options(asked: dict[str, Any]) -> dict[str, Any]:
        names = {"codes": "code", "credit_code": "credit_code"}
        return {names.get(k, k): v for k, v in asked.items()}

    if missing and common.can_prompt(ctx):
        wizard = lead_wizards.log_wizard(ctx, answers, common.department_pack(ctx, department))
        detail = wizard.run(ctx, write, as_options)
    else:
        common.require(ctx, missing)
        detail = write({})
    row = detail.row
    if row.conflict:
        warning(t("lead.conflict_flagged", number=row.number,
                  institution=detail.conflict_with or row.target_name))
    _after_write(detail, fmt, t("lead.logged", number=row.number, accept_by=row.accept_by,
                                handle_by=row.handle_by))


@app.command("list", help=t("help.lead.list"))
def list_(
    ctx: typer.Context,
    department: FilterDepartmentOption = None,
    status: Annotated[str | None, typer.Option("--status", help=t("help.lead.opt.status"))] = None,
    subject: Annotated[str | None, typer.Option(
        "--subject", help=t("help.lead.opt.subject"))] = None,
    code: Annotated[str | None, typer.Option("--code", help=t("help.lead.opt.filter_code"))] = None,
    supervisor: Annotated[str | None, typer.Option(
        "--supervisor", help=t("help.lead.opt.filter_supervisor"), callback=refs.person)] = None,
    target: Annotated[str | None, typer.Option("--target", help=t("help.lead.opt.target"))] = None,
    date_from: Annotated[str | None, typer.Option("--since", help=t("help.lead.opt.from"))] = None,
    date_to: Annotated[str | None, typer.Option("--until", help=t("help.lead.opt.to"))] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help=t("help.lead.opt.overdue"))] = False,
    conflict: Annotated[bool, typer.Option("--conflict", help=t("help.lead.opt.conflict"))] = False,
    limit: Annotated[int, typer.Option("--limit", help=t("help.lead.opt.per_page"),
                                       show_default=False)] = 0,
    page: Annotated[int, typer.Option("--page", help=t("help.lead.opt.page"),
                                      show_default=False)] = 0,
    all_: Annotated[bool, typer.Option("--all", help=t("help.lead.opt.all"))] = False,
    as_of_: AsOfOption = None,
    reveal: RevealOption = False,
    sort: Annotated[str, typer.Option("--sort", help=t("help.lead.opt.sort"))] = "-received_on",
    columns_: ColumnsOption = None,
    wide: WideOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.leads import views as lead_views

    sort = listing.check_sort(sort, ("received_on", "number"), "-received_on")
    if fmt is not OutputFormat.table:
        listing.pick(_columns(ROW_KEYS), None, columns_)  # an unknown column, before any work
    filters = lead_views.LeadFilter(
        department=department, status=status, subject=subject, code=code,
        supervisor=supervisor, target=target,
        received_from=parse_date(date_from, "--since"), received_to=parse_date(date_to, "--until"),
        overdue=overdue, conflict=conflict,
    )
    on = common.as_of(as_of_)
    listing.check_limit("--limit", limit)
    listing.check_limit("--page", page)
    paged = not all_ and (fmt is OutputFormat.table or bool(limit or page))
    per_page = (limit or DEFAULT_PAGE) if paged else None
    if fmt is not OutputFormat.table:
        # Scripts get every row (or the page asked for), streamed as the database yields them.
        offset = ((page or 1) - 1) * per_page if per_page else 0
        columns = listing.pick(_columns(ROW_KEYS), None, columns_)
        picks = [lead_views.ROW_FIELDS.index(c.key) for c in columns]

        def write(uow) -> None:
            from contextlib import closing

            # Closed inside the transaction, even when the reader stops early (a pipe).
            with closing(lead_views.iter_lead_values(
                    uow, filters, reveal=reveal, as_of=on, offset=offset,
                    limit=per_page, sort=sort)) as values:
                every = picks == list(range(len(lead_views.ROW_FIELDS)))
                stream_rows(columns, values if every else ([v[i] for i in picks] for v in values),
                            fmt)

        run(ctx, write, write=reveal, orm=reveal)  # a reveal is audited: the ORM
        return
    result = run(ctx, lambda uow: lead_views.lead_page(
        uow, filters, page=page or 1, per_page=per_page, reveal=reveal, as_of=on, sort=sort),
        write=reveal, orm=reveal)
    if not result.rows:
        page_footer(t("lead.page_empty", total=result.total, page=result.page)
                    if result.total else t("lead.none"))
        return
    keys = TABLE_KEYS + (("description",) if reveal else ())
    render_rows(listing.pick(_columns(keys), TABLE_DEFAULT, columns_, wide),
                [_table_row(r) for r in result.rows], fmt,
                title=t("lead.list_title", count=result.total, as_of=on.isoformat()),
                styles=[_row_style(r) for r in result.rows])
    text = t("lead.page_footer", total=result.total, first=result.first, last=result.last)
    if result.more:
        text += t("lead.page_next", next=result.page + 1)
    page_footer(text)


@app.command("show", help=t("help.lead.show"))
def show(
    ctx: typer.Context,
    number: NumberArg,
    as_of_: AsOfOption = None,
    reveal: RevealOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import leads

    on = common.as_of(as_of_)
    detail = run(ctx, lambda uow: leads.show(uow, number, reveal=reveal, as_of=on), write=reveal)
    _render_detail(detail, fmt)


# ---------------------------------------------------------------- handling


@app.command("update", help=t("help.lead.update"))
def update(
    ctx: typer.Context,
    number: NumberArg,
    to: Annotated[str | None, typer.Option("--to", help=t("help.lead.opt.to_status"))] = None,
    on: OnOption = None,
    unit: Annotated[str | None, typer.Option("--unit", help=t("help.lead.opt.unit"))] = None,
    note: Annotated[str | None, typer.Option("--note", help=t("help.lead.opt.note"))] = None,
    verified_amount: Annotated[str | None, typer.Option(
        "--verified-amount", help=t("help.lead.opt.verified_amount"))] = None,
    recovered_amount: Annotated[str | None, typer.Option(
        "--recovered-amount", help=t("help.lead.opt.recovered_amount"))] = None,
    referral_target: Annotated[str | None, typer.Option(
        "--referral-target", help=t("help.lead.opt.referral_target"))] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import leads

    day = parse_date(on, "--on")
    outcome_only = to is None and any(
        v is not None for v in (verified_amount, recovered_amount, referral_target))
    if outcome_only:
        detail = run(ctx, lambda uow: leads.record_outcome(
            uow, number, verified_amount=verified_amount, recovered_amount=recovered_amount,
            referral_target=referral_target))
        _after_write(detail, fmt, t("lead.outcome_recorded", number=detail.number))
        return
    def write(a: dict[str, Any]) -> LeadDetail:
        return run(ctx, lambda uow: leads.transition(
            uow, number, to=a.get("to", to), on=day, note=note,
            handling_unit=a.get("unit", unit), verified_amount=verified_amount,
            recovered_amount=recovered_amount,
            referral_target=a.get("referral_target", referral_target)))

    if to is None:
        if not common.can_prompt(ctx):
            common.require(ctx, ["--to"])
        detail = lead_wizards.update_wizard(ctx, number, unit=unit, referral_target=referral_target).run(
            ctx, write, dict)
    else:
        detail = write({})
    last = detail.events[-1]
    _after_write(detail, fmt, t("lead.moved", number=detail.number,
                                status=_status(last.to_status), on=last.on_date))


@app.command("extend", help=t("help.lead.extend"))
def extend(
    ctx: typer.Context,
    number: NumberArg,
    days: Annotated[int, typer.Option("--days", help=t("help.lead.opt.days"))],
    approved_by: Annotated[str, typer.Option("--approved-by", help=t("help.lead.opt.approved_by"))],
    reason: Annotated[str, typer.Option("--reason", help=t("help.lead.opt.extend_reason"))],
    on: OnOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import leads

    day = parse_date(on, "--on")
    detail = run(ctx, lambda uow: leads.extend(uow, number, days=days, approved_by=approved_by,
                                               reason=reason, on=day))
    _after_write(detail, fmt, t("lead.extended", number=detail.number, days=days,
                                handle_by=detail.row.handle_by))


# ---------------------------------------------------------------- rewards


def _reward_done(reward: RewardPublic, fmt: OutputFormat, text: str) -> None:
    success(text)
    if fmt is OutputFormat.table:
        return
    keys = ("lead_number", "status", "computed", "amount", "level", "insider",
            "override_reason", "notice_on", "claim_by", "claimed_on", "basis")
    render_record(_columns(keys), reward.as_dict(), fmt)


@reward_app.command("compute", help=t("help.lead.reward.compute"))
def reward_compute(
    ctx: typer.Context,
    number: NumberArg,
    level: Annotated[str | None, typer.Option("--level", help=t("help.lead.opt.level"))] = None,
    insider: Annotated[bool, typer.Option("--insider", help=t("help.lead.opt.insider"))] = False,
    amount: Annotated[str | None, typer.Option(
        "--amount", help=t("help.lead.opt.chosen_amount"))] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.leads import rewards as lead_rewards

    reward = run(ctx, lambda uow: lead_rewards.compute(uow, number, level=level, insider=insider,
                                                       chosen=amount))
    _reward_done(reward, fmt, t("lead.reward.computed", number=reward.lead_number,
                                amount=reward.amount, basis=reward.basis))


@reward_app.command("override", help=t("help.lead.reward.override"))
def reward_override(
    ctx: typer.Context,
    number: NumberArg,
    amount: Annotated[str, typer.Option("--amount", help=t("help.lead.opt.reward_amount"))],
    reason: Annotated[str, typer.Option("--reason", help=t("help.lead.opt.override_reason"))],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.leads import rewards as lead_rewards

    reward = run(ctx, lambda uow: lead_rewards.override(uow, number, amount=amount,
                                                        reason=reason))
    _reward_done(reward, fmt, t("lead.reward.overridden", number=reward.lead_number,
                                amount=reward.amount, computed=reward.computed))


@reward_app.command("notify", help=t("help.lead.reward.notify"))
def reward_notify(
    ctx: typer.Context,
    number: NumberArg,
    on: OnOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.leads import rewards as lead_rewards

    day = parse_date(on, "--on")
    reward = run(ctx, lambda uow: lead_rewards.notify(uow, number, on=day))
    _reward_done(reward, fmt, t("lead.reward.notified", number=reward.lead_number,
                                on=reward.notice_on, claim_by=reward.claim_by))


@reward_app.command("claim", help=t("help.lead.reward.claim"))
def reward_claim(
    ctx: typer.Context,
    number: NumberArg,
    on: OnOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.leads import rewards as lead_rewards

    day = parse_date(on, "--on")
    reward = run(ctx, lambda uow: lead_rewards.claim(uow, number, on=day))
    _reward_done(reward, fmt, t("lead.reward.claimed", number=reward.lead_number,
                                on=reward.claimed_on, amount=reward.amount))


@reward_app.command("cancel", help=t("help.lead.reward.cancel"))
def reward_cancel(
    ctx: typer.Context,
    number: NumberArg,
    reason: Annotated[str, typer.Option("--reason", help=t("help.lead.opt.cancel_reason"))],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.leads import rewards as lead_rewards

    reward = run(ctx, lambda uow: lead_rewards.cancel(uow, number, reason=reason))
    _reward_done(reward, fmt, t("lead.reward.cancelled", number=reward.lead_number))


# ---------------------------------------------------------------- consistency check


@app.command("check", help=t("help.lead.check"))
def check(
    ctx: typer.Context,
    department: FilterDepartmentOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.leads import consistency

    findings = run(ctx, lambda uow: consistency.check(uow, department=department), write=False,
                   orm=False)
    rows = []
    for f in findings:
        doc = f.as_dict()
        if fmt is OutputFormat.table:
            doc["kind"] = t(f"lead.check.kind.{f.kind}")
        rows.append(doc)
    if not findings:
        if fmt is not OutputFormat.table:
            render_rows(_columns(("kind", "number", "detail")), rows, fmt)
        success(t("lead.check.clean"))
        return
    render_rows(_columns(("kind", "number", "detail")), rows, fmt,
                title=t("lead.check.title", count=len(findings)))
    raise typer.Exit(ExitStatus.PROBLEMS)


# The root app registers this as `medisup check`, the same command as `medisup lead check`.
check_command = check
