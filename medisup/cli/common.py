"""Helpers shared by the command modules: state, options, prompting, opening the database."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from medisup.config import Settings
from medisup.errors import InvalidValue, UsageError
from medisup.i18n import t
from medisup.render import OutputFormat

if TYPE_CHECKING:
    from medisup.packs import Pack
    from medisup.services.uow import UnitOfWork

T = TypeVar("T")

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help=t("help.opt.format"), case_sensitive=False)
]
RevealOption = Annotated[bool, typer.Option("--reveal", help=t("help.opt.reveal"))]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help=t("help.opt.as_of"), show_default=False)]


@dataclass
class AppState:
    """What the root callback hands to every command."""

    settings: Settings


def settings_of(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):  # a sub-app invoked on its own (tests)
        from medisup.config import load_settings

        root.obj = AppState(load_settings())
    return root.obj.settings


def command_name(ctx: typer.Context) -> str:
    """``dept add``: the command path without the program name, for the audit log."""
    return " ".join(ctx.command_path.split()[1:])


@contextmanager
def open_uow(ctx: typer.Context, *, write: bool = True, orm: bool = True):
    """One unit of work (one transaction) for this command; ``orm=False`` for a read that
    needs no ORM (see ``services.uow``)."""
    from medisup.services.uow import unit_of_work

    with unit_of_work(settings_of(ctx), command=command_name(ctx), write=write,
                      orm=orm) as uow:
        yield uow


def run(ctx: typer.Context, fn: Callable[[UnitOfWork], T], *, write: bool = True,
        orm: bool = True) -> T:
    with open_uow(ctx, write=write, orm=orm) as uow:
        return fn(uow)


def parse_date(value: str | None, field: str) -> date | None:
    """A date from the command line in any form the workbook reader takes (2026-01-05,
    2026/1/5, 2026.1.5, 2026年1月5日, 20260105, full-width digits); ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        pass
    from medisup.excel.normalise import parse_date as read_date

    day = read_date(value)
    if isinstance(day, date):  # a MonthDate is not asked for here
        return day
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value[:80])
    raise InvalidValue(field, shown, t("common.expect_date_forms"))


def as_of(value: str | None) -> date:
    return parse_date(value, "--as-of") or date.today()


# ---------------------------------------------------------------- prompting


def can_prompt(ctx: typer.Context) -> bool:
    return not settings_of(ctx).no_input and sys.stdin.isatty()


def require(ctx: typer.Context, missing: Sequence[str]) -> None:
    """With no terminal (or ``--no-input``), missing required options are a usage error."""
    if missing:
        raise UsageError(t("cli.missing_options", options=", ".join(missing)))


# ---------------------------------------------------------------- shared look-ups and text


def department_pack(ctx: typer.Context, department: str | None) -> Pack:
    """The pack of the department named (default: the operator's own), in scope."""
    from medisup.services.departments import check_department, pack_of

    return run(ctx, lambda uow: pack_of(uow.session, check_department(uow, department).code),
               write=False)


def masked(id_number: str) -> str:
    """An ID number as messages show it (masked)."""
    from medisup.services.masking import mask_id_number

    return mask_id_number(id_number) or id_number


def printable(text: str) -> str:
    """Control characters a user typed (escape sequences, NUL) shown escaped, never sent raw
    to the terminal inside an error message."""
    if len(text) > 600:  # a 10 kB value typed by mistake is not echoed back in full
        text = text[:400] + t("cli.limits.cut", count=len(text)) + text[-100:]
    return "".join(
        c if c in "\n\t" or c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256
        else f"\\u{ord(c):04x}" for c in text)


# ---------------------------------------------------------------- help and usage text


def usage_message(exc) -> str:
    """A one-line message for a command-line error, in the user's language."""
    from typer._click import exceptions as click

    from medisup.cli.help import translate_framework

    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        names = "/".join(getattr(exc.param, "opts", []) or [exc.param.name or ""])
        return t("cli.missing_options", options=names)
    if isinstance(exc, click.NoSuchOption):
        return t("cli.no_such_option", option=exc.option_name)
    if isinstance(exc, click.BadParameter):
        name = "/".join(getattr(exc.param, "opts", []) or []) if exc.param else ""
        return t("cli.bad_parameter", option=name, problem=translate_framework(exc.message))
    if isinstance(exc, click.UsageError):
        hint = ""
        if exc.ctx is not None:
            hint = " " + t("cli.see_help", command=exc.ctx.command_path)
        return t("cli.usage", problem=translate_framework(exc.format_message())) + hint
    return translate_framework(exc.format_message())


def typed_back(text: str, argv: Sequence[str], terminal: bool) -> str:
    """An error about an ID number the clerk just typed shows it as typed when they read it
    at a terminal (it is on their screen already, and a masked echo hides the typo they
    must find); logs and scripts keep the masked form."""
    if not terminal or "*" not in text:
        return text
    for word in argv:
        clean = word.rpartition("=")[2].strip().upper()
        if len(clean) == 18 and clean[:17].isdigit():
            text = text.replace(clean[:6] + "*" * 8 + clean[-4:], clean)
    return text
