"""Every command's help ends with examples a clerk can copy: each one parses against the real
command, and the section folds within 80 columns in Chinese and English."""

from __future__ import annotations

import io
import shlex
from contextlib import redirect_stderr, redirect_stdout
from datetime import date

import pytest
from helpers_commands import leaf_commands
from rich.cells import cell_len
from typer.main import get_command

from medisup import i18n
from medisup.cli import app, refs
from medisup.cli.help import example_lines, examples, type_hint

# What ends the command proper in an example (`medisup audit head > 锚点.txt`).
SHELL_OPERATORS = {">", ">>", "|", "&&", "||", ";", "2>", "<"}


LEAVES = sorted(path for path, _ in leaf_commands(get_command(app)))


def _help(path, monkeypatch, *, columns=80, lang="zh") -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("MEDISUP_LANG", lang)
    i18n._language = None
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        get_command(app).main(args=[*path, "--help"], prog_name="medisup", standalone_mode=False)
    return out.getvalue()


def _section(text: str, heading: str) -> list[str]:
    lines = text.rstrip().splitlines()
    assert f" {heading}" in lines, text[-400:]
    return lines[lines.index(f" {heading}") + 1:]


def _without_lookups(command):
    """The command tree with the callbacks that look a name or short lead number up in the
    database taken off (tests/test_find_by_name.py covers them): parsing then needs no
    database, and every other check (types, choices, required values, extra arguments)
    stays."""
    lookups = {refs.person, refs.lead}
    for param in command.params:
        if getattr(param.callback, "__wrapped__", param.callback) in lookups:
            param.callback = None
    for sub in getattr(command, "commands", {}).values():
        _without_lookups(sub)
    return command


def _parse(line: str) -> tuple[str, ...]:
    """Parse an example as the shell and medisup would, without running it; the command
    path it reached."""
    words = shlex.split(line)
    if cut := [i for i, w in enumerate(words) if w in SHELL_OPERATORS]:
        words = words[:cut[0]]
    assert words[0] == "medisup", line
    command = _without_lookups(get_command(app))
    ctx = command.make_context("medisup", words[1:])
    path = []
    while hasattr(command, "list_commands"):
        name, command, rest = ctx.command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        path.append(name)
        ctx = command.make_context(name, rest, parent=ctx)
    # Dates are text to the parser (the services read them): check they are real dates.
    for param in command.params:
        if type_hint(param) == i18n.t("cli.help.type.date") and ctx.params.get(param.name):
            date.fromisoformat(ctx.params[param.name])
    return tuple(path)


def test_the_tree_has_its_leaves():
    assert ("lead", "reward", "compute") in LEAVES and ("supervisor", "complaint", "add") in LEAVES
    assert ("init",) in LEAVES and ("check",) in LEAVES
    assert len(LEAVES) > 55


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_leaf_command_has_one_or_two_examples(lang, monkeypatch):
    monkeypatch.setenv("MEDISUP_LANG", lang)
    i18n._language = None
    counts = {" ".join(path): len(examples(path)) for path in LEAVES}
    assert {k: n for k, n in counts.items() if not 1 <= n <= 2} == {}
    assert all(comment for path in LEAVES for _, comment in examples(path))


def test_no_examples_for_commands_that_do_not_exist():
    keys = {k.removeprefix("examples.") for k in i18n.catalogue("zh") if k.startswith("examples.")}
    assert sorted(keys - {".".join(p) for p in LEAVES}) == []


def test_english_examples_run_the_same_commands(monkeypatch):
    monkeypatch.setenv("MEDISUP_LANG", "en")
    i18n._language = None
    english = {p: [c for c, _ in examples(p)] for p in LEAVES}
    monkeypatch.setenv("MEDISUP_LANG", "zh")
    i18n._language = None
    assert {p: [c for c, _ in examples(p)] for p in LEAVES} == english


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_example_parses_against_its_command(path):
    for command, _ in examples(path):
        assert _parse(command) == path, command


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_help_ends_with_the_examples(path, monkeypatch):
    text = _help(path, monkeypatch)
    section = _section(text, "示例")
    assert not any(ch in line for line in section for ch in "╭╰│…"), section
    shown = [line.strip() for line in section if line.strip()]
    assert any(line.startswith(f"medisup {' '.join(path)}") or
               (line.startswith("medisup --") and f" {' '.join(path)}" in line)
               for line in shown), section
    assert all(cell_len(line) <= 80 for line in section), section


def test_english_help_says_examples(monkeypatch):
    text = _help(["lead", "list"], monkeypatch, lang="en")
    section = _section(text, "Examples")
    assert "示例" not in text
    assert any("medisup lead list --overdue" in line for line in section)
    assert any(line.strip() == "# this county's overdue leads" for line in section), section


def test_groups_have_no_examples(monkeypatch):
    assert " 示例" not in _help(["lead"], monkeypatch).splitlines()
    assert " 示例" not in _help([], monkeypatch).splitlines()


def test_comments_beside_commands_when_they_fit():
    found = [("medisup db current", "查看数据库结构版本"), ("medisup db upgrade", "迁移")]
    lines = example_lines(found, 77)
    assert [code.rstrip() for code, _ in lines] == ["medisup db current", "medisup db upgrade"]
    assert len({cell_len(code) for code, _ in lines}) == 1  # comments line up
    assert [comment for _, comment in lines] == ["# 查看数据库结构版本", "# 迁移"]


def test_a_long_command_breaks_between_words_and_still_runs():
    command = ('medisup lead log --supervisor 张丽娟 --target-name 新城区人民医院 '
               '--description "挂床住院、重复收费" --code A2,A7 --amount 38600')
    lines = example_lines([(command, "登记一条电话反映的线索，内容较长时说明放在命令上方并折行")], 40)
    comments = [c for code, c in lines if c]
    codes = [code for code, c in lines if code]
    assert all(c.startswith("# ") for c in comments) and len(comments) == 2
    assert all(cell_len(line) <= 40 for line in comments + codes)
    assert all(code.endswith(" \\") for code in codes[:-1])
    joined = " ".join(code.removesuffix(" \\").strip() for code in codes)
    assert shlex.split(joined) == shlex.split(command)
