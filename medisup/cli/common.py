"""Helpers shared by the command modules: state, options, prompting, opening the database."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from medisup.cli.prompts import Prompter  # noqa: F401 - the seam, re-exported for commands
from medisup.config import Settings
from medisup.errors import InvalidValue, UsageError
from medisup.i18n import t
from medisup.render import OutputFormat

if TYPE_CHECKING:
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
def open_uow(ctx: typer.Context, *, write: bool = True):
    """One unit of work (one transaction) for this command."""
    from medisup.services.uow import unit_of_work

    with unit_of_work(settings_of(ctx), command=command_name(ctx), write=write) as uow:
        yield uow


def run(ctx: typer.Context, fn: Callable[[UnitOfWork], T], *, write: bool = True) -> T:
    with open_uow(ctx, write=write) as uow:
        return fn(uow)


def parse_date(value: str | None, field: str) -> date | None:
    """An ISO date from the command line (``2026-01-05``); ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(field, value, t("common.expect_date")) from None


def as_of(value: str | None) -> date:
    return parse_date(value, "--as-of") or date.today()


# ---------------------------------------------------------------- prompting


def can_prompt(ctx: typer.Context) -> bool:
    return not settings_of(ctx).no_input and sys.stdin.isatty()


def require(ctx: typer.Context, missing: Sequence[str]) -> None:
    """With no terminal (or ``--no-input``), missing required options are a usage error."""
    if missing:
        raise UsageError(t("cli.missing_options", options=", ".join(missing)))


_prompter: Prompter | None = None


def prompter() -> Prompter:
    global _prompter
    if _prompter is None:
        _prompter = Prompter()
    return _prompter


def set_prompter(value: Prompter | None) -> None:
    """Tests install a prompter bound to a pipe input."""
    global _prompter
    _prompter = value


# ---------------------------------------------------------------- help and usage text


def localise_help() -> None:
    """Help screens and Typer's own texts in the user's language (see ``cli.help``)."""
    from medisup.cli.help import install

    install()


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
