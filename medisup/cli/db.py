"""``medisup init`` and ``medisup db``: create, upgrade, inspect and back up the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medisup.cli.common import FormatOption, settings_of
from medisup.cli.prompts import YesOption, prompter
from medisup.i18n import t
from medisup.render import Column, OutputFormat, message, render_record, success

app = typer.Typer(no_args_is_help=True)

QUOTA_MAX = 1_000_000  # far above any bureau's corps; keeps the value inside the column


def init(
    ctx: typer.Context,
    code: Annotated[str | None, typer.Option("--code", help=t("help.opt.first_code"))] = None,
    name: Annotated[str | None, typer.Option("--name", help=t("help.opt.first_name"))] = None,
    pack: Annotated[str | None, typer.Option("--pack", help=t("help.opt.pack"))] = None,
    quota: Annotated[int | None, typer.Option("--quota", help=t("help.opt.quota"))] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help=t("help.opt.save_config"))] = True,
) -> None:
    from medisup.cli import common
    from medisup.config import config_file_values, save_settings
    from medisup.services import database

    settings = settings_of(ctx)
    _check_quota(quota)
    asked: dict = {}
    if not (code and name and pack) and common.can_prompt(ctx) \
            and database.has_departments(settings) is not True:
        wizard = _init_wizard(ctx, code=code, name=name, pack=pack, quota=quota)
        result = wizard.run(ctx, lambda a: _initialise(ctx, {
            "code": code, "name": name, "pack": pack, "quota": quota, **a}),
            lambda a: {k: v for k, v in a.items() if k != "operator"})
        asked = wizard.answers
        if asked.get("operator"):
            settings = settings.with_options(operator=asked["operator"])
    else:
        result = _initialise(ctx, {"code": code, "name": name, "pack": pack, "quota": quota})
    _report_migration(settings, result.before, result.after)
    if result.audit_key:
        message(t("audit.key.created", path=result.audit_key))
    if result.department is not None:
        d = result.department
        success(t("init.first_dept", code=d.code, name=d.name, pack=d.pack))
    else:
        message(t("init.has_depts", count=result.existing_departments))
    if save and result.department is not None:
        current = config_file_values()
        values = {}
        if not current.get("dept"):
            values["dept"] = result.department.code
        if settings.sources.get("database") != "default" or ctx.find_root().params.get("db"):
            if not current.get("database"):
                values["database"] = settings.database_url
        if asked.get("operator") and asked["operator"] != current.get("operator"):
            values["operator"] = asked["operator"]
        if values:
            path = save_settings(**values)
            message(t("init.saved_config", path=path, keys=", ".join(sorted(values))))


def _check_quota(quota: int | None) -> None:
    if quota is not None and not 0 <= quota <= QUOTA_MAX:
        from medisup.errors import UsageError

        raise UsageError(t("error.invalid_value", field="--quota", value=quota,
                           expected=t("db.quota_range", max=QUOTA_MAX)))


def _initialise(ctx: typer.Context, a: dict):
    from medisup.services import database

    settings = settings_of(ctx)
    if a.get("operator"):
        settings = settings.with_options(operator=a["operator"])
    return database.initialise(settings, code=a["code"], name=a["name"], pack=a["pack"],
                               quota=a["quota"], command="init")


def _init_wizard(ctx: typer.Context, *, code, name, pack, quota):
    """The first department, asked for in a terminal: the code checked at its question, the
    pack preselected from the code's province, the quota and who is operating."""
    from medisup.cli.prompts import Wizard, required, validator
    from medisup.packs import available_packs, load_pack
    from medisup.services import departments
    from medisup.services.uow import _check_operator

    p = prompter()
    w = Wizard(t("wizard.init.title"))
    w.given(t("field.dept_code"), code)
    w.given(t("field.dept_name"), name)
    w.given(t("wizard.init.pack"), pack)
    w.given(t("field.quota"), quota)

    def province_pack(a: dict) -> str | None:
        region = departments.PROVINCES.get((a.get("code") or code or "")[:2])
        return next((n for n in available_packs() if load_pack(n).region == region), None)

    def as_quota(text: str) -> int | None:
        text = text.strip()
        if not text:
            return None
        if not text.isdigit():
            from medisup.errors import UsageError

            raise UsageError(t("error.invalid_value", field="--quota", value=text,
                               expected=t("db.quota_range", max=QUOTA_MAX)))
        _check_quota(int(text))
        return int(text)

    if not code:
        w.step("code", t("field.dept_code"), lambda prior: departments.validate_code(p.text(
            t("init.ask_code"), default=prior or "", validate=validator(departments.validate_code))))
    if not name:
        w.step("name", t("field.dept_name"), lambda prior: p.text(
            t("init.ask_name"), default=prior or "", validate=required).strip())
    if not pack:
        w.step("pack", t("wizard.init.pack"), lambda prior: p.select(
            t("init.ask_pack"), [(n, f"{n}  {load_pack(n).regulation}") for n in available_packs()],
            default=province_pack(w.answers) or prior), depends=("code",))
    if quota is None:
        w.step("quota", t("field.quota"), lambda prior: as_quota(p.text(
            t("wizard.init.ask_quota"), default="" if prior is None else str(prior),
            validate=validator(as_quota))))
    operator = settings_of(ctx).operator
    w.step("operator", t("wizard.init.operator"), lambda prior: p.text(
        t("wizard.init.ask_operator"), default=prior or operator or "",
        validate=lambda v: required(v) if not v.strip() else validator(_check_operator)(v.strip())
    ).strip())
    return w


