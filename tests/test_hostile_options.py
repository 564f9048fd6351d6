"""Every option of every command, given hostile values, ends in a one-line message and an
exit code of 0-3: never an internal error, never a traceback."""

from __future__ import annotations

import pytest

HOSTILE_INTEGERS = ("99999999999999999999999", "-99999999999999999999999", "abc", "1e9")
HOSTILE_TEXT = ("\x1b[31m红\x1b[0m" + "甲" * 3000, "' OR 1=1 --", "=HYPERLINK(\"x\")", "\x00a")


def _options():
    from typer.main import get_command

    from medisup.cli import app

    found = []

    def walk(command, path):
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                walk(sub, [*path, name])
            return
        for param in command.params:
            if param.param_type_name != "option" or getattr(param, "is_flag", False):
                continue
            if param.name in ("fmt", "help"):
                continue
            annotation = getattr(param.type_descriptor, "annotation", str)
            kind = "int" if annotation is int else "text"
            long = next((o for o in param.opts if o.startswith("--")), param.opts[0])
            found.append((tuple(path), long, kind))

    walk(get_command(app), [])
    return found


OPTIONS = _options()


def test_the_tree_has_options():
    assert len(OPTIONS) > 100
    assert any(kind == "int" for _, _, kind in OPTIONS)


@pytest.mark.parametrize(("path", "option", "kind"), OPTIONS,
                         ids=[f"{' '.join(p)} {o}" for p, o, _ in OPTIONS])
def test_hostile_values_never_make_an_internal_error(path, option, kind, cli, tmp_path,
                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = HOSTILE_INTEGERS if kind == "int" else HOSTILE_TEXT
    for value in values:
        result = cli("--no-input", *path, option, value)
        assert result.exit_code in (0, 1, 2, 3), (path, option, value, result.stderr[-300:])
        assert "内部错误" not in result.stderr and "Traceback" not in result.stderr, (
            path, option, value[:20], result.stderr[-300:])
        assert "\x1b[31m" not in result.stderr, (path, option, "escape sequence echoed raw")
