"""``medisup --help`` (and ``medisup`` alone), drawn without loading any command.

The command modules are loaded only when a command runs (see ``cli.COMMANDS``), and Typer's
own help renderer pulls in rich, markdown and syntax highlighting before it draws anything;
the first screen a new user sees is drawn here with the standard library alone, in the same
layout as every other help screen (usage, description, the global options and the commands
with their one-line summaries from the catalogue, in rounded panels).  Chinese text wraps
between any two characters, never before closing punctuation.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import unicodedata
from typing import Any

from medisup.i18n import t

NAME, SHORT, KIND, BORDER = "1;36", "1;32", "1;33", "2"  # ANSI: bold cyan, bold green …
_TOKEN = re.compile(r"[\x21-\x7e]+|\S")  # a run of Latin letters and digits, or one character
_CLOSING = "，。；：、）》」』！？,.;:)!?"


def render(group: Any, ctx: Any, commands: list[tuple[str, str]]) -> None:
    """Print the root help: ``commands`` are (name, one-line help) in menu order."""
    from medisup.cli.help import ALIASES

    width = max(shutil.get_terminal_size((80, 24)).columns, 40)
    paint = _painter()
    usage = f"{t('cli.help.usage')}{ctx.command_path} [OPTIONS] COMMAND [ARGS]..."
    lines = ["", " " + paint(usage, "1"), ""]
    if group.help:
        lines += [" " + line for line in wrap(group.help.strip(), width - 2)] + [""]

    options = []
    for param in group.get_params(ctx):
        if getattr(param, "hidden", False) or not getattr(param, "opts", None):
            continue
        long = [o for o in param.opts if o.startswith("--") and o not in ALIASES]
        short = [o for o in (*param.opts, *param.secondary_opts) if not o.startswith("--")]
        kind = "" if getattr(param, "is_flag", False) else t("cli.help.type.text")
        text = t("cli.help_option") if param.name == "help" else (param.help or "")
        options.append(((",".join(long), NAME), (",".join(short), SHORT), (kind, KIND), text))
    lines += panel(t("cli.panel.options"), options, width, paint)
    listing = [((name, NAME), summary) for name, summary in commands]
    lines += panel(t("cli.panel.commands"), listing, width, paint)
    sys.stdout.write("\n".join(lines) + "\n")


def panel(title: str, rows: list[tuple], width: int, paint) -> list[str]:
    """A rounded panel of ``rows``: each some fixed (text, style) cells and a last cell of
    text that wraps in the room left."""
    fixed = len(rows[0]) - 1 if rows else 0
    widths = [max(cells(row[i][0]) for row in rows) for i in range(fixed)]
    room = max(width - 4 - sum(widths) - 2 * fixed, 10)
    head = f"╭─ {title} "
    out = [paint(head + "─" * max(width - cells(head) - 1, 0) + "╮", BORDER)]
    for row in rows:
        for n, line in enumerate(wrap(row[-1], room) or [""]):
            left = [(text if n == 0 else "", style) for text, style in row[:-1]]
            body = "".join(paint(text, style) + " " * (w - cells(text) + 2)
                           for (text, style), w in zip(left, widths, strict=True))
            tail = line + " " * (room - cells(line))
            out.append(f"{paint('│', BORDER)} {body}{tail} {paint('│', BORDER)}")
    out.append(paint("╰" + "─" * max(width - 2, 0) + "╯", BORDER))
    return out


def wrap(text: str, room: int) -> list[str]:
    """``text`` in lines of at most ``room`` terminal cells: Latin words stay whole (cut
    only when longer than a line), Chinese breaks between characters, and closing
    punctuation stays with what it closes."""
    tokens: list[tuple[str, bool]] = []  # (token, a space before it)
    for match in _TOKEN.finditer(text):
        token, spaced = match.group(), match.start() > 0 and text[match.start() - 1] == " "
        if token in _CLOSING and tokens and not spaced:
            tokens[-1] = (tokens[-1][0] + token, tokens[-1][1])
        else:
            tokens.append((token, spaced))
    lines, line = [], ""
    for token, spaced in tokens:
        joined = line + (" " if spaced and line else "") + token
        if cells(joined) <= room:
            line = joined
            continue
        if line:
            lines.append(line)
        line = token
        while cells(line) > room:  # a word longer than the line
            cut = _fit(line, room)
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def cells(text: str) -> int:
    """Terminal columns ``text`` takes: two for a wide (Chinese) character."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, room: int) -> int:
    used = 0
    for n, char in enumerate(text):
        used += cells(char)
        if used > room:
            return max(n, 1)
    return len(text)


def _painter():
    """ANSI styles on a terminal (unless NO_COLOR is set); plain text anywhere else."""
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        return lambda text, style: text
    return lambda text, style: f"\x1b[{style}m{text}\x1b[0m" if text else text
