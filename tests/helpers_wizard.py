"""Driving the wizards in tests: keystrokes through prompt_toolkit's pipe input, with the
pipe closed after the last key so a wizard that asks more than expected fails at once
instead of waiting for a key that never comes."""

from __future__ import annotations

from contextlib import contextmanager

DOWN = "\x1b[B"
UP = "\x1b[A"
ENTER = "\r"
SPACE = " "
CTRL_C = "\x03"
BACKSPACE = "\x7f"
# The summary's 确认保存？ choices, in order.
SAVE = ENTER
CHANGE = DOWN + ENTER
CANCEL = DOWN + DOWN + ENTER
# After a refused save: 修改某项 / 重试 / 放弃.
FIX = ENTER
RETRY = DOWN + ENTER
GIVE_UP = DOWN + DOWN + ENTER


def erase(n: int = 40) -> str:
    return BACKSPACE * n


@contextmanager
def terminal(monkeypatch, keys: str, *, tty: bool = True):
    """A prompter reading ``keys``; the command line believes it runs in a terminal."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from medisup.cli import common, prompts

    monkeypatch.setattr(common, "can_prompt", lambda ctx: tty and not common.settings_of(
        ctx).no_input)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        prompts.set_prompter(prompts.Prompter(input=pipe, output=DummyOutput()))
        try:
            yield
        finally:
            prompts.set_prompter(None)
