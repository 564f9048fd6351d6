"""Help screens in the user's language: Typer's fixed strings translated, descriptions that
wrap instead of being cut with "…", no framework type names (``<bool>``, ``<list[str]>``,
``[x>=1]``) in the option table, and a command's examples (``examples.toml``) at the end.

Typer renders help with rich; Chinese sentences have no spaces, so rich sees each as one
long word and, inside a table cell, cuts it. Every help text is therefore rendered as one
``Text`` that folds at the cell's width.
"""

from __future__ import annotations

from medisup.i18n import t

_INSTALLED = "_medisup_help_installed"
# Option names kept working for scripts written before the names were made one pattern
# (the date of what is recorded is ``--on``; a department filter is ``--department``);
# help lists only the current name.
ALIASES = frozenset({"--date", "--effective", "--applied-on", "--received", "--received-on",
                     "--under"})


def install_on_demand() -> None:
    """Install the patches below the first time Typer draws a help screen (including the
    one a group shows when given no command), so a command that shows no help never loads
    Typer's help renderer."""
    from typer import core

    for cls in (core.TyperGroup, core.TyperCommand):
        if getattr(cls.format_help, _INSTALLED, False):
            continue
        original = cls.format_help

        def format_help(self, ctx, formatter, _original=original):
            install()
            return _original(self, ctx, formatter)

        setattr(format_help, _INSTALLED, True)
        cls.format_help = format_help


