"""Every help screen reads in plain Chinese at 80 and 100 columns: nothing cut with "…", no
framework type names, Typer's fixed strings translated, and framework errors in Chinese."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

FORBIDDEN = ("…", "<bool>", "<str>", "<int>", "<list[", "[x>=", "[default:", "[required]",
             "Usage:", "Show this message")


def _paths():
    from typer.main import get_command

    from medisup.cli import app

    def walk(command, path):
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    return list(walk(get_command(app), []))


def _help(path: list[str], columns: int, monkeypatch) -> str:
    from typer.main import get_command

    from medisup.cli import app

    monkeypatch.setenv("COLUMNS", str(columns))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        get_command(app).main(args=[*path, "--help"], prog_name="medisup", standalone_mode=False)
    return out.getvalue() + err.getvalue()


def test_the_command_tree_is_walked():
    paths = _paths()
    assert ["supervisor", "apply"] in paths and ["lead", "list"] in paths
    assert len(paths) > 40


@pytest.mark.parametrize("columns", [80, 100])
def test_no_help_screen_is_cut_or_speaks_framework(columns, monkeypatch):
    problems = []
    for path in _paths():
        text = _help(path, columns, monkeypatch)
        problems += [f"medisup {' '.join(path)} --help: {bad!r}" for bad in FORBIDDEN if bad in text]
    assert problems == []


@pytest.mark.parametrize(("argv", "expected"), [
    (["supervisor", "lst"], "没有命令“lst”"),
    (["supervisor", "list", "--format", "xml"], "不是可选值"),
    (["supervisor", "list", "--ending-within", "abc"], "应为整数"),
    (["dept", "list", "extra"], "多余的参数"),
])
def test_framework_errors_are_in_chinese(argv, expected, bare_cli):
    result = bare_cli(*argv, dept=None)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Did you mean" not in result.stderr and "Input should" not in result.stderr


def test_english_keeps_the_framework_wording(bare_cli):
    result = bare_cli("supervisor", "lst", dept=None, env={"MEDISUP_LANG": "en"})
    assert "No such command" in result.stderr
