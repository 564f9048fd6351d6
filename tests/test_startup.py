"""Start-up stays fast: `medisup --help` imports none of the heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "openpyxl", "questionary", "python_calamine",
         "xlsxwriter", "stdnum", "chinese_calendar", "medisup.services", "medisup.models",
         "medisup.db", "medisup.excel")


def test_help_imports_no_heavy_module():
    loaded, out = _modules_of("--help", env={"MEDISUP_CONFIG_DIR": "/nonexistent-medisup-test"})
    offenders = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert offenders == []
    assert "medisup" in out


def test_real_binary_help_in_subprocess():
    done = subprocess.run([sys.executable, "-m", "medisup", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    for command in ("init", "dept", "pack", "audit", "db", "supervisor", "lead"):
        assert command in done.stdout


def test_every_command_has_help():
    from typer.main import get_command

    from medisup.cli import app

    def walk(cmd, path):
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    missing = [" ".join(p) for p, c in walk(get_command(app), ["medisup"])
               if not (c.help or "").strip()]
    assert missing == []


def _medisup(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medisup", *args], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "MEDISUP_CONFIG_DIR": "/nonexistent-medisup-test",
                               **(env or {})})


def test_help_lists_the_completion_options_in_chinese():
    done = _medisup("--help", env={"COLUMNS": "200"})
    line = {o: next(x for x in done.stdout.splitlines() if o in x)
            for o in ("--install-completion", "--show-completion")}
    assert "安装命令补全" in line["--install-completion"]
    assert "显示命令补全脚本" in line["--show-completion"]
    assert "Install completion" not in done.stdout and "Show completion" not in done.stdout


def test_show_completion_prints_the_script_for_the_shell_named():
    done = _medisup("--show-completion", "bash")
    assert done.returncode == 0, done.stderr
    assert "complete -o default -F _medisup_completion medisup" in done.stdout
    assert "_MEDISUP_COMPLETE=complete_bash" in done.stdout
    zsh = _medisup("--show-completion", "zsh")
    assert zsh.returncode == 0 and "compdef _medisup_completion medisup" in zsh.stdout


def test_show_completion_refuses_a_shell_it_cannot_serve():
    done = _medisup("--show-completion", "tcsh")
    assert done.returncode == 2 and done.stdout == ""
    assert "不支持 tcsh" in done.stderr


def test_install_completion_writes_the_script_and_the_rc_line(tmp_path):
    done = _medisup("--install-completion", "bash", env={"HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    script = tmp_path / ".bash_completions" / "medisup.sh"
    assert "_MEDISUP_COMPLETE=complete_bash" in script.read_text()
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()
    assert "已为 bash 安装命令补全" in done.stderr


def test_the_shell_gets_completions():
    # What the installed bash script runs on Tab.
    done = _medisup(env={"_MEDISUP_COMPLETE": "complete_bash", "COMP_WORDS": "medisup sup",
                         "COMP_CWORD": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["supervisor"]
    options = _medisup(env={"_MEDISUP_COMPLETE": "complete_bash",
                            "COMP_WORDS": "medisup lead list --over", "COMP_CWORD": "3"})
    assert options.stdout.split() == ["--overdue"]


def test_completion_runs_nothing_heavy():
    # Completing a command name parses no command: no database, no workbook library.
    loaded, out = _modules_of(env={"_MEDISUP_COMPLETE": "complete_bash",
                                   "COMP_WORDS": "medisup le", "COMP_CWORD": "1"})
    assert [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)] == []
    assert out.split() == ["lead"]


# What `medisup --help` and a plain read load: the medisup modules exactly (a new import on
# these paths must be a decision, made here), no ORM, and a ceiling on everything else.
HELP_MODULES = {"medisup", "medisup.cli", "medisup.cli.help", "medisup.cli.root_help",
                "medisup.dirs", "medisup.errors", "medisup.i18n"}
DEPT_LIST_MODULES = HELP_MODULES - {"medisup.cli.root_help"} | {
    "medisup.canonical", "medisup.cli.common", "medisup.cli.dept", "medisup.cli.listing",
    "medisup.clock", "medisup.config", "medisup.db", "medisup.files", "medisup.paging",
    "medisup.render", "medisup.services", "medisup.services.departments",
    "medisup.services.dept_tree", "medisup.services.roster", "medisup.services.uow",
    "medisup.tables"}
ORM = ("sqlmodel", "sqlalchemy.orm", "medisup.models", "alembic", "typer.rich_utils",
       "markdown_it", "pygments")


def _modules_of(*args: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    code = (
        "import sys, json\n"
        "from medisup.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})
    return set(json.loads(done.stderr.strip().splitlines()[-1])), done.stdout


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in ORM))


def test_help_loads_no_command_module_and_no_help_renderer_of_typer():
    loaded, out = _modules_of("--help", env={"MEDISUP_CONFIG_DIR": "/nonexistent-medisup-test"})
    assert "supervisor" in out and "lead" in out
    assert {m for m in loaded if m.startswith("medisup")} == HELP_MODULES
    assert _heavy(loaded) == []
    assert not [m for m in loaded if m == "rich" or m.startswith("rich.")]  # plain text
    assert len(loaded) < 230  # 188 with the locked libraries


def test_dept_list_reads_through_core_without_the_orm(seeded):
    loaded, out = _modules_of("--db", seeded.url, "--dept", "150000", "dept", "list",
                              "--format", "csv")
    assert "150102,新城区医疗保障局" in out
    assert {m for m in loaded if m.startswith("medisup")} == DEPT_LIST_MODULES
    assert _heavy(loaded) == []
    assert len(loaded) < 540  # 484 with the locked libraries (SQLite)


def test_lead_list_reads_through_core_and_a_reveal_through_the_orm(seeded):
    base = ("--db", seeded.url, "--dept", "150000", "--operator", "测试员", "lead", "list")
    loaded, out = _modules_of(*base, "--format", "csv")
    assert out.startswith("number,")
    assert _heavy(loaded) == []
    loaded, _ = _modules_of(*base, "--format", "csv", "--reveal")
    assert "medisup.models" in loaded  # the disclosure is written to the audit log