def install() -> None:
    """Patch Typer's help rendering once per process (it only runs when help is shown or an
    error is reported, so start-up pays nothing for it)."""
    from typer import core, rich_utils

    rich_utils.OPTIONS_PANEL_TITLE = t("cli.panel.options")
    rich_utils.COMMANDS_PANEL_TITLE = t("cli.panel.commands")
    rich_utils.ARGUMENTS_PANEL_TITLE = t("cli.panel.arguments")
    rich_utils.ERRORS_PANEL_TITLE = t("cli.panel.errors")
    rich_utils.ABORTED_TEXT = t("cli.aborted")
    rich_utils.DEFAULT_STRING = t("cli.help.default")
    rich_utils.REQUIRED_LONG_STRING = t("cli.help.required")
    rich_utils.ENVVAR_STRING = t("cli.help.envvar")
    rich_utils.RICH_HELP = t("cli.help.try_help")
    if getattr(rich_utils, _INSTALLED, False):
        return
    setattr(rich_utils, _INSTALLED, True)

    original_parameter_help = rich_utils._get_parameter_help
    original_command_help = rich_utils._make_command_help

    def parameter_help(*, param, ctx, markup_mode):
        columns = original_parameter_help(param=param, ctx=ctx, markup_mode=markup_mode)
        return _folding(getattr(columns, "renderables", [columns]))

    def command_help(*, help_text, markup_mode):
        return _folding([original_command_help(help_text=help_text, markup_mode=markup_mode)])

    rich_utils._get_parameter_help = parameter_help
    rich_utils._make_command_help = command_help

    original_options_panel = rich_utils._print_options_panel

    def options_panel(*, name, params, ctx, markup_mode, console):
        # Old option names still work but are not offered: help shows one name a concept.
        saved = [(p, p.opts) for p in params if set(p.opts) & ALIASES]
        try:
            for param, opts in saved:
                param.opts = [o for o in opts if o not in ALIASES] or opts
            return original_options_panel(name=name, params=params, ctx=ctx,
                                          markup_mode=markup_mode, console=console)
        finally:
            for param, opts in saved:
                param.opts = opts

    rich_utils._print_options_panel = options_panel

    original_format_help = rich_utils.rich_format_help

    def format_help(*, obj, ctx, markup_mode):
        original_format_help(obj=obj, ctx=ctx, markup_mode=markup_mode)
        if not hasattr(obj, "list_commands"):
            print_examples(command_path(ctx), rich_utils._get_rich_console())

    rich_utils.rich_format_help = format_help

    def display_type_rich(self, ctx):
        return type_hint(self)

    core.TyperOption.display_type_rich = display_type_rich
    core.TyperArgument.display_type_rich = lambda self, ctx: None

    def usage_display_name(self):
        # Required arguments as plain upper-case names (CODE NAME), optional ones in brackets.
        name = (self.metavar or self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    core.TyperArgument._usage_display_name = usage_display_name

    from typer import _click as click

    original_help_option = click.Command.get_help_option

    def get_help_option(self, ctx):
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = t("cli.help_option")
        return option

    click.Command.get_help_option = get_help_option

    from typer._click import formatting

    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self, prog, args="", prefix=None):
        return original_usage(self, prog, args, t("cli.help.usage") if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage
    core.TyperOption._get_number_range_help_str = lambda self: None
    core.TyperArgument._get_number_range_help_str = lambda self: None


def type_hint(option) -> str | None:
    """What to type after an option, in plain words: nothing for a flag, the choices of an
    enumeration, 日期 / 整数 / 文本, and 可重复 for an option given several times."""
    if getattr(option, "is_flag", False) or getattr(option, "count", False):
        return None
    if option.metavar:
        return option.metavar
    desc = option.type_descriptor
    element = desc.annotation
    if desc.is_list:
        from typing import get_args

        element = (get_args(desc.annotation) or (str,))[0]
    if desc.is_choice:
        hint = "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    elif element is int:
        hint = t("cli.help.type.integer")
    elif element is float:
        hint = t("cli.help.type.number")
    elif desc.is_path:
        hint = t("cli.help.type.path")
    elif desc.is_datetime:
        hint = t("cli.help.type.date")
    else:
        hint = _named_hint(option)
    if desc.is_list:
        hint = t("cli.help.type.repeatable", hint=hint)
    return hint


_DATE_OPTIONS = frozenset({"--on", "--since", "--until", "--as-of", "--start", "--end"})


def _named_hint(option) -> str:
    # A date is read as text (the services accept 2026/1/5 and 2026年1月5日 too); its
    # name says what it is: --on, --since/--until, --as-of, --xxx-on, --xxx-date.
    name = (option.name or "").lower().rstrip("_")
    if (name in {"received", "effective", "date", "ending_before", "date_from", "date_to"}
            or name.endswith(("_on", "_date")) or set(option.opts) & _DATE_OPTIONS):
        return t("cli.help.type.date")
    return t("cli.help.type.text")


def _folding(parts):
    from rich.text import Text

    text = Text(overflow="fold")
    for part in parts:
        if not isinstance(part, Text):
            part = Text(str(getattr(part, "markup", part)))
        if text.plain:
            text.append(" ")
        text.append_text(part)
    return text


def command_path(ctx) -> list[str]:
    """The names of a command below the root (``["lead", "reward", "compute"]``)."""
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return names[::-1]


def examples(path) -> list[tuple[str, str]]:
    """A command's examples as (command line, comment), from the key ``examples.<path>``:
    one example a line, the comment after `` # ``."""
    import re

    from medisup.i18n import DEFAULT_LANGUAGE, catalogue, language

    key = ".".join(("examples", *path))
    text = catalogue(language()).get(key) or catalogue(DEFAULT_LANGUAGE).get(key, "")
    found = []
    for line in filter(str.strip, text.splitlines()):
        command, comment = [*re.split(r"\s+#\s+", line.strip(), maxsplit=1), ""][:2]
        found.append((command.strip(), comment.strip()))
    return found


_INDENT = "   "


def print_examples(path, console) -> None:
    """The 示例 section at the end of a command's help (nothing when it has none)."""
    found = examples(path)
    if not found:
        return
    from rich.text import Text

    console.print(Text(" " + t("cli.panel.examples"), style="bold"))
    for code, comment in example_lines(found, console.width - len(_INDENT)):
        line = Text(_INDENT + code if code or comment else "", overflow="fold")
        line.append(comment, style="dim")
        console.print(line)


def example_lines(found, width: int) -> list[tuple[str, str]]:
    """The examples as lines of (command text, comment text) within ``width`` cells.

    Every comment follows its command on the same line when all of them fit so; otherwise
    each comment goes above its command, and a long command is broken between words with a
    shell continuation (`` \\``), so that lines copied from the screen still run.
    """
    from rich.cells import cell_len

    column = max(cell_len(command) for command, _ in found) + 4
    if all(column + cell_len(f"# {c}") <= width for _, c in found):
        return [(command + " " * (column - cell_len(command)) if comment else command,
                 f"# {comment}" if comment else "") for command, comment in found]
    lines: list[tuple[str, str]] = []
    for number, (command, comment) in enumerate(found):
        if number:
            lines.append(("", ""))
        lines += [("", f"# {part}") for part in _wrap(comment, width - 2)]
        lines += [(part, "") for part in _break_command(command, width)]
    return lines


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells: between words, and anywhere in Chinese."""
    from rich.cells import cell_len

    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:  # a Chinese sentence is one long "word"
            if cell_len(current + char) > width and current:
                lines.append(current)
                current = ""
            current += char
    return [*lines, current] if current else lines


def _break_command(command: str, width: int) -> list[str]:
    import re

    from rich.cells import cell_len

    words = re.findall(r"""(?:[^\s"']+|"[^"]*"|'[^']*')+""", command)
    # An option stays on one line with its value.
    units: list[str] = []
    for word in words:
        if units and units[-1].startswith("-") and " " not in units[-1] \
                and not word.startswith("-"):
            units[-1] += " " + word
        else:
            units.append(word)
    lines, current = [], ""
    for word in units:
        candidate = f"{current} {word}" if current else word
        if current and cell_len(candidate) + 2 > width:  # room for the " \\"
            lines.append(current + " \\")
            current = "    " + word
        else:
            current = candidate
    return [*lines, current]


# Messages the command-line framework writes in English, as the user reads them in Chinese.
_FRAMEWORK_ZH: tuple[tuple[str, str], ...] = (
    (r"No such command '(.+?)'\.", r"没有命令“\1”。"),
    (r"\s*Did you mean (.+?)\?", r"是否要输入 \1？"),
    (r"Got unexpected extra arguments? ?\(?s?\)? \((.+)\)", r"多余的参数：\1"),
    (r"Value error, '(.*?)' is not one of (.+?)\.?$", r"“\1”不是可选值，应为 \2 之一"),
    (r"Input should be a valid integer.*", "应为整数"),
    (r"Input should be a valid (number|decimal).*", "应为数值"),
    (r"Input should be a valid boolean.*", "应为是或否"),
    (r"Input should be a valid date.*", "应为日期（YYYY-MM-DD）"),
    (r"Missing argument '(.+?)'\.?", r"缺少参数 \1"),
    (r"Option '(.+?)' requires an argument\.?", r"选项 \1 需要一个值"),
    (r"Option '(.+?)' does not take a value\.?", r"选项 \1 不接受值"),
)


def translate_framework(text: str) -> str:
    """The framework's English message in the user's language (Chinese by default)."""
    import re

    from medisup.i18n import language

    if language() != "zh":
        return text
    for pattern, replacement in _FRAMEWORK_ZH:
        text = re.sub(pattern, replacement, text)
    return text
