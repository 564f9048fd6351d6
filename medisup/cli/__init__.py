"""The ``medisup`` command: the root app, its global options, and the one place where
errors become messages and exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from medisup import __version__
from medisup.errors import Cancelled, ExitStatus, MedisupError
from medisup.i18n import t

# Every command under the root, in menu order: name → (module under medisup.cli, the Typer
# app or command function in it, help key).  A module is imported only when its command
# runs (or help below the root is shown), so `medisup --help` and each command load only
# what they use.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("db", "init", "help.init"),
    "check": ("lead", "check_command", "help.check"),
    "dept": ("dept", "app", "help.dept.group"),
    "pack": ("pack", "app", "help.pack.group"),
    "supervisor": ("supervisor", "app", "help.supervisor.group"),
    "lead": ("lead", "app", "help.lead.group"),
    "certificate": ("certificate", "app", "help.certificate.group"),
    "activity": ("activity", "app", "help.activity.group"),
    "review": ("review", "app", "help.review.group"),
    "import": ("imports", "app", "help.import.group"),
    "export": ("exports", "app", "help.export.group"),
    "audit": ("audit", "app", "help.audit.group"),
    "db": ("db", "app", "help.db.group"),
}


def _load(name: str) -> Any:
    """The click command ``name`` stands for, built from its module on first use."""
    from importlib import import_module

    module, attribute, help_key = COMMANDS[name]
    target = getattr(import_module(f"medisup.cli.{module}"), attribute)
    # Built under a stand-in root exactly as under the real one (same help, no completion
    # options of its own), then taken out of it.
    holder = typer.Typer(add_completion=False, rich_markup_mode="rich")
    holder.callback()(lambda: None)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name, help=t(help_key))
    else:  # a command function directly under the root
        holder.command(name, help=t(help_key))(target)
    return typer.main.get_command(holder).commands[name]


class _Commands(Mapping):
    """The root's commands, each loaded when it is first looked up."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = _load(name)  # KeyError for a name not in COMMANDS
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class MedisupGroup(TyperGroup):
    """The root group: commands loaded on first use, its own help screen, and every
    failure turned into one line on stderr and an exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands()

    def format_help(self, ctx, formatter) -> None:
        from medisup.cli import root_help

        root_help.render(self, ctx, [(name, t(key)) for name, (_, _, key) in COMMANDS.items()])

    def invoke(self, ctx):
        # Typer turns an interrupt into a silent exit 130 before main() could say so.
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Cancelled() from None

    def parse_args(self, ctx, args):
        # --install-completion / --show-completion read the shell named after them, if any.
        ctx.meta[_ROOT_ARGS] = list(args)
        return super().parse_args(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from typer._click import exceptions as click

        args = list(sys.argv[1:] if args is None else args)
        if os.environ.get(complete_var or _COMPLETE_VAR):
            # A shell asking for completions (the script --show-completion prints): Typer's
            # completion classes are registered only now, so other runs pay nothing for them.
            from typer._completion_classes import completion_init

            completion_init()
        debug = "--debug" in args or os.environ.get("MEDISUP_DEBUG") == "1"
        from medisup.cli.help import install_on_demand

        install_on_demand()  # help screens below the root in the user's language
        try:
            status = super().main(args, prog_name or "medisup", complete_var,
                                  standalone_mode=False, **extra)
        except MedisupError as exc:
            if debug:
                _print_traceback()
            _error(exc.message)
            status = exc.exit_status
        except click.NoArgsIsHelpError:
            # `medisup dept` alone: the group's help was drawn as the error was made.
            status = ExitStatus.USAGE
        except click.ClickException as exc:
            if debug:
                _print_traceback()
            from medisup.cli.common import usage_message

            _error(usage_message(exc))
            status = ExitStatus.USAGE if isinstance(exc, click.UsageError) else exc.exit_code
        except OverflowError:
            # A number typed on the command line too large for any column or date.
            if debug:
                _print_traceback()
            _error(t("cli.limits.too_large", maximum=f"{2**31 - 1:,}"))
            status = ExitStatus.USAGE
        except OSError as exc:
            # A file the user named that cannot be read or written (a bad path, a full disk).
            if debug:
                _print_traceback()
            _error(t("cli.limits.file_error", path=exc.filename or "", problem=exc.strerror or exc))
            status = ExitStatus.DATA
        except (typer.Abort, KeyboardInterrupt, Cancelled):
            _error(t("cli.aborted"))
            status = 130
        except Exception as exc:  # a defect or an unexpected environment problem
            if debug:
                _print_traceback()
            problem = str(exc).splitlines()[0] if str(exc) else ""
            _error(t("cli.internal", kind=type(exc).__name__, problem=problem))
            status = ExitStatus.DATA
        if not isinstance(status, int):
            status = 0
        if standalone_mode:
            sys.exit(int(status))
        return int(status)


app = typer.Typer(
    cls=MedisupGroup,
    name="medisup",
    help=t("help.app"),
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # locals hold personal data; main() reports errors
    rich_markup_mode="rich",
    # Completion is offered by the root's own --install-completion / --show-completion
    # below: help in the user's language, and nothing registered until it is used.
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_ROOT_ARGS = "medisup.root_args"
_COMPLETE_VAR = "_MEDISUP_COMPLETE"
_SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"medisup {__version__}")
        raise typer.Exit()


def _completion(ctx: typer.Context, param: typer.CallbackParam, value: bool) -> None:
    """Print (--show-completion) or install (--install-completion) the shell's completion
    script: for the shell named after the option, else the one running this command."""
    if not value or ctx.resilient_parsing:
        return
    from typer import _completion_shared as completion

    option = param.opts[0]
    args = ctx.meta.get(_ROOT_ARGS, [])
    after = args[args.index(option) + 1:] if option in args else []
    if after and not after[0].startswith("-"):
        shell = after[0]
    else:
        shell = completion._get_shell_name() or os.path.basename(os.environ.get("SHELL", ""))
        if not shell:
            _error(t("cli.completion.unknown_shell", option=option))
            raise typer.Exit(ExitStatus.USAGE)
    if shell not in _SHELLS:
        _error(t("cli.completion.unsupported", shell=shell))
        raise typer.Exit(ExitStatus.USAGE)
    prog_name = ctx.find_root().info_name or "medisup"
    complete_var = "_{}_COMPLETE".format(prog_name.replace("-", "_").upper())
    if param.name == "show_completion":
        typer.echo(completion.get_completion_script(prog_name=prog_name,
                                                    complete_var=complete_var, shell=shell))
    else:
        shell, path = completion.install(shell=shell, prog_name=prog_name,
                                         complete_var=complete_var)
        from medisup.render import message

        message(t("cli.completion.installed", shell=shell, path=path), style="green")
        message(t("cli.completion.restart"))
    raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help=t("help.opt.db"), show_default=False)] = None,
    dept: Annotated[str | None, typer.Option("--dept", help=t("help.opt.dept"))] = None,
    operator: Annotated[str | None, typer.Option("--operator", help=t("help.opt.operator"))] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help=t("help.opt.no_input"))] = False,
    debug: Annotated[bool, typer.Option("--debug", help=t("help.opt.debug"))] = False,
    excel: Annotated[bool, typer.Option("--excel", help=t("help.opt.excel"))] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=t("help.opt.version"))
    ] = False,
    install_completion: Annotated[bool, typer.Option(
        "--install-completion", callback=_completion, is_eager=True, expose_value=False,
        help=t("help.opt.install_completion"))] = False,
    show_completion: Annotated[bool, typer.Option(
        "--show-completion", callback=_completion, is_eager=True, expose_value=False,
        help=t("help.opt.show_completion"))] = False,
) -> None:
    from medisup.cli.common import AppState
    from medisup.config import load_settings
    from medisup.render import set_csv_bom

    set_csv_bom(excel)
    settings = load_settings().with_options(
        database_url=db, dept=dept, operator=operator,
        no_input=no_input or None, debug=debug or None,
    )
    ctx.obj = AppState(settings)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    command = typer.main.get_command(app)
    command.main(args=argv, prog_name="medisup")


def _print_traceback() -> None:
    """--debug: the whole Python traceback (the module loads only then)."""
    import traceback

    traceback.print_exc()


def _error(text: str) -> None:
    from medisup.cli.common import printable, typed_back
    from medisup.render import message

    message(printable(typed_back(text, sys.argv[1:], sys.stderr.isatty())), style="red")
