"""``medisup review``: renewals, terminations and the annual review — read-only unless
``--apply``, replayable with ``--as-of``, findings exit 1 with ``--fail-on-findings``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medisup.cli import listing
from medisup.cli.common import (
    AsOfOption,
    FormatOption,
    RevealOption,
    can_prompt,
    parse_date,
    run,
    settings_of,
)
from medisup.cli.prompts import YesOption
from medisup.errors import ExitStatus
from medisup.i18n import t
from medisup.render import (
    Column,
    OutputFormat,
    json_text,
    message,
    plain,
    render_rows,
    success,
    warning,
)

if TYPE_CHECKING:
    from medisup.services.reviews import Finding

app = typer.Typer(no_args_is_help=True)

DepartmentOption = Annotated[str | None, typer.Option("--department",
                                                      help=t("help.review.opt.department"))]
FailOption = Annotated[bool, typer.Option("--fail-on-findings",
                                          help=t("help.review.opt.fail_on_findings"))]

RENEWAL_KEYS = ("person_id", "name", "id_number", "department_code", "term_number", "start_date",
                "end_date", "state", "days_left", "consent", "leads", "leads_verified",
                "activities_attended", "activities_absent", "opinions", "discipline",
                "complaints")
TERMINATION_KEYS = ("person_id", "name", "id_number", "department_code", "basis", "ground",
                    "article", "automatic", "effective_on", "evidence")
# What a table shows unless --wide or --columns (fits a 100-column terminal, name first).
RENEWAL_DEFAULT = ("name", "id_number", "department_code", "end_date", "state", "days_left",
                   "consent", "leads")
TERMINATION_DEFAULT = ("name", "id_number", "ground", "article", "effective_on", "evidence")


def _columns(keys) -> list[Column]:
    return [Column(k, t(f"review.col.{k}")) for k in keys]


def _json(doc: dict[str, Any]) -> None:
    typer.echo(json_text(doc))


def _finish(findings: tuple[Finding, ...], fmt: OutputFormat, fail: bool, *,
            listed: bool = False) -> None:
    """Findings as messages (tables, unless ``listed`` already) — JSON carries them — and
    the exit status."""
    if fmt is OutputFormat.table and not listed:
        for f in findings:
            warning(f.message)
    message(t("review.findings", count=len(findings)) if findings else t("review.no_findings"))
    if findings and fail:
        raise typer.Exit(ExitStatus.PROBLEMS)


@app.command("renewals", help=t("help.review.renewals"))
def renewals(
    ctx: typer.Context,
    within: Annotated[int, typer.Option("--within", help=t("help.review.opt.within"))] = 60,
    as_of: AsOfOption = None,
    department: DepartmentOption = None,
    reveal: RevealOption = False,
    fail_on_findings: FailOption = False,
    columns_: listing.ColumnsOption = None,
    wide: listing.WideOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import reviews

    columns = listing.pick(_columns(RENEWAL_KEYS), RENEWAL_DEFAULT
                           if fmt is OutputFormat.table else None, columns_, wide)
    result = run(ctx, lambda uow: reviews.renewals(
        uow, within=within, as_of=parse_date(as_of, "--as-of"), department=department,
        reveal=reveal), write=reveal)
    if fmt is OutputFormat.json:
        _json(result.as_dict())
    else:
        rows = []
        for item in result.items:
            doc = item.as_dict() | item.record.as_dict()
            if item.consent_on is not None:
                doc["consent"] = t("review.consent_on_file", on=item.consent_on.isoformat())
            elif item.consent_required:
                doc["consent"] = t("review.consent_missing")
            else:
                doc["consent"] = t("review.consent_recorded")
            if fmt is OutputFormat.table:
                doc["state"] = t(f"review.state.{item.state}")
            rows.append(doc)
        render_rows(columns, rows, fmt, title=t(
            "review.renewals_title", as_of=result.as_of.isoformat(), within=result.within,
            count=len(rows)), empty=t("review.nothing_listed"))
    _finish(result.findings, fmt, fail_on_findings)


@app.command("terminations", help=t("help.review.terminations"))
def terminations(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    department: DepartmentOption = None,
    apply: Annotated[bool, typer.Option("--apply", help=t("help.review.opt.apply"))] = False,
    yes: YesOption = False,
    reveal: RevealOption = False,
    fail_on_findings: FailOption = False,
    columns_: listing.ColumnsOption = None,
    wide: listing.WideOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services import reviews

    columns = listing.pick(_columns(TERMINATION_KEYS), TERMINATION_DEFAULT
                           if fmt is OutputFormat.table else None, columns_, wide)
    day = parse_date(as_of, "--as-of")
    if apply and not yes and (settings_of(ctx).no_input or can_prompt(ctx)):
        # Say what --apply will do before doing it: a read-only pass counts it.
        preview = run(ctx, lambda uow: reviews.terminations(
            uow, as_of=day, department=department, apply=False), write=False)
        automatic = [item for item in preview.items if item.automatic]
        if automatic:
            from medisup.cli.prompts import confirm_destructive

            confirm_destructive(ctx, t("review.confirm_apply", count=len(automatic),
                                       names="、".join(i.name for i in automatic[:5])), yes=yes)
    result = run(ctx, lambda uow: reviews.terminations(
        uow, as_of=day, department=department, apply=apply,
        reveal=reveal), write=apply or reveal)
    if fmt is OutputFormat.json:
        _json(result.as_dict())
    else:
        rows = []
        for item in result.items:
            doc = item.as_dict()
            if fmt is OutputFormat.table:
                doc["basis"] = t(f"review.basis.{item.basis}")
                doc["ground"] = item.ground_label
                doc["evidence"] = _evidence(item.evidence)
            else:
                doc["evidence"] = json.dumps(plain(item.evidence), ensure_ascii=False)
            rows.append(doc)
        render_rows(columns, rows, fmt, title=t(
            "review.terminations_title", as_of=result.as_of.isoformat(), count=len(rows)),
            empty=t("review.nothing_listed"))
    if apply:
        for done in result.applied:
            success(t("review.applied_one", name=done["name"], id_number=done["id_number"],
                      effective_on=done["effective_on"].isoformat(), ground=done["ground"],
                      certificates="、".join(done["revoked_certificates"]) or t("review.none")))
        message(t("review.applied", count=len(result.applied)) if result.applied
                else t("review.nothing_applied"))
    _finish(result.findings, fmt, fail_on_findings)


def _evidence(evidence: dict[str, Any]) -> str:
    if "breaches" in evidence:
        return "；".join(f"{b['occurred_on']} {b['label']}（{b['article']}）"
                        for b in evidence["breaches"])
    if "start_date" in evidence:
        return f"{evidence['start_date']}～{evidence['end_date']}"
    return ""


@app.command("annual", help=t("help.review.annual"))
def annual(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option("--year", help=t("help.review.opt.year"))] = None,
    department: DepartmentOption = None,
    as_of: AsOfOption = None,
    out: Annotated[str | None, typer.Option("--out", help=t("help.review.opt.out"))] = None,
    fail_on_findings: FailOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.cli.common import require
    from medisup.services import reviews

    require(ctx, ["--year"] if year is None else [])
    assert year is not None
    day = parse_date(as_of, "--as-of")

    def job(uow):
        from medisup.services.departments import pack_of

        report = reviews.annual(uow, year=year, department=department, as_of=day)
        return report, pack_of(uow.session, report.department)

    report, pack = run(ctx, job, write=False)
    from medisup.services.reviews.sections import sections

    parts = sections(report, pack)
    if out:
        from pathlib import Path

        from medisup.excel.report import write_annual

        write_annual(parts, Path(out))
        success(t("review.written", path=out))
    if fmt is OutputFormat.json:
        _json(report.as_dict())
    else:
        for section in parts:
            if fmt is OutputFormat.table and not section.rows:
                continue
            render_rows([Column(k, text) for k, text, _ in section.columns], section.rows, fmt,
                        title=section.title)
    _finish(report.findings, fmt, fail_on_findings, listed=True)
