"""The README's tour runs as written: every ``medisup`` line of its ``sh`` blocks is executed,
in order, in a fresh user directory and a scratch working folder, on the suite's frozen clock.

A line whose comment says ``退出码 N`` must exit with N; every other line must exit 0.
"""

from __future__ import annotations

import io
import re
import shlex
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXPECT = re.compile(r"#.*退出码\s*(\d)")


def tour_commands(text: str) -> list[tuple[int, list[str], int]]:
    """(line number, argv after ``medisup``, expected exit) for each tour line."""
    commands: list[tuple[int, list[str], int]] = []
    in_block = False
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_block = stripped == "```sh" and not in_block
            continue
        if not in_block:
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        full = " ".join(pending)
        pending = []
        if not full.startswith("medisup "):
            continue
        match = EXPECT.search(full)
        argv = shlex.split(full, comments=True)[1:]
        commands.append((start, argv, int(match.group(1)) if match else 0))
    return commands


def _reset_caches() -> None:
    """Settings are read once per process; the tour is many processes in one."""
    for name in ("medisup.dirs", "medisup.config", "medisup.i18n"):
        module = sys.modules.get(name)
        for value in vars(module).values() if module else ():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
    from medisup import i18n

    i18n._language = None


def test_tour_is_found():
    commands = tour_commands(README.read_text(encoding="utf-8"))
    assert len(commands) >= 30
    assert commands[0][1][0] == "init"


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_readme_tour_runs_as_written(tmp_path, monkeypatch):
    from typer.main import get_command

    from medisup.cli import app

    work = tmp_path / "work"
    work.mkdir()
    (work / "samples").symlink_to(ROOT / "samples")
    monkeypatch.chdir(work)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("MEDISUP_OPERATOR", "示例操作员")
    command = get_command(app)
    for line, argv, expected in tour_commands(README.read_text(encoding="utf-8")):
        _reset_caches()
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        with redirect_stdout(out), redirect_stderr(err):
            code = int(command.main(args=["--no-input", *argv], prog_name="medisup",
                                    standalone_mode=False) or 0)
        assert code == expected, (
            f"README line {line}: medisup {shlex.join(argv)} exited {code}, expected {expected}\n"
            f"{err.getvalue()[-2000:]}"
        )
    leftovers = {p.name for p in work.iterdir()} - {"samples", "tour-output"}
    assert leftovers == set(), f"the tour wrote outside tour-output/: {leftovers}"