@app.command("upgrade", help=t("help.db.upgrade"))
def upgrade(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    from medisup.db import describe_url
    from medisup.services import database

    settings = settings_of(ctx)
    before, after = database.migrate(settings)
    if fmt is OutputFormat.table:
        _report_migration(settings, before, after)
        return
    render_record([Column("url", t("col.database")), Column("before", t("col.before")),
                   Column("after", t("col.after"))],
                  {"url": describe_url(settings.database_url), "before": before, "after": after},
                  fmt)


def _report_migration(settings, before: str | None, after: str | None) -> None:
    """One line for people: the database file and the structure version as a number; the
    migration ids (``0006_lead_open_index``) only with ``--debug``."""
    where, version = database_place(settings.database_url), schema_version(after)
    if before is None:
        success(t("db.created", where=where, version=version))
    elif before != after:
        success(t("db.upgraded", where=where, version=version))
    else:
        message(t("db.up_to_date", where=where, version=version))
    if settings.debug:
        message(t("db.revisions", before=before or "—", after=after or "—"), style="dim")


def database_place(url: str) -> str:
    """Where the database is, as people name it: a SQLite file's path, else the URL
    with any password hidden."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from medisup.db import describe_url

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(Path(parsed.database).expanduser().absolute())
    return describe_url(url)


def schema_version(revision: str | None) -> str:
    """``0006_lead_open_index`` → ``6``: the position among the program's migrations (an id
    this release does not know is shown as it is)."""
    from medisup.db import REVISIONS

    if revision in REVISIONS:
        return str(REVISIONS.index(revision) + 1)
    return revision or "—"


@app.command("current", help=t("help.db.current"))
def current(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    from medisup.services import database

    settings = settings_of(ctx)
    rev = database.revision(settings)
    fields = [Column("url", t("col.database")), Column("current", t("col.revision")),
              Column("head", t("col.head")), Column("state", t("col.state"))]
    if fmt is not OutputFormat.table:
        render_record(fields, {"url": rev.url, "current": rev.current, "head": rev.head,
                               "state": rev.state}, fmt)
        return

    def version(revision: str | None) -> str:
        if revision is None:
            return t("db.state.uninitialised")
        shown = t("db.version", version=schema_version(revision))
        return f"{shown}（{revision}）" if settings.debug else shown

    render_record(fields, {"url": database_place(settings.database_url),
                           "current": version(rev.current), "head": version(rev.head),
                           "state": t(f"db.state.{rev.state}")}, fmt)


@app.command("backup", help=t("help.db.backup"))
def backup(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help=t("help.arg.backup_file"), show_default=False)],
) -> None:
    from medisup.services import database

    settings = settings_of(ctx)
    done = database.backup(settings, target)
    success(t("db.backup_done", path=done.path, size=human_size(done.size)))
    if settings.debug:
        message(t("db.backup_method", method=done.method), style="dim")


def human_size(size: int) -> str:
    """``2.4 MB``: bytes in the unit people read (a backup's size is a sanity check)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


@app.command("restore", help=t("help.db.restore"))
def restore(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help=t("help.arg.restore_file"), show_default=False)],
    yes: YesOption = False,
) -> None:
    from medisup.cli.prompts import confirm_destructive
    from medisup.db import HEAD_REVISION
    from medisup.services import database

    confirm_destructive(ctx, t("db.confirm_restore", file=source.name), yes=yes)
    done = database.restore(settings_of(ctx), source)
    success(t("db.restore_done", file=source.name, path=done.path,
              version=schema_version(done.revision), entries=done.entries))
    if done.kept is not None:
        message(t("db.restore_kept", path=done.kept))
    if done.revision != HEAD_REVISION:
        message(t("db.restore_upgrade"))
