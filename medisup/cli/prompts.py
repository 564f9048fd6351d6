"""Interactive prompting: the questionary seam in the user's language, the wizard that checks
each answer, shows a summary and keeps the answers when saving fails, and the confirmation
that destructive commands ask for.

Over 400 lines: the prompter, the wizard and the choice wrapping are one seam, which tests
replace as a whole.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer

from medisup.errors import Cancelled, MedisupError, UsageError  # noqa: F401 (Cancelled: re-exported)
from medisup.i18n import t

T = TypeVar("T")

YesOption = Annotated[bool, typer.Option("--yes", "-y", help=t("wizard.help_yes"))]


def validator(check: Callable[[str], Any]) -> Callable[[str], bool | str]:
    """A prompt validator from a function that raises ``MedisupError`` on bad input: the
    prompt shows the same message the command would print."""

    def validate(text: str) -> bool | str:
        try:
            check(text)
        except MedisupError as exc:
            return exc.message
        return True

    return validate


def required(text: str) -> bool | str:
    return bool(text.strip()) or t("wizard.required")


# ---------------------------------------------------------------- questionary in Chinese

_localised = False


def _localise_questionary() -> None:
    """questionary's own words (``(y/N)``, ``Yes``, ``done (2 selections)``) in the user's
    language; they are module constants and a literal, so they are replaced once."""
    global _localised
    if _localised:
        return
    _localised = True
    from questionary.prompts import common as qcommon
    from questionary.prompts import confirm as qconfirm

    qconfirm.YES = t("wizard.q.yes")
    qconfirm.NO = t("wizard.q.no")
    qconfirm.YES_OR_NO = t("wizard.q.yes_or_no")
    qconfirm.NO_OR_YES = t("wizard.q.no_or_yes")
    qcommon.INVALID_INPUT = t("wizard.required")
    original = qcommon.create_inquirer_layout

    def create_inquirer_layout(ic, get_prompt_tokens, **kwargs):
        def tokens():
            out = []
            for style, text, *rest in get_prompt_tokens():
                if style == "class:answer" and ic.is_answered:
                    text = answer_text(text, [
                        c.title if isinstance(c.title, str) else "".join(x[1] for x in c.title)
                        for c in ic.get_selected_values()])
                out.append((style, text, *rest))
            return out

        return original(ic, tokens, **kwargs)

    qcommon.create_inquirer_layout = create_inquirer_layout


def answer_text(text: str, ticked: Sequence[str]) -> str:
    """The answer line of a choice: the label without its article; for a multi-select the
    labels ticked instead of questionary's ``done (2 selections)``."""
    if text == "done" or text.startswith("done ("):
        if not ticked:
            return t("wizard.q.none_chosen")
        return t("wizard.q.chosen", items=t("wizard.list_sep").join(_short(x) for x in ticked))
    if text.startswith("[") and text.endswith("]"):  # one box ticked
        text = text[1:-1]
    return _short(text)


def _short(title: str) -> str:
    """A chosen item as the answer line shows it: its label without the article."""
    return unwrap(title).split("  ", 1)[0]


# A choice wider than the terminal goes on over the next lines, indented under its text:
# prompt_toolkit would cut it at the edge, and the article at its end is the part that
# tells two similar items apart.
_CONTINUE = "\n    "


def wrap_choice(label: str, width: int) -> str:
    """``label`` broken into lines of at most ``width`` cells (CJK characters count two),
    preferring the two-space breaks between label, article and hint; :func:`unwrap` gives
    the label back exactly."""
    from rich.cells import cell_len

    room = max(width - 5, 12)  # the pointer and box before the text, and a margin
    if cell_len(label) <= room:
        return label
    lines: list[str] = []
    line = ""
    for part in _pieces(label):
        if line and cell_len(line + part) > room:
            lines.append(line)
            line = ""
        while cell_len(part) > room:  # one piece longer than a line: cut by cells
            cut = _fit_cells(part, room - cell_len(line))
            if not cut:
                lines.append(line)
                line = ""
                continue
            lines.append(line + part[:cut])
            line, part = "", part[cut:]
        line += part
    lines.append(line)
    return _CONTINUE.join(x for x in lines if x)


def _pieces(label: str) -> list[str]:
    """The label cut after each run of two spaces, the separators kept with the piece."""
    out, rest = [], label
    while "  " in rest:
        head, rest = rest.split("  ", 1)
        out.append(head + "  ")
    out.append(rest)
    return [p for p in out if p]


def _fit_cells(text: str, room: int) -> int:
    from rich.cells import cell_len

    n = 0
    while n < len(text) and cell_len(text[: n + 1]) <= room:
        n += 1
    return n


def unwrap(title: str) -> str:
    return title.replace(_CONTINUE, "")


