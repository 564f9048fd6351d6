"""One name a concept across the command tree: the date of what is recorded is ``--on``,
a date range is ``--since``/``--until``, ``--to`` is only ever a status, a department
filter is ``--department``.  The old names still work for scripts but help shows only
the current ones."""

from __future__ import annotations

import re

from helpers_commands import leaf_commands
from typer.main import get_command

from medisup.cli import app
from medisup.cli.help import ALIASES


def test_to_is_a_status_and_date_ranges_are_since_until():
    for path, command in leaf_commands(get_command(app)):
        names = {o for p in command.params for o in getattr(p, "opts", ())}
        if "--to" in names:
            assert path == ("lead", "update"), path
        assert not names & {"--from"}, path
        if "--since" in names or "--until" in names:
            assert {"--since", "--until"} <= names, path


def test_help_shows_only_the_current_name(bare_cli):
    with_aliases = [path for path, c in leaf_commands(get_command(app))
                    if {o for prm in c.params for o in getattr(prm, "opts", ())} & ALIASES]
    assert len(with_aliases) >= 7, with_aliases
    for path in with_aliases:
        out = bare_cli(*path, "--help", dept=None, env={"COLUMNS": "160"}).stdout
        assert "--on" in out or "--department" in out, path
        shown = set(re.findall(r"--[a-z][a-z-]*", out))
        assert not shown & ALIASES, (path, shown & ALIASES)


def test_old_names_still_work(cli):
    new = cli("dept", "list", "--department", "150100", "-f", "csv")
    old = cli("dept", "list", "--under", "150100", "-f", "csv")
    assert new.exit_code == old.exit_code == 0 and new.stdout == old.stdout
    codes = [line.split(",")[0] for line in new.stdout.splitlines()[1:]]
    assert codes == ["150100", "150102", "150103"]


def test_list_and_check_describe_their_own_department_filter(bare_cli):
    for path in (("check",), ("lead", "list")):
        out = bare_cli(*path, "--help", dept=None, env={"COLUMNS": "160"}).stdout
        line = next(x for x in out.splitlines() if "--department" in x)
        assert "及其下级" in line and "登记" not in line, (path, line)
