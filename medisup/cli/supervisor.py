"""``medisup supervisor``: application, review, appointment, renewal, termination,
discipline, declared interests, the roster and one person's history.

Over 400 lines because it holds one noun's whole command surface (sixteen commands and their
options); the columns and rows they show are in ``cli/supervisor_views.py``, the wizards in
``cli/supervisor_wizards.py`` and complaints in ``cli/complaint.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medisup.cli import common, listing, prompts, refs
from medisup.cli import supervisor_views as views
from medisup.cli.common import AsOfOption, FormatOption, RevealOption, parse_date, run
from medisup.cli.listing import ColumnsOption, WideOption
from medisup.cli.prompts import YesOption
from medisup.errors import MedisupError, UsageError
from medisup.i18n import t
from medisup.render import (
    OutputFormat,
    message,
    render_record,
    render_rows,
    success,
    warning,
)

if TYPE_CHECKING:
    pass

app = typer.Typer(no_args_is_help=True)


def _h(key: str) -> str:
    return t(f"help.supervisor.{key}")


IdArg = Annotated[str, typer.Argument(metavar="ID_NUMBER", help=_h("arg.id_number"),
                                      show_default=False, callback=refs.person)]
DeptOption = Annotated[str | None, typer.Option("--department", help=_h("opt.department"),
                                                show_default=False)]
ExplainOption = Annotated[bool, typer.Option("--explain", help=_h("opt.explain"))]
FindingOption = Annotated[list[str] | None, typer.Option("--finding", help=_h("opt.finding"),
                                                         show_default=False)]
AllMetOption = Annotated[bool, typer.Option("--all-met", help=_h("opt.all_met"))]
OverrideOption = Annotated[str | None, typer.Option("--override-reason", help=_h("opt.override"),
                                                    show_default=False)]
OnOption = Annotated[str | None, typer.Option("--on", help=_h("opt.on"), show_default=False)]
NoteOption = Annotated[str | None, typer.Option("--note", help=_h("opt.note"), show_default=False)]
CategoryOption = Annotated[list[str] | None, typer.Option("--category", help=_h("opt.category"),
                                                          show_default=False)]


# ---------------------------------------------------------------- columns


def _show_explanation(findings, fmt: OutputFormat, *, application_id: int | None = None) -> None:
    table = fmt is OutputFormat.table
    render_rows(views.finding_columns(True),
                views.finding_rows(findings, table, application_id), fmt,
                title=t("section.findings"))


def _report_problems(problems, warnings: Sequence[str] = ()) -> None:
    from medisup.services.supervisors.eligibility import describe

    for text in warnings:
        warning(text)
    if problems:
        warning(t("supervisor.open_problems", problems=t("supervisor.problem_sep").join(
            describe(p) for p in problems)))


# ---------------------------------------------------------------- prompting


def _ask_or_require(ctx: typer.Context, missing: list[str], ask) -> None:
    """Ask in a terminal; otherwise the missing options are a usage error."""
    if not missing:
        return
    if common.can_prompt(ctx):
        ask()
    else:
        common.require(ctx, missing)


# ---------------------------------------------------------------- apply


@app.command("apply", help=_h("apply"))
def apply(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help=_h("opt.name"))] = None,
    id_number: Annotated[str | None, typer.Option("--id-number", help=_h("opt.id_number"))] = None,
    gender: Annotated[str | None, typer.Option("--gender", help=_h("opt.gender"))] = None,
    ethnicity: Annotated[str | None, typer.Option("--ethnicity", help=_h("opt.ethnicity"))] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date", help=_h("opt.birth_date"))] = None,
    phone: Annotated[str | None, typer.Option("--phone", help=_h("opt.phone"))] = None,
    email: Annotated[str | None, typer.Option("--email", help=_h("opt.email"))] = None,
    address: Annotated[str | None, typer.Option("--address", help=_h("opt.address"))] = None,
    work_unit: Annotated[str | None, typer.Option("--work-unit", help=_h("opt.work_unit"))] = None,
    category: CategoryOption = None,
    background: Annotated[str | None, typer.Option("--background", help=_h("opt.background"))] = None,
    channel: Annotated[str | None, typer.Option("--channel", help=_h("opt.channel"))] = None,
    recommender: Annotated[str | None, typer.Option("--recommender", help=_h("opt.recommender"))] = None,
    department: DeptOption = None,
    applied_on: Annotated[str | None, typer.Option("--on", "--applied-on", help=_h("opt.applied_on"))] = None,
    interest: Annotated[list[str] | None, typer.Option("--interest", help=_h("opt.interest"))] = None,
    health: Annotated[str | None, typer.Option("--health", help=_h("opt.health"))] = None,
    recruitment_ref: Annotated[str | None, typer.Option(
        "--recruitment-ref", help=_h("opt.recruitment_ref"))] = None,
    form_date: Annotated[str | None, typer.Option("--form-date", help=_h("opt.form_date"))] = None,
    finding: FindingOption = None,
    all_met: AllMetOption = False,
    override_reason: OverrideOption = None,
    explain: ExplainOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import supervisors

    values: dict[str, Any] = {
        "name": name, "id_number": id_number, "phone": phone, "categories": list(category or []),
        "channel": channel, "recommending_body": recommender, "work_unit": work_unit,
        "background": background, "findings": list(finding or []), "all_met": all_met,
        "health": health, "recruitment_ref": recruitment_ref, "form_date": form_date,
        "applied_on": applied_on,
    }
    missing = [opt for opt, key in (("--name", "name"), ("--id-number", "id_number"),
                                    ("--category", "categories"), ("--channel", "channel"))
               if not values[key]]
    applied = parse_date(applied_on, "--on")

    def write(answers: dict[str, Any]):
        v = {**values, **answers}
        person = {
            "name": v["name"], "id_number": v["id_number"], "gender": gender,
            "ethnicity": ethnicity, "birth_date": birth_date, "phone": v["phone"],
            "email": email, "address": address, "work_unit": v["work_unit"],
            "background": v["background"], "categories": v["categories"],
        }
        findings = [*values["findings"], *answers.get("findings", ())]
        form_on = parse_date(v["form_date"], "--form-date")
        return run(ctx, lambda uow: supervisors.apply(
            uow, person, channel=v["channel"], recommending_body=v["recommending_body"],
            department=department, applied_on=applied, interests=interest or (),
            findings=findings, all_met=all_met, override_reason=override_reason,
            health_status=v["health"], recruitment_ref=v["recruitment_ref"], form_on=form_on))

    def as_options(answers: dict[str, Any]) -> dict[str, Any]:
        names = {"categories": "category", "recommending_body": "recommender",
                 "findings": "finding", "health": "health", "form_date": "form_date"}
        out = {names.get(k, k): v for k, v in answers.items()}
        if "findings" in answers:
            out["finding"] = [*values["findings"], *answers["findings"]]
        return out

    if missing and common.can_prompt(ctx):
        from medisup.cli.supervisor_wizards import apply_wizard

        result = apply_wizard(ctx, values, common.department_pack(ctx, department)).run(ctx, write, as_options)
    else:
        common.require(ctx, missing)
        result = write({})
    a = result.application
    success(t("supervisor.applied", name=result.person.name,
              person=common.masked(result.person.id_number), dept=a.department_code, id=a.id))
    _report_problems(result.problems, result.warnings)
    if fmt is not OutputFormat.table:
        render_record(views.application_fields(), views.application_row(a, False), fmt, sections={
            "findings": (views.finding_columns(True), views.finding_rows(a.findings, False, a.id))})
    elif explain:
        _show_explanation(a.findings, fmt)


# ---------------------------------------------------------------- approve / reject


@app.command("approve", help=_h("approve"))
def approve(
    ctx: typer.Context,
    id_number: IdArg,
    department: DeptOption = None,
    start: Annotated[str | None, typer.Option("--start", help=_h("opt.start"))] = None,
    on: OnOption = None,
    finding: FindingOption = None,
    all_met: AllMetOption = False,
    override_reason: OverrideOption = None,
    note: NoteOption = None,
    explain: ExplainOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import supervisors

    start_d, on_d = parse_date(start, "--start"), parse_date(on, "--on")
    result = run(ctx, lambda uow: supervisors.approve(
        uow, id_number, department=department, start=start_d, on=on_d, findings=finding or (),
        all_met=all_met, override_reason=override_reason, note=note))
    term = result.term
    success(t("supervisor.approved", name=result.person.name,
              person=common.masked(result.person.id_number), dept=term.department_code,
              number=term.number, start=term.start_date.isoformat(),
              end=term.end_date.isoformat()))
    if fmt is not OutputFormat.table:
        render_record(views.term_columns(), term.as_dict(), fmt, sections={
            "findings": (views.finding_columns(True),
                         views.finding_rows(result.application.findings, False, result.application.id))})
    elif explain:
        _show_explanation(result.application.findings, fmt)


@app.command("reject", help=_h("reject"))
def reject(
    ctx: typer.Context,
    id_number: IdArg,
    reason: Annotated[str | None, typer.Option("--reason", help=_h("opt.reason"))] = None,
    department: DeptOption = None,
    on: OnOption = None,
    yes: YesOption = False,
) -> None:
    from medisup.cli.prompts import confirm_destructive, required
    from medisup.services import supervisors

    values = {"reason": reason}
    _ask_or_require(ctx, [] if reason else ["--reason"], lambda: values.update(
        reason=prompts.prompter().text(t("supervisor.ask.reason"), validate=required).strip()))
    on_d = parse_date(on, "--on")
    confirm_destructive(ctx, t("wizard.reject.summary", person=refs.who(ctx, id_number),
                               reason=views.text(values["reason"])), yes=yes)
    a = run(ctx, lambda uow: supervisors.reject(uow, id_number, reason=views.text(values["reason"]),
                                               department=department, on=on_d))
    success(t("supervisor.rejected", person=refs.who(ctx, id_number), dept=a.department_code,
              on=a.decided_on.isoformat()))


# ---------------------------------------------------------------- renew / terminate / discipline


@app.command("renew", help=_h("renew"))
def renew(
    ctx: typer.Context,
    id_number: IdArg,
    consent_date: Annotated[str | None, typer.Option("--consent-date", help=_h("opt.consent"))] = None,
    department: DeptOption = None,
    on: OnOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import supervisors

    consent = parse_date(consent_date, "--consent-date")
    on_d = parse_date(on, "--on")
    term = run(ctx, lambda uow: supervisors.renew(uow, id_number, department=department,
                                                 consent_on=consent, on=on_d))
    success(t("supervisor.renewed", person=refs.who(ctx, id_number), dept=term.department_code,
              number=term.number, start=term.start_date.isoformat(),
              end=term.end_date.isoformat()))
    if consent is None and term.consent_on is not None:
        message(t("supervisor.consent_used", on=term.consent_on.isoformat()))
    if fmt is not OutputFormat.table:
        render_record(views.term_columns(), term.as_dict(), fmt)


@app.command("consent", help=_h("consent"))
def consent(
    ctx: typer.Context,
    id_number: IdArg,
    on: Annotated[str | None, typer.Option("--on", "--date", help=_h("opt.consent_on"))] = None,
    department: DeptOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The supervisor's written consent, given during the term, to be renewed (gx Art. 8)."""
    from medisup.cli.prompts import validator
    from medisup.services import supervisors

    values = {"on": on}
    _ask_or_require(ctx, [] if on else ["--on"], lambda: values.update(
        on=prompts.prompter().text(t("supervisor.ask.consent_on"),
                                  validate=validator(lambda v: parse_date(v, "--on"))).strip()))
    day = parse_date(values["on"], "--on")
    term = run(ctx, lambda uow: supervisors.record_consent(uow, id_number, on=day,
                                                          department=department))
    success(t("supervisor.consent_recorded", person=refs.who(ctx, id_number),
              dept=term.department_code, number=term.number, start=term.start_date.isoformat(),
              end=term.end_date.isoformat(), on=term.renewal_consent_on.isoformat(),
              article=_renewal_article(ctx, term.department_code)))
    if fmt is not OutputFormat.table:
        render_record(views.term_columns(), term.as_dict(), fmt)


