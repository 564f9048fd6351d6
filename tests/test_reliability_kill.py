"""A roster import or a certificate batch killed with SIGKILL at several moments leaves
the database all-or-nothing with a whole audit chain, and the next run succeeds; a backup
taken while an import is running is itself whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from clock import NOW
from helpers_supervisors import make_id
from sqlmodel import func, select
from test_import_supervisors import roster, row

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 5000
MOMENTS = 5

# The child runs the real command line with the suite's clock.
CHILD = r"""
import sys
from datetime import datetime

import time_machine
time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=False).start()

from medisup.cli import main
main(sys.argv[2:])
"""

_run_time: dict[str, float] = {}


def _ids(n: int) -> list[str]:
    return [make_id(birth=(date(1960, 1, 1) + timedelta(days=i // 400)).strftime("%Y%m%d"),
                    seq=(i % 400) * 2 + 1) for i in range(n)]


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "花名册.xlsx"
    return roster(path, [row(n, dept="152500", seq=i) for i, n in enumerate(_ids(PEOPLE), 1)])


def _command(env, *args: str) -> list[str]:
    return [sys.executable, "-c", CHILD, NOW.isoformat(), "--db", env.url, "--dept", "150000",
            "--operator", "测试员", *args]


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _run(env, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(_command(env, *args), env=_child_env(), cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def _killed_after(env, delay: float, *args: str, cwd: Path) -> int | None:
    """Start the command, SIGKILL it after ``delay`` seconds; its exit code if it ended first."""
    child = subprocess.Popen(_command(env, *args), env=_child_env(), cwd=cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child.wait(timeout=delay)
        return child.returncode
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        return None


def _counts(url: str) -> tuple[int, int, int]:
    from conftest import Env

    from medisup.models import Application, Person, Term

    with Env(url).uow("150000", write=False) as uow:
        return tuple(uow.session.exec(select(func.count()).select_from(model)).one()
                     for model in (Person, Term, Application))


def _verify(env, cwd: Path, url: str | None = None) -> subprocess.CompletedProcess:
    command = _command(env, "audit", "verify")
    if url:
        command[command.index("--db") + 1] = url
    return subprocess.run(command, env=_child_env(), cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _import_time(env, book: Path, tmp_path: Path) -> float:
    """How long the full import runs (measured once, on a scratch copy of the database)."""
    if "import" not in _run_time:
        started = time.monotonic()
        done = _run(env, "import", "supervisors", str(book), cwd=tmp_path)
        _run_time["import"] = time.monotonic() - started
        assert done.returncode == 0, done.stderr[-2000:]
        _run_time["full"] = _counts(env.url)
    return _run_time["import"]


@pytest.mark.parametrize("moment", range(1, MOMENTS + 1))
def test_an_import_killed_at_any_moment_is_all_or_nothing(moment, seeded, book, tmp_path,
                                                         _seeded_template):
    from conftest import PG_ADMIN_URL, _pg_database

    if "import" not in _run_time:
        if PG_ADMIN_URL:
            with _pg_database(template=_seeded_template) as url:
                from conftest import Env
                _import_time(Env(url), book, tmp_path)
        else:
            import shutil

            from conftest import Env
            scratch = tmp_path / "scratch.db"
            shutil.copyfile(_seeded_template, scratch)
            _import_time(Env(f"sqlite:///{scratch}"), book, tmp_path)
    full = _run_time["full"]
    assert full[0] >= PEOPLE and full[1] >= PEOPLE, full
    before = _counts(seeded.url)
    assert before == (0, 0, 0)

    delay = _run_time["import"] * moment / (MOMENTS + 1)
    ended = _killed_after(seeded, delay, "import", "supervisors", str(book), cwd=tmp_path)
    assert ended is None, f"the import ended ({ended}) before the kill at {delay:.2f} s"

    verified = _verify(seeded, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert _counts(seeded.url) in (before, full)

    again = _run(seeded, "import", "supervisors", str(book), cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _counts(seeded.url) == full
    verified = _verify(seeded, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
