"""``medisup --help`` (and ``medisup`` alone), drawn without loading any command.

The command modules are loaded only when a command runs (see ``cli.COMMANDS``), and Typer's
own help renderer pulls in markdown and syntax highlighting before it draws anything; the
first screen a new user sees is drawn here instead, with rich's panel and table alone, in
the same layout as every other help screen: usage, description, the global options and the
commands with their one-line summaries from the catalogue.
"""

from __future__ import annotations

from typing import Any

from medisup.i18n import t

OPTION_STYLE = "bold cyan"
TYPE_STYLE = "bold yellow"


def render(group: Any, ctx: Any, commands: list[tuple[str, str]]) -> None:
    """Print the root help: ``commands`` are (name, one-line help) in menu order."""
    from rich.console import Console
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.text import Text

    from medisup.cli.help import ALIASES

    console = Console()
    usage = f"{t('cli.help.usage')}{ctx.command_path} [OPTIONS] COMMAND [ARGS]..."
    console.print(Padding(Text(usage, style="bold"), 1))
    if group.help:
        console.print(Padding(Text(group.help.strip()), (0, 1, 1, 1)))

    options = _table(ratio=True)
    for param in group.get_params(ctx):
        if getattr(param, "hidden", False) or not getattr(param, "opts", None):
            continue
        long = [o for o in param.opts if o.startswith("--") and o not in ALIASES]
        short = [o for o in (*param.opts, *param.secondary_opts) if not o.startswith("--")]
        hint = None if getattr(param, "is_flag", False) else t("cli.help.type.text")
        help_text = t("cli.help_option") if param.name == "help" else (param.help or "")
        options.add_row(Text(",".join(long), style=OPTION_STYLE),
                        Text(",".join(short), style="bold green"),
                        Text(hint or "", style=TYPE_STYLE),
                        Text(help_text, overflow="fold"))
    console.print(_panel(Panel, options, t("cli.panel.options")))

    listing = _table(ratio=False)
    for name, summary in commands:
        listing.add_row(Text(name, style=OPTION_STYLE), Text(summary, overflow="fold"))
    console.print(_panel(Panel, listing, t("cli.panel.commands")))


def _table(*, ratio: bool) -> Any:
    from rich.table import Table

    table = Table(highlight=False, show_header=False, expand=True, box=None,
                  padding=(0, 1), pad_edge=False)
    if ratio:  # long name, short name, what to type, help
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=10)
    else:
        table.add_column(no_wrap=True)
        table.add_column(ratio=10)
    return table


def _panel(panel: Any, table: Any, title: str) -> Any:
    return panel(table, border_style="dim", title=title, title_align="left")