def _renewal_article(ctx: typer.Context, code: str) -> str:
    from medisup.services.supervisors.records import pack_for

    return run(ctx, lambda uow: pack_for(uow.session, code).cite("renewal_article"),
               write=False) or ""


@app.command("terminate", help=_h("terminate"))
def terminate(
    ctx: typer.Context,
    id_number: IdArg,
    ground: Annotated[str | None, typer.Option("--ground", help=_h("opt.ground"))] = None,
    effective: Annotated[str | None, typer.Option("--on", "--effective", help=_h("opt.effective"))] = None,
    note: NoteOption = None,
    referral: Annotated[str | None, typer.Option("--referral", help=_h("opt.referral"))] = None,
    breach: Annotated[str | None, typer.Option("--breach", help=_h("opt.breach"))] = None,
    department: DeptOption = None,
    yes: YesOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.cli.prompts import confirm_destructive
    from medisup.services import supervisors

    def write(a: dict[str, Any]):
        def both(uow):
            rests_on = breach
            if a.get("rule"):  # the breach behind a discipline ground, in the same transaction
                rests_on = supervisors.record_discipline(
                    uow, id_number, rule=a["rule"],
                    occurred_on=parse_date(a.get("breach_on"), "--on"),
                    note=a.get("note", note)).id
            return supervisors.terminate(
                uow, id_number, ground=views.text(a.get("ground", ground)),
                effective=parse_date(a.get("effective", effective), "--on"),
                note=a.get("note", note), referral=a.get("referral", referral),
                department=department, breach=rests_on)
        return run(ctx, both)

    if not ground and common.can_prompt(ctx):
        from medisup.cli.supervisor_wizards import terminate_wizard

        wizard = terminate_wizard(ctx, id_number, department, effective=effective, note=note,
                                   referral=referral)
        done = wizard.run(ctx, write, lambda a: {  # the summary's 确认保存 is the confirmation
            k: v for k, v in a.items() if k not in ("rule", "breach_on")})
    else:
        common.require(ctx, [] if ground else ["--ground"])
        label = ground or ""
        if not yes and common.can_prompt(ctx):
            try:
                item = common.department_pack(ctx, department).resolve("termination_grounds", label)
                label = f"{item.text()}（{item.cite()}）"
            except MedisupError:  # the service names the problem with the person's own pack
                pass
        confirm_destructive(ctx, t("wizard.terminate.summary", person=refs.who(ctx, id_number),
                                   ground=label,
                                   on=parse_date(effective, "--on") or date.today()), yes=yes)
        done = write({})
    success(t("supervisor.terminated", person=refs.who(ctx, id_number), dept=done.department_code,
              ground=done.label, article=done.article, on=done.effective_on.isoformat()))
    if done.breach:
        message(t("supervisor.rests_on_breach", breach=done.breach))
    if done.referral:
        message(t("supervisor.referred", referral=done.referral))
    if done.revoked_certificates:
        message(t("supervisor.revoked", numbers="、".join(done.revoked_certificates)))
    if fmt is not OutputFormat.table:
        render_record(views.termination_columns(), done.as_dict(), fmt)


@app.command("discipline", help=_h("discipline"))
def discipline(
    ctx: typer.Context,
    id_number: IdArg,
    rule: Annotated[str | None, typer.Option("--rule", help=_h("opt.rule"))] = None,
    on: Annotated[str | None, typer.Option("--on", "--date", help=_h("opt.date"))] = None,
    note: NoteOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import supervisors

    def write(a: dict[str, Any]):
        return run(ctx, lambda uow: supervisors.record_discipline(
            uow, id_number, rule=views.text(a.get("rule", rule)),
            occurred_on=parse_date(a.get("on", on), "--on"), note=a.get("note", note)))

    if not rule and common.can_prompt(ctx):
        from medisup.cli.supervisor_wizards import discipline_wizard

        done = discipline_wizard(ctx, id_number, on=on, note=note).run(
            ctx, write, lambda a: {"rule": a.get("rule"), "on": a.get("on"),
                                   "note": a.get("note")})
    else:
        common.require(ctx, [] if rule else ["--rule"])
        done = write({})
    success(t("supervisor.disciplined", person=refs.who(ctx, id_number), rule=done.label,
              article=done.article, on=done.occurred_on.isoformat()))
    if fmt is not OutputFormat.table:
        render_record(views.discipline_columns(), done.as_dict(), fmt)


# ---------------------------------------------------------------- interests


@app.command("interests", help=_h("interests"))
def interests(
    ctx: typer.Context,
    id_number: IdArg,
    action: Annotated[str, typer.Argument(metavar="ACTION", help=_h("arg.action"))] = "list",
    name: Annotated[str | None, typer.Option("--name", help=_h("opt.institution"))] = None,
    credit_code: Annotated[str | None, typer.Option("--credit-code", help=_h("opt.credit_code"))] = None,
    on: OnOption = None,
    note: NoteOption = None,
    active: Annotated[bool, typer.Option("--active", help=_h("opt.active"))] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import supervisors

    on_d = parse_date(on, "--on")
    if action == "list":
        rows = run(ctx, lambda uow: supervisors.list_interests(uow, id_number, active_only=active),
                   write=False)
        render_rows(views.interest_columns(), [r.as_dict() for r in rows], fmt,
                    title=t("section.interests"), empty=t("supervisor.no_interests"))
        return
    if action == "add":
        def write(a: dict[str, Any]):
            return run(ctx, lambda uow: supervisors.add_interest(
                uow, id_number, name=views.text(a.get("name", name)),
                credit_code=a.get("credit_code", credit_code),
                declared_on=parse_date(a.get("on", on), "--on"), note=a.get("note", note)))

        if not name and common.can_prompt(ctx):
            from medisup.cli.supervisor_wizards import interest_wizard

            row = interest_wizard(id_number, credit_code=credit_code, on=on, note=note).run(
                ctx, write, lambda a: {"name": a.get("name"), "credit_code": a.get("credit_code"),
                                       "on": a.get("on"), "note": a.get("note")})
        else:
            common.require(ctx, [] if name else ["--name"])
            row = write({})
        success(t("supervisor.interest_added", person=refs.who(ctx, id_number),
                  name=row.institution_name, code=row.credit_code or "—"))
    elif action == "remove":
        if not (name or credit_code):
            raise UsageError(t("cli.missing_options", options="--credit-code / --name"))
        row = run(ctx, lambda uow: supervisors.remove_interest(
            uow, id_number, credit_code=credit_code, name=name, on=on_d))
        success(t("supervisor.interest_removed", person=refs.who(ctx, id_number),
                  name=row.institution_name, on=row.withdrawn_on.isoformat()))
    else:
        raise UsageError(t("cli.bad_parameter", option="ACTION",
                           problem=t("supervisor.expect_action", value=action)))
    if fmt is not OutputFormat.table:
        render_record(views.interest_columns(), row.as_dict(), fmt)


# ---------------------------------------------------------------- list / show / update


# What a table shows unless --wide or --columns: fits a 100-column terminal.
LIST_DEFAULT = ("name", "id_number", "age", "department_name", "status", "term_start",
                "term_end")


@app.command("list", help=_h("list"))
def list_(
    ctx: typer.Context,
    department: DeptOption = None,
    status: Annotated[str | None, typer.Option("--status", help=_h("opt.status"))] = None,
    category: Annotated[str | None, typer.Option("--category", help=_h("opt.category_filter"))] = None,
    channel: Annotated[str | None, typer.Option("--channel", help=_h("opt.channel_filter"))] = None,
    ending_before: Annotated[str | None, typer.Option("--ending-before", help=_h("opt.ending_before"))] = None,
    ending_within: Annotated[int | None, typer.Option("--ending-within", help=_h("opt.ending_within"))] = None,
    sort: Annotated[str, typer.Option("--sort", help=_h("opt.sort"))] = "department",
    limit: Annotated[int, typer.Option("--limit", help=_h("opt.limit"), show_default=False)] = 0,
    page: Annotated[int, typer.Option("--page", help=_h("opt.page"), show_default=False)] = 0,
    all_: Annotated[bool, typer.Option("--all", help=_h("opt.all"))] = False,
    as_of: AsOfOption = None,
    reveal: RevealOption = False,
    columns_: ColumnsOption = None,
    wide: WideOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.render import page_footer, stream_rows
    from medisup.services.supervisors import views as supervisor_views

    table = fmt is OutputFormat.table
    columns = listing.pick(views.list_columns(table), LIST_DEFAULT if table else None, columns_, wide)
    listing.check_limit("--limit", limit)
    listing.check_limit("--page", page)

    before = parse_date(ending_before, "--ending-before")
    day = parse_date(as_of, "--as-of")
    paged = not all_ and (table or bool(limit or page))
    result = run(ctx, lambda uow: supervisor_views.supervisor_page(
        uow, department=department, status=status, category=category, channel=channel,
        ending_before=before, ending_within=ending_within, as_of=day, reveal=reveal,
        sort=sort, page=page or 1, per_page=(limit or 50) if paged else None),
        write=reveal)
    if not table:
        stream_rows(columns, ([row.get(c.key) for c in columns]
                              for row in (views.list_row(r, False) for r in result.rows)), fmt)
        return
    if not result.rows:
        page_footer(t("supervisor.page_empty", total=result.total, page=result.page)
                    if result.total else t("supervisor.none"))
        return
    render_rows(columns, [views.list_row(r, table) for r in result.rows], fmt,
                title=t("supervisor.list_title"))
    text = t("supervisor.page_footer", total=result.total, first=result.first,
             last=result.last)
    if result.more:
        text += t("supervisor.page_next", next=result.page + 1)
    page_footer(text)


@app.command("show", help=_h("show"))
def show(
    ctx: typer.Context,
    id_number: IdArg,
    as_of: AsOfOption = None,
    reveal: RevealOption = False,
    explain: ExplainOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import supervisors

    day = parse_date(as_of, "--as-of")
    detail = run(ctx, lambda uow: supervisors.show(uow, id_number, as_of=day, reveal=reveal),
                 write=reveal)
    table = fmt is OutputFormat.table
    record = dict(detail.person.as_dict(), age=detail.age, as_of=detail.as_of)
    if table:
        record.update(gender=views.gender(detail.person.gender),
                      categories=list(detail.category_labels),
                      background=detail.background_label)
    from medisup.services.supervisors import complaints

    sections = views.show_sections(detail, table, explain)
    sections["complaints"] = (complaint_cli.columns(), complaint_cli.rows(  # nm Art. 15
        run(ctx, lambda uow: complaints.list_for(uow, id_number), write=False), table))
    render_record(views.person_fields(), record, fmt,
                  title=f"{detail.person.name} {detail.person.id_number}", sections=sections)


@app.command("update", help=_h("update"))
def update(
    ctx: typer.Context,
    id_number: IdArg,
    name: Annotated[str | None, typer.Option("--name", help=_h("opt.name"))] = None,
    ethnicity: Annotated[str | None, typer.Option("--ethnicity", help=_h("opt.ethnicity"))] = None,
    phone: Annotated[str | None, typer.Option("--phone", help=_h("opt.phone"))] = None,
    email: Annotated[str | None, typer.Option("--email", help=_h("opt.email"))] = None,
    address: Annotated[str | None, typer.Option("--address", help=_h("opt.address"))] = None,
    work_unit: Annotated[str | None, typer.Option("--work-unit", help=_h("opt.work_unit"))] = None,
    background: Annotated[str | None, typer.Option("--background", help=_h("opt.background"))] = None,
    category: CategoryOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import supervisors

    changes = {k: v for k, v in {
        "name": name, "ethnicity": ethnicity, "phone": phone, "email": email,
        "address": address, "work_unit": work_unit, "background": background,
        "categories": category,
    }.items() if v is not None}
    if not changes:
        raise UsageError(t("supervisor.nothing_to_update", options=(
            "--name, --ethnicity, --phone, --email, --address, --work-unit, --background, "
            "--category")))
    person = run(ctx, lambda uow: supervisors.update(uow, id_number, changes))
    success(t("supervisor.updated", name=person.name, person=common.masked(person.id_number),
              fields=", ".join(sorted(changes))))
    if fmt is not OutputFormat.table:
        render_record(views.person_fields(), person.masked().as_dict(), fmt)


from medisup.cli import complaint as complaint_cli  # noqa: E402  (after this group's commands)

app.add_typer(complaint_cli.app, name="complaint", help=t("help.complaint.group"))