def _choice_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


class Prompter:
    """The seam between commands and questionary; tests drive it through a pipe input."""

    def __init__(self, input=None, output=None) -> None:
        self._kw: dict[str, Any] = {}
        if input is not None:
            self._kw["input"] = input
        if output is not None:
            self._kw["output"] = output

    def _ask(self, question) -> Any:
        # unsafe_ask: Ctrl-C raises KeyboardInterrupt, which the root command reports.
        return question.unsafe_ask()

    def text(self, message: str, *, default: str = "",
             validate: Callable[[str], bool | str] | None = None) -> str:
        import questionary

        _localise_questionary()
        return self._ask(questionary.text(message, default=default or "", validate=validate,
                                          **self._kw))

    def select(self, message: str, choices: Sequence[tuple[str, str]], *,
               default: str | None = None) -> str:
        import questionary

        _localise_questionary()
        width = _choice_width()
        options = [questionary.Choice(title=wrap_choice(label, width), value=value)
                   for value, label in choices]
        chosen = next((o for o in options if o.value == default), None)
        return self._ask(questionary.select(message, choices=options, default=chosen,
                                            instruction=t("wizard.q.select_hint"), **self._kw))

    def checkbox(self, message: str, choices: Sequence[tuple[str, str]], *,
                 default: Sequence[str] = (), at_least_one: bool = True) -> list[str]:
        import questionary

        _localise_questionary()
        width = _choice_width()
        options = [questionary.Choice(title=wrap_choice(label, width), value=value,
                                      checked=value in default) for value, label in choices]

        def validate(picked: list) -> bool | str:
            return bool(picked) or not at_least_one or t("wizard.q.at_least_one")

        return self._ask(questionary.checkbox(message, choices=options, validate=validate,
                                              instruction=t("wizard.q.checkbox_hint"),
                                              **self._kw))

    def confirm(self, message: str, *, default: bool = True) -> bool:
        import questionary

        _localise_questionary()
        return self._ask(questionary.confirm(message, default=default, **self._kw))


# ---------------------------------------------------------------- the one prompter


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


# ---------------------------------------------------------------- destructive commands


def confirm_destructive(ctx: typer.Context, summary: str, *, yes: bool) -> None:
    """Before a destructive write: ``--yes`` goes ahead; ``--no-input`` without ``--yes``
    is a usage error (exit 2) naming ``--yes``, and so is a run without a terminal to ask
    in (a script, a cron job, input from a pipe): nothing destructive happens unasked.  In
    a terminal the user reads ``summary`` and confirms (declining raises
    :class:`Cancelled`)."""
    from medisup.cli import common
    from medisup.render import warning

    if yes:
        return
    if not common.can_prompt(ctx):
        raise UsageError(t("wizard.needs_yes", summary=summary))
    warning(summary)
    if not prompter().confirm(t("wizard.proceed"), default=False):
        raise Cancelled()


# ---------------------------------------------------------------- the equivalent command line


def _option_args(param, value) -> list[str]:
    if value is None or value == [] or value == () or param.expose_value is False:
        return []
    if isinstance(value, Enum):
        value = value.value
    if param.param_type_name == "argument":
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    opts = [o for o in param.opts if o.startswith("--")] or list(param.opts)
    if getattr(param, "is_flag", False) or isinstance(value, bool):
        if value == param.default:
            return []
        if value:
            return [opts[0]]
        secondary = [o for o in getattr(param, "secondary_opts", []) if o.startswith("--")]
        return secondary[:1]
    if value == param.default:
        return []
    if isinstance(value, list | tuple):
        return [x for v in value for x in (opts[0], str(v))]
    return [opts[0], str(value)]


def command_line(ctx: typer.Context, answers: dict[str, Any]) -> str:
    """The command that does what the wizard was about to do, every answer as an option
    (``answers`` are keyed by parameter name), so a user can retry without retyping."""
    chain = []
    c: Any = ctx
    while c is not None:
        chain.append(c)
        c = c.parent
    words = ["medisup"]
    for level in reversed(chain):
        if level.parent is not None:
            words.append(level.info_name or "")
        params = dict(level.params)
        if level is ctx:
            params.update({k: v for k, v in answers.items() if v is not None})
        for param in level.command.params:
            if param.name in ("version", "help", "debug"):
                continue
            words += _option_args(param, params.get(param.name))
    return " ".join(_quote(w) for w in words)


def _quote(word: str) -> str:
    """Shell quoting that leaves Chinese words bare, as a user would type them."""
    if word and all(c.isalnum() or c in "-_./:=@,+%" or (ord(c) > 127 and not c.isspace())
                    for c in word):
        return word
    return shlex.quote(word)


# ---------------------------------------------------------------- the wizard


