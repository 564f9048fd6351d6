"""Start-up stays fast: `medisup --help` imports none of the heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "openpyxl", "questionary", "python_calamine",
         "xlsxwriter", "stdnum", "chinese_calendar", "medisup.services", "medisup.models",
         "medisup.db", "medisup.excel")


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MEDISUP_CONFIG_DIR="/nonexistent-medisup-test")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_help_imports_no_heavy_module():
    code = (
        "import sys, json\n"
        "from medisup.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = _run(code)
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    offenders = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert offenders == []
    assert "medisup" in done.stdout


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
