"""``medisup certificate``: issue (one, or every pending term), render to PDF or DOCX,
list, show, verify, revoke, reissue, and the calibration page for pre-printed stock.

Over 400 lines because it holds one noun's whole command surface (nine commands and their
options).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from medisup.cli import common, listing, prompts
from medisup.cli.common import AsOfOption, FormatOption, open_uow, parse_date, run
from medisup.cli.prompts import YesOption
from medisup.errors import ExitStatus, UsageError
from medisup.i18n import t
from medisup.render import Column, OutputFormat, message, render_record, render_rows, success

if TYPE_CHECKING:
    from medisup.services.supervisors.certificates import CertificateRecord, Verdict
    from medisup.services.uow import UnitOfWork

app = typer.Typer(no_args_is_help=True)

FONT_KEY, FONT_ENV = "certificate_font", "MEDISUP_CERTIFICATE_FONT"


class DocFormat(StrEnum):
    pdf = "pdf"
    docx = "docx"


class LayoutKind(StrEnum):
    standard = "standard"
    overlay = "overlay"


NumberArg = Annotated[str, typer.Argument(help=t("help.certificate.arg.number"),
                                          show_default=False, metavar="NUMBER")]
DepartmentOption = Annotated[str | None, typer.Option(
    "--department", help=t("help.certificate.opt.department"), show_default=False)]
OnOption = Annotated[str | None, typer.Option("--on", help=t("help.certificate.opt.on"),
                                              show_default=False)]
DocFormatOption = Annotated[DocFormat, typer.Option(
    "--format", "-f", help=t("help.certificate.opt.doc_format"), case_sensitive=False)]
OutOption = Annotated[Path | None, typer.Option("--out", help=t("help.certificate.opt.out"),
                                                show_default=False)]
FontOption = Annotated[Path | None, typer.Option("--font", help=t("help.certificate.opt.font"),
                                                 show_default=False)]
TemplateOption = Annotated[Path | None, typer.Option(
    "--template", help=t("help.certificate.opt.template"), show_default=False)]
LayoutOption = Annotated[LayoutKind, typer.Option(
    "--layout", help=t("help.certificate.opt.layout"), case_sensitive=False)]
LayoutFileOption = Annotated[Path | None, typer.Option(
    "--layout-file", help=t("help.certificate.opt.layout_file"), show_default=False)]


# ---------------------------------------------------------------- rendering to files


@dataclass
class Output:
    """Where and how certificates are written; every part checked before any work."""

    fmt: DocFormat
    out: Path | None
    combined: Path | None
    faces: object
    layout: object | None
    template: Path | None

    def check(self, docs) -> None:
        """Refuse the whole batch if any certificate would print a missing glyph."""
        from medisup.documents.typefaces import check_glyphs

        if self.fmt is DocFormat.pdf or self.combined:
            for doc in docs:
                check_glyphs(doc.printed_text(), self.faces.serif, who="")

    def stage(self, docs, staging) -> list[Path]:
        from medisup.documents import docx, files, pdf

        targets = []
        if self.out is not None:
            suffix = "." + self.fmt.value
            for doc in docs:
                target = self.out / files.file_name(doc.number, doc.name, suffix)
                temp = staging.temp_for(target)
                if self.fmt is DocFormat.pdf:
                    pdf.write([doc], temp, self.faces, self.layout)
                else:
                    docx.write(doc, self.template, temp)
                targets.append(target)
        if self.combined is not None and docs:
            temp = staging.temp_for(self.combined)
            pdf.write(docs, temp, self.faces, self.layout)
            targets.append(self.combined)
        return targets


def _configured_font(font: Path | None) -> Path | str | None:
    import os

    from medisup.dirs import config_file_values

    return font or os.environ.get(FONT_ENV) or config_file_values().get(FONT_KEY) or None


def _output(fmt: DocFormat, out: Path | None, combined: Path | None, font: Path | None,
            template: Path | None, layout: LayoutKind, layout_file: Path | None) -> Output:
    from medisup.documents import layout as layouts
    from medisup.documents import typefaces
    from medisup.documents.files import writable_dir

    if combined is not None and combined.suffix.lower() != ".pdf":
        raise UsageError(t("certificate.combined_pdf", path=combined))
    if out is not None:
        out = writable_dir(out, "--out")
    if combined is not None:
        writable_dir(combined.parent if str(combined.parent) else Path("."), "--combined")
    faces = typefaces.faces(_configured_font(font))
    chosen = layouts.load(layout_file) if layout is LayoutKind.overlay else None
    if layout_file is not None and chosen is None:
        raise UsageError(t("certificate.layout_file_needs_overlay"))
    checked = None
    if fmt is DocFormat.docx:
        from medisup.documents import docx

        checked = docx.check_template(template)
    elif template is not None:
        raise UsageError(t("certificate.template_needs_docx"))
    return Output(fmt, out, combined, faces, chosen, checked)


def _issue_and_write(ctx: typer.Context, output: Output,
                     fn: Callable[[UnitOfWork], list[CertificateRecord]]
                     ) -> tuple[list[CertificateRecord], list[Path]]:
    """Issue in one transaction; files are rendered inside it and appear only after the
    commit, so a failure leaves neither rows nor files behind."""
    from medisup.documents.files import Staging

    staging = Staging()
    try:
        with open_uow(ctx) as uow:
            records = fn(uow)
            docs = [r.text() for r in records]
            output.check(docs)
            targets = output.stage(docs, staging)
        staging.publish()
    except BaseException:
        staging.discard()
        raise
    return records, targets


TABLE_LIMIT = 50  # a batch larger than this is summarised, not listed on the screen


def _issued_table(records: list[CertificateRecord], targets: list[Path],
                  combined: Path | None = None) -> None:
    """The certificates issued (a long batch is summarised) and the files written."""
    singles = [p for p in targets if p != combined]
    if len(records) > TABLE_LIMIT:
        message(t("certificate.issued_range", first=records[0].number, last=records[-1].number))
        if singles:
            message(t("certificate.written_files", count=len(singles), folder=singles[0].parent))
        if combined is not None:
            message(t("certificate.written", path=combined))
        return
    cols = [Column("number", t("certificate.col.number")),
            Column("name", t("certificate.col.name")),
            Column("department_code", t("certificate.col.department")),
            Column("term_start", t("certificate.col.term_start")),
            Column("term_end", t("certificate.col.term_end")),
            Column("verify_code", t("certificate.col.verify_code"))]
    render_rows(cols, [r.as_dict() for r in records], OutputFormat.table)
    for target in targets:
        message(t("certificate.written", path=target))


# ---------------------------------------------------------------- issue


@app.command("issue", help=t("help.certificate.issue"))
def issue(
    ctx: typer.Context,
    id_number: Annotated[str | None, typer.Argument(
        help=t("help.certificate.arg.id_number"), show_default=False, metavar="ID_NUMBER")] = None,
    pending: Annotated[bool, typer.Option("--pending", help=t("help.certificate.opt.pending"))
                       ] = False,
    department: DepartmentOption = None,
    on: OnOption = None,
    fmt: DocFormatOption = DocFormat.pdf,
    out: OutOption = None,
    combined: Annotated[Path | None, typer.Option(
        "--combined", help=t("help.certificate.opt.combined"), show_default=False)] = None,
    layout: LayoutOption = LayoutKind.standard,
    layout_file: LayoutFileOption = None,
    font: FontOption = None,
    template: TemplateOption = None,
) -> None:
    from medisup.services.supervisors import certificates

    if pending == (id_number is not None):
        raise UsageError(t("certificate.issue_one_or_pending"))
    if combined is not None and not pending:
        raise UsageError(t("certificate.combined_needs_pending"))
    day = parse_date(on, "--on")
    if out is None and combined is None:
        out = Path(".")
    output = _output(fmt, out, combined, font, template, layout, layout_file)
    if pending:
        records, targets = _issue_and_write(ctx, output, lambda uow: certificates.issue_pending(
            uow, department=department, on=day))
        if not records:
            message(t("certificate.none_pending"))
            return
    else:
        records, targets = _issue_and_write(ctx, output, lambda uow: [certificates.issue(
            uow, id_number, department=department, on=day)])
    _issued_table(records, targets, combined)
    success(t("certificate.issued", count=len(records)))


@app.command("reissue", help=t("help.certificate.reissue"))
def reissue(
    ctx: typer.Context,
    number: NumberArg,
    reason: Annotated[str | None, typer.Option("--reason", help=t(
        "help.certificate.opt.reissue_reason"), show_default=False)] = None,
    on: OnOption = None,
    fmt: DocFormatOption = DocFormat.pdf,
    out: OutOption = None,
    layout: LayoutOption = LayoutKind.standard,
    layout_file: LayoutFileOption = None,
    font: FontOption = None,
    template: TemplateOption = None,
) -> None:
    from medisup.services.supervisors import certificates

    if reason is None:
        if not common.can_prompt(ctx):
            common.require(ctx, ["--reason"])
        from medisup.services.supervisors.certificates import REISSUE_REASONS

        reason = prompts.prompter().select(t("certificate.ask.reissue_reason"), [
            (c, t(f"certificate.reissue_reason.{c}")) for c in REISSUE_REASONS])
    day = parse_date(on, "--on")
    output = _output(fmt, out or Path("."), None, font, template, layout, layout_file)
    records, targets = _issue_and_write(ctx, output, lambda uow: [certificates.reissue(
        uow, number, reason=reason, on=day)])
    _issued_table(records, targets)
    success(t("certificate.reissued", number=records[0].number, old=records[0].reissue_of))


@app.command("revoke", help=t("help.certificate.revoke"))
def revoke(
    ctx: typer.Context,
    number: NumberArg,
    reason: Annotated[str | None, typer.Option("--reason", help=t(
        "help.certificate.opt.revoke_reason"), show_default=False)] = None,
    on: OnOption = None,
    yes: YesOption = False,
) -> None:
    from medisup.cli.prompts import confirm_destructive
    from medisup.services.supervisors import certificates

    if reason is None:
        if not common.can_prompt(ctx):
            common.require(ctx, ["--reason"])
        reason = prompts.prompter().text(t("certificate.ask.revoke_reason"),
                                        validate=lambda v: bool(v.strip()))
    day = parse_date(on, "--on")
    confirm_destructive(ctx, t("certificate.confirm_revoke", number=number, reason=reason),
                        yes=yes)
    record = run(ctx, lambda uow: certificates.revoke(uow, number, reason=reason, on=day))
    success(t("certificate.revoked", number=record.number,
              on=record.revoked_on.isoformat() if record.revoked_on else ""))


# ---------------------------------------------------------------- reading


def _row(r: CertificateRecord, table: bool) -> dict:
    data = r.as_dict()
    if table:
        data["status"] = t(f"certificate.status.{r.status}")
        if r.reissue_reason:
            data["reissue_reason"] = t(f"certificate.reissue_reason.{r.reissue_reason}")
    return data


LIST_KEYS = ("number", "status", "name", "id_number", "department_code", "term_start",
             "term_end", "issued_on", "revoked_on", "revoked_reason", "reissue_of",
             "reissue_reason")
# What a table shows unless --wide or --columns (fits a 100-column terminal).
LIST_DEFAULT = ("name", "number", "id_number", "status", "term_end", "issued_on")
SHOW_KEYS = ("number", "status", "name", "id_number", "department_code", "department_name",
             "role", "term_start", "term_end", "issued_on", "verify_code", "revoked_on",
             "revoked_reason", "reissue_of", "reissue_reason")


def _cols(keys) -> list[Column]:
    return [Column(k, t(f"certificate.col.{k}")) for k in keys]


@app.command("list", help=t("help.certificate.list"))
def list_cmd(
    ctx: typer.Context,
    department: DepartmentOption = None,
    status: Annotated[str | None, typer.Option("--status", help=t(
        "help.certificate.opt.status"), show_default=False)] = None,
    year: Annotated[int | None, typer.Option("--year", help=t("help.certificate.opt.year"),
                                             show_default=False)] = None,
    as_of_: AsOfOption = None,
    sort: listing.SortOption = None,
    limit: listing.LimitOption = 0,
    page: listing.PageOption = 0,
    all_: listing.AllOption = False,
    columns_: listing.ColumnsOption = None,
    wide: listing.WideOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.supervisors import certificates

    table = fmt is OutputFormat.table
    columns = listing.pick(_cols(LIST_KEYS), LIST_DEFAULT if table else None, columns_, wide)
    day = common.as_of(as_of_)
    rows = run(ctx, lambda uow: certificates.list_certificates(
        uow, department=department, status=status, year=year, as_of=day), write=False)
    shown = listing.window([r.as_dict() for r in rows], sort=sort, sortable=LIST_KEYS,
                           limit=limit, page=page, all_=all_, table=table)
    by_number = {r.number: r for r in rows}
    render_rows(columns, [_row(by_number[r["number"]], table) for r in shown.rows], fmt,
                empty=t("certificate.none"))
    if table:
        listing.footer(shown, "certificate")


@app.command("show", help=t("help.certificate.show"))
def show(ctx: typer.Context, number: NumberArg, as_of_: AsOfOption = None,
         fmt: FormatOption = OutputFormat.table) -> None:
    from medisup.services.supervisors import certificates

    day = common.as_of(as_of_)
    record = run(ctx, lambda uow: certificates.show(uow, number, as_of=day), write=False)
    render_record(_cols(SHOW_KEYS), _row(record, fmt is OutputFormat.table), fmt)


@app.command("verify", help=t("help.certificate.verify"))
def verify(
    ctx: typer.Context,
    number: NumberArg,
    code: Annotated[str | None, typer.Option("--code", help=t("help.certificate.opt.code"),
                                             show_default=False)] = None,
    as_of_: AsOfOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    from medisup.services.supervisors import certificates

    day = common.as_of(as_of_)
    verdict = run(ctx, lambda uow: certificates.verify(uow, number, code, as_of=day))
    _render_verdict(verdict, fmt)
    if not verdict.ok:
        raise typer.Exit(ExitStatus.PROBLEMS)


def _render_verdict(verdict: Verdict, fmt: OutputFormat) -> None:
    r = verdict.record
    if fmt is not OutputFormat.table:
        keys = ("outcome", "number", "name", "department_code", "term_start", "term_end",
                "issued_on", "revoked_on", "revoked_reason")
        data = {"outcome": verdict.outcome, "number": verdict.number}
        if r is not None:
            data |= {k: v for k, v in r.as_dict().items() if k in keys and k != "number"}
        render_record([Column(k, k) for k in keys], data, fmt)
        return
    params = {"number": verdict.number}
    if r is not None:
        params |= {"name": r.name, "department": r.department_name,
                   "start": r.term_start.isoformat(), "end": r.term_end.isoformat(),
                   "on": r.revoked_on.isoformat() if r.revoked_on else "—",
                   "reason": r.revoked_reason or "—"}
    text = t(f"certificate.verdict.{verdict.outcome}", **params)
    if verdict.ok:
        success(text)
    else:
        message(text, style="red")


# ---------------------------------------------------------------- pre-printed stock


@app.command("layout-test", help=t("help.certificate.layout_test"))
def layout_test(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help=t("help.certificate.opt.layout_test_out"))
                   ] = Path("layout-test.pdf"),
    layout_file: LayoutFileOption = None,
    font: FontOption = None,
) -> None:
    from medisup.documents import layout as layouts
    from medisup.documents import pdf, typefaces
    from medisup.documents.files import Staging, writable_dir

    if out.suffix.lower() != ".pdf":
        raise UsageError(t("certificate.combined_pdf", path=out))
    writable_dir(out.parent if str(out.parent) else Path("."), "--out")
    chosen = layouts.load(layout_file)
    staging = Staging()
    try:
        pdf.layout_test(staging.temp_for(out), typefaces.faces(_configured_font(font)), chosen)
        staging.publish()
    except BaseException:
        staging.discard()
        raise
    message(t("certificate.written", path=out))
