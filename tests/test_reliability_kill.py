"""A roster import or a certificate batch killed with SIGKILL at several moments leaves
the database all-or-nothing with a whole audit chain, and the next run succeeds; a backup
taken while an import is running is itself whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
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
    if "import" not in _run_time:
        with _scratch(_seeded_template, tmp_path) as scratch:
            _import_time(scratch, book, tmp_path)
    full = _run_time["full"]
    assert full[0] >= PEOPLE and full[1] >= PEOPLE, full
    before = _counts(seeded.url)
    assert before == (0, 0, 0)

    delay = _delay(_run_time["import"], moment)
    ended = _killed_after(seeded, delay, "import", "supervisors", str(book), cwd=tmp_path)
    # A run faster than the measured one may end before the kill: then it must have ended
    # well and written all of the batch, which the checks below hold it to.
    assert ended in (None, 0), f"the import failed ({ended}) before the kill at {delay:.2f} s"

    verified = _verify(seeded, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert _counts(seeded.url) in (before, full)

    again = _run(seeded, "import", "supervisors", str(book), cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _counts(seeded.url) == full
    verified = _verify(seeded, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr


CERTIFICATES = 150
ISSUE = ("certificate", "issue", "--pending", "--on", NOW.date().isoformat())


def _pending_roster(env, tmp_path: Path) -> None:
    from test_import_supervisors import START

    from medisup.services.supervisors.import_roster import import_supervisors

    rows = [row(n, dept="152500", seq=i, start=START) for i, n in enumerate(_ids(CERTIFICATES), 1)]
    with env.uow("150000", command="import supervisors") as uow:
        report = import_supervisors(uow, roster(tmp_path / "certs.xlsx", rows))
    assert not report.problems and report.created == CERTIFICATES, report.problems[:3]


def _certificates(url: str) -> tuple[int, int]:
    from conftest import Env

    from medisup.models import AuditEntry, Certificate

    with Env(url).uow("150000", write=False) as uow:
        rows = uow.session.exec(select(func.count()).select_from(Certificate)).one()
        entries = uow.session.exec(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "certificate")).one()
        return rows, entries


def _pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path), strict=True).pages)


@contextmanager
def _scratch(template: str, tmp_path: Path):
    """A throw-away copy of the seeded database, for measuring a command's run time."""
    from conftest import PG_ADMIN_URL, Env, _pg_database

    if PG_ADMIN_URL:
        with _pg_database(template=template) as url:
            yield Env(url)
    else:
        path = tmp_path / f"scratch-{time.monotonic_ns()}.db"
        shutil.copyfile(template, path)
        yield Env(f"sqlite:///{path}")


def _issue_time(template: str, tmp_path: Path) -> float:
    if "issue" not in _run_time:
        with _scratch(template, tmp_path) as env:
            _pending_roster(env, tmp_path)
            started = time.monotonic()
            done = _run(env, *ISSUE, "--combined", str(tmp_path / "probe.pdf"), cwd=tmp_path)
            _run_time["issue"] = time.monotonic() - started
            assert done.returncode == 0, done.stderr[-2000:]
            assert _pdf_pages(tmp_path / "probe.pdf") == CERTIFICATES
    return _run_time["issue"]


def _delay(run_time: float, moment: int) -> float:
    """The moments spread from 10 % to 50 % of the measured run: a run on a loaded machine
    may take half the time it took when measured, and the kill must still land in it."""
    return run_time * (0.1 + 0.4 * (moment - 1) / (MOMENTS - 1))


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("moment", range(1, MOMENTS + 1))
def test_a_certificate_batch_killed_at_any_moment_is_all_or_nothing(moment, seeded, tmp_path,
                                                                   _seeded_template):
    delay = _delay(_issue_time(_seeded_template, tmp_path), moment)
    _pending_roster(seeded, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "聘书.pdf"
    ended = _killed_after(seeded, delay, *ISSUE, "--combined", str(target), cwd=tmp_path)
    assert ended in (None, 0), f"the batch failed ({ended}) before the kill at {delay:.2f} s"

    verified = _verify(seeded, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    rows, entries = _certificates(seeded.url)
    assert rows in (0, CERTIFICATES) and entries == rows
    if target.exists():
        assert rows == CERTIFICATES and _pdf_pages(target) == CERTIFICATES
    if ended == 0:  # it ran to the end before the kill: all of it, nothing left to redo
        assert rows == CERTIFICATES and target.exists()
        return

    again = _run(seeded, *ISSUE, "--combined", str(target), cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _certificates(seeded.url) == (CERTIFICATES, CERTIFICATES)
    if rows == 0:
        assert _pdf_pages(target) == CERTIFICATES


def test_the_next_batch_removes_a_killed_batchs_stage_file(seeded, tmp_path):
    _pending_roster(seeded, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "聘书.pdf"
    child = subprocess.Popen(_command(seeded, *ISSUE, "--combined", str(target)),
                             env=_child_env(), cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _leftovers(out):
            assert child.poll() is None, "the batch ended before its stage file appeared"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert not target.exists() and _certificates(seeded.url) == (0, 0)
    again = _run(seeded, *ISSUE, "--combined", str(target), cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _pdf_pages(target) == CERTIFICATES
    assert _leftovers(out) == [], "a stage file outlived the next run"


@pytest.mark.sqlite_only
def test_a_backup_taken_during_an_import_is_whole_and_before_or_after_it(seeded, book, tmp_path,
                                                                        _seeded_template):
    """PostgreSQL's backup is a pg_dump file, not a database ``--db`` opens: SQLite only."""
    if "import" not in _run_time:
        with _scratch(_seeded_template, tmp_path) as scratch:
            _import_time(scratch, book, tmp_path)
    full = _run_time["full"]
    before = _counts(seeded.url)
    importer = subprocess.Popen(_command(seeded, "import", "supervisors", str(book)),
                                env=_child_env(), cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    copies, during = [], 0
    try:
        time.sleep(_run_time["import"] * 0.1)
        while len(copies) < 6:
            running = importer.poll() is None
            copy = tmp_path / f"backup-{len(copies)}.db"
            done = _run(seeded, "db", "backup", str(copy), cwd=tmp_path)
            assert done.returncode == 0, done.stderr[-2000:]
            copies.append(copy)
            during += running
            if not running:
                break
        _, err = importer.communicate(timeout=120)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()
    assert importer.returncode == 0, err[-2000:]
    assert during >= 1, "no backup was taken while the import ran"
    for copy in copies:
        verified = _verify(seeded, tmp_path, url=f"sqlite:///{copy}")
        assert verified.returncode == 0, (copy.name, verified.stdout + verified.stderr)
        assert _counts(f"sqlite:///{copy}") in (before, full), copy.name
    assert _counts(seeded.url) == full