@dataclass
class Step:
    key: str
    label: str
    ask: Callable[[Any], Any]
    show: Callable[[Any], str] | None = None
    when: Callable[[dict[str, Any]], bool] | None = None
    depends: tuple[str, ...] = ()


@dataclass
class Wizard:
    """Questions asked in order, each answer checked as it is given; then a summary and
    确认保存 / 修改某项 / 取消; a refused save keeps the answers."""

    title: str
    answers: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    fixed: list[tuple[str, str]] = field(default_factory=list)

    def step(self, key: str, label: str, ask: Callable[[Any], Any], *,
             show: Callable[[Any], str] | None = None,
             when: Callable[[dict[str, Any]], bool] | None = None,
             depends: Sequence[str] = ()) -> None:
        self.steps.append(Step(key, label, ask, show, when, tuple(depends)))

    def given(self, label: str, value: Any) -> None:
        """A value the command line gave: shown in the summary, not asked."""
        if value not in (None, "", [], ()):
            self.fixed.append((label, _text(value)))

    # -- asking

    def _active(self, step: Step) -> bool:
        return step.when is None or bool(step.when(self.answers))

    def ask_all(self) -> dict[str, Any]:
        """Ask every active question not yet answered; drop answers no longer asked for."""
        for step in self.steps:
            if not self._active(step):
                self.answers.pop(step.key, None)
            elif step.key not in self.answers:
                self.answers[step.key] = step.ask(None)
        return self.answers

    def _shown(self, step: Step) -> str:
        value = self.answers.get(step.key)
        if step.show is not None:
            return step.show(value)
        return _text(value)

    def edit(self, key: str) -> None:
        """Ask one question again with its answer prefilled; questions that depend on it
        are asked again too."""
        step = next(s for s in self.steps if s.key == key)
        before = self.answers.get(key)
        self.answers[key] = step.ask(before)
        if self.answers[key] != before:
            stale = {key}
            for s in self.steps:
                if stale.intersection(s.depends):
                    stale.add(s.key)
                    prior = self.answers.pop(s.key, None)
                    if self._active(s):
                        self.answers[s.key] = s.ask(prior)
        self.ask_all()

    # -- the summary

    def summary(self) -> None:
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        from medisup.render import err_console

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")  # a long answer is read whole, on several lines
        for label, value in self.fixed:
            grid.add_row(Text(label), Text(value))
        for step in self.steps:
            if step.key in self.answers:
                grid.add_row(Text(step.label), Text(self._shown(step)))
        err_console().print(Panel(grid, title=Text(self.title), expand=False))

    def _pick_and_edit(self) -> None:

        choices = [(s.key, f"{s.label}：{self._shown(s)}") for s in self.steps
                   if s.key in self.answers]
        key = prompter().select(t("wizard.which"), choices)
        self.edit(key)

    def review(self) -> None:
        """The summary and 确认保存？ 是 / 修改某项 / 取消, until the user saves or cancels."""

        while True:
            self.summary()
            choice = prompter().select(t("wizard.confirm_save"), [
                ("save", t("wizard.save")), ("edit", t("wizard.edit")),
                ("cancel", t("wizard.cancel"))])
            if choice == "save":
                return
            if choice == "cancel":
                raise Cancelled()
            self._pick_and_edit()

    def run(self, ctx: typer.Context, write: Callable[[dict[str, Any]], T],
            as_options: Callable[[dict[str, Any]], dict[str, Any]]) -> T:
        """Ask, review, write; when the write is refused, say so, print the equivalent
        command line and offer 修改某项 / 重试 / 取消 with every answer kept."""
        from medisup.render import message

        self.ask_all()
        self.review()
        while True:
            try:
                return write(self.answers)
            except MedisupError as exc:
                message(exc.message, style="red")
                message(t("wizard.kept", command=command_line(ctx, as_options(self.answers))))
                choice = prompter().select(t("wizard.after_failure"), [
                    ("edit", t("wizard.edit")), ("retry", t("wizard.retry")),
                    ("cancel", t("wizard.give_up"))])
                if choice == "cancel":
                    raise typer.Exit(int(exc.exit_status)) from None
                if choice == "edit":
                    self._pick_and_edit()
                    self.review()


def _text(value: Any) -> str:
    if value is None or value == "":
        return t("wizard.empty")
    if isinstance(value, list | tuple):
        return t("wizard.list_sep").join(str(v) for v in value)
    return str(value)


def item_label(item) -> str:
    """A pack item as a choice: its full label and article, the short label as a hint
    (as ``pack show`` lists them); the answer line keeps the part before the two spaces."""
    full, short = item.text(), item.text(short=True)
    label = f"{full}  {item.cite()}" if item.cite() else full
    return f"{label}  （{short}）" if short and short != full else label
