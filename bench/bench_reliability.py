"""Reliability under kill -9 and concurrent writers, at full size, with the real command line.

Run as ``python bench/bench_reliability.py [--quick] [--rows 50000] [--moments 20]
[--certificates 1000] [--leads 500] [--seed N] [--only import,export,certificates,writers]``.
Four runs, each on data it makes itself (SQLite unless said otherwise):

(a) import   ``medisup import supervisors`` of a ``--rows`` workbook, timed once whole, then
             killed with SIGKILL at ``--moments`` random moments (one drawn in each equal
             slice of 2 %–98 % of the measured run; seeded, printed), one after the other
             on the same database.  After each kill: person/term/application counts are
             nothing or all, ``medisup audit verify`` exits 0.  A run that ended before its
             kill must have exited 0 and written all (the database is then reset, so the
             next kill lands in an insert again).  Finally an import runs to the end: all
             rows, audit verify (and ``--deep``) exit 0.
(b) export   ``medisup export supervisors --reveal`` of ``--rows`` serving supervisors,
             killed the same way, every run into the same folder, with TMPDIR pointed at a
             private folder.  After each kill: no file outside the export's own stage
             folder holds a full ID number of the roster (workbooks read member by
             member; the database files excepted); whenever the stage holds one, the
             reveal is already in the audit log; the system temp folder is empty; the
             target is absent, or whole (every ID) with its reveal logged when the kill
             came after the rename (then removed); a run that got as far as its own
             stage removed the stale stage of
             the run killed before it.  Finally an export runs to the end: every ID in
             the workbook, no stage left, temp folder empty, audit verify exits 0.
(c) certificates ``medisup certificate issue --pending --combined`` for ``--certificates``
             serving supervisors, killed the same way.  After each kill: audit verify exits
             0; certificate rows are nothing or all and equal their audit entries; the
             PDF is absent or has every page; stale stages go at the next run as in (b).
             Finally a batch runs to the end: all certificates, one page each, no stage.
(d) writers  2 and 4 concurrent writer processes × ``--leads`` leads each (the public
             service ``medisup.services.leads.log``, one unit of work per lead, as the
             command does; a real ``medisup lead log`` costs a whole process start, which is
             measured and printed beside it) with a reader process listing the leads all
             the while, on SQLite and on a throwaway PostgreSQL server (``scripts/pg.sh``;
             skipped with a printed line when its binaries are missing).  Checks: no
             exception in any writer or reader, lead numbers unique and gap-free per
             department and year, every read free of duplicates, ``audit verify`` exits 0.

Prints one table at the end (run, cases, failures, slowest case, wall time) and exits 1 when
any case failed.  ``--quick``: 5,000 rows, 5 moments, 100 certificates, 50 leads.
Only public functions of medisup and the real command line are used.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from fixtures import credit_code  # noqa: E402

from medisup.files import STAGE_PREFIX  # noqa: E402

DEPARTMENT = "150000"
DEPARTMENT_NAME = "内蒙古自治区医疗保障局"
STAGE_PID = re.compile(re.escape(STAGE_PREFIX) + r"[0-9a-f]{6}-(\d+)-")
ID_PATTERN = re.compile(rb"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")
DB_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal")
CHILD_TIMEOUT = 3600


# ---------------------------------------------------------------- results


@dataclass
class Run:
    """One line of the final table."""

    name: str
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0
    wall: float = 0.0
    note: str = ""

    def case(self, seconds: float) -> None:
        self.cases += 1
        self.slowest = max(self.slowest, seconds)

    def fail(self, text: str) -> None:
        self.failures.append(text)
        print(f"    FAILURE: {text}", flush=True)

    def check(self, condition: bool, text: str) -> bool:
        if not condition:
            self.fail(text)
        return condition


# ---------------------------------------------------------------- the command line


def isolate(user: Path) -> None:
    """This process and every child use ``user`` for medisup's configuration, data and
    cache folders (the audit key and the audit witnesses live there), never the real ones."""
    os.environ.update(MEDISUP_CONFIG_DIR=str(user / "config"),
                      MEDISUP_DATA_DIR=str(user / "data"), MEDISUP_CACHE_DIR=str(user / "cache"))
    for name in ("MEDISUP_DEPT", "MEDISUP_DATABASE_URL", "MEDISUP_OPERATOR", "MEDISUP_DEBUG",
                 "MEDISUP_AUDIT_KEY_FILE"):
        os.environ.pop(name, None)


def child_env(home: Path) -> dict[str, str]:
    """The children's environment: the isolated user folders, and ``home/system-temp`` as
    their system temp folder (TMPDIR), which must stay empty."""
    env = dict(os.environ)
    temp = home / "system-temp"
    temp.mkdir(parents=True, exist_ok=True)
    env.update(MEDISUP_LANG="zh", TMPDIR=str(temp),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    return env


def medisup(url: str, *args: str, operator: str = "bench") -> list[str]:
    return [sys.executable, "-m", "medisup", "--db", url, "--dept", DEPARTMENT,
            "--operator", operator, "--no-input", *args]


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=CHILD_TIMEOUT)


def killed_after(command: list[str], env: dict[str, str], cwd: Path,
                 delay: float) -> tuple[int | None, int, str]:
    """Start ``command``, SIGKILL it ``delay`` seconds later: (exit code if it ended first,
    else None; its pid; the end of its stderr)."""
    with tempfile.TemporaryFile(dir=cwd) as err:
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                 stderr=err)
        try:
            child.wait(timeout=delay)
            code: int | None = child.returncode
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()
            code = None
        err.seek(0)
        return code, child.pid, err.read().decode(errors="replace")[-1500:]


def audit_verify(url: str, env: dict[str, str], cwd: Path, *extra: str) -> tuple[bool, str]:
    done = run(medisup(url, "audit", "verify", *extra), env, cwd)
    return done.returncode == 0, (done.stdout + done.stderr).strip()[-800:]


def moments(rng: random.Random, count: int, seconds: float) -> list[float]:
    """``count`` random moments, one in each equal slice of 2 %–98 % of ``seconds``."""
    low, high = 0.02 * seconds, 0.98 * seconds
    width = (high - low) / count
    return [round(low + width * (i + rng.random()), 3) for i in range(count)]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def fresh_copy(template: Path, folder: Path, n: int) -> tuple[Path, str]:
    """A copy of ``template`` under a new name.  Never the old name: medisup remembers how
    far each database's audit chain reached (its witness), and a database put back to an
    earlier copy under the same name is rightly reported as entries deleted."""
    db = folder / f"work-{n}.db"
    copy_database(template, db)
    return db, sqlite_url(db)


def scalar(path: Path, sql: str, *args) -> int:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute(sql, args).fetchone()[0]
    finally:
        connection.close()


def init_database(url: str, env: dict[str, str], cwd: Path) -> None:
    done = run(medisup(url, "init", "--code", DEPARTMENT, "--name", DEPARTMENT_NAME,
                       "--pack", "nm-2024", "--no-save"), env, cwd)
    if done.returncode != 0:
        raise SystemExit(f"init failed: {done.stderr.strip()[-1500:]}")


# ---------------------------------------------------------------- files holding ID numbers


def ids_in_file(path: Path) -> set[bytes]:
    """Every 18-character ID number pattern in ``path``, zip members read too."""
    try:
        data = path.read_bytes()
    except OSError:  # gone meanwhile
        return set()
    found = set(ID_PATTERN.findall(data))
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    found |= set(ID_PATTERN.findall(z.read(name)))
        except (zipfile.BadZipFile, OSError, EOFError, KeyError):
            pass
    return found


def files_holding(root: Path, ids: set[bytes], *, skip: tuple[Path, ...] = ()) -> list[Path]:
    """Files under ``root`` (not under ``skip``, not database files) holding one of ``ids``."""
    holding = []
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.name.endswith(DB_SUFFIXES):
            continue
        if any(s == path or s in path.parents for s in skip):
            continue
        if ids_in_file(path) & ids:
            holding.append(path)
    return holding


def stages(folder: Path) -> dict[Path, int]:
    """The stages in ``folder`` and the pid each names."""
    found = {}
    for path in folder.iterdir():
        match = STAGE_PID.match(path.name)
        if match:
            found[path] = int(match.group(1))
    return found


def check_stale_stages(result: Run, label: str, folder: Path, pid: int,
                       previous: int | None) -> None:
    """Only this run's stage, or also the one killed before it when this run never got as
    far as its own stage (its sweep comes first)."""
    present = stages(folder)
    pids = set(present.values())
    allowed = {pid} | ({previous} if previous is not None and pid not in pids else set())
    result.check(pids <= allowed,
                 f"{label}: stale stages of pids {sorted(pids - allowed)} not removed")


# ---------------------------------------------------------------- (a) import


def bench_import(home: Path, rows: int, count: int, rng: random.Random) -> Run:
    from bench_import import build_workbook, make_rows

    result = Run(f"(a) import {rows:,} rows × {count} kills")
    home.mkdir()
    env = child_env(home)
    book = home / "监督员花名册.xlsx"
    started = time.perf_counter()
    build_workbook(book, make_rows(rows))
    template = home / "template.db"
    init_database(sqlite_url(template), env, home)
    print(f"  workbook and database made in {time.perf_counter() - started:.1f} s", flush=True)

    def counts(db: Path) -> tuple[int, int, int]:
        return tuple(scalar(db, f"SELECT count(*) FROM {table}")
                     for table in ("person", "term", "application"))

    scratch = home / "measure.db"
    copy_database(template, scratch)
    started = time.perf_counter()
    done = run(medisup(sqlite_url(scratch), "import", "supervisors", str(book)), env, home)
    measured = time.perf_counter() - started
    if done.returncode != 0:
        result.fail(f"the measured import failed: {done.stderr.strip()[-800:]}")
        return result
    full = counts(scratch)
    nothing = counts(template)
    print(f"  a whole import: {measured:.1f} s, counts (person, term, application) {full}",
          flush=True)
    result.check(full == (rows, rows, rows), f"the whole import stored {full}, not {rows} each")
    delays = moments(rng, count, measured)
    print(f"  kill moments (s): {delays}", flush=True)

    db = home / "work.db"
    copy_database(template, db)
    url = sqlite_url(db)
    finished = 0
    for n, delay in enumerate(delays, 1):
        started = time.perf_counter()
        label = f"kill {n} at {delay:.2f} s"
        code, _, err = killed_after(medisup(url, "import", "supervisors", str(book)), env, home,
                                    delay)
        result.check(code in (None, 0), f"{label}: the import failed by itself ({code}): {err}")
        now = counts(db)
        ok, text = audit_verify(url, env, home)
        result.check(ok, f"{label}: audit verify failed: {text}")
        result.check(now in (nothing, full), f"{label}: partial import {now}")
        if code == 0:
            result.check(now == full, f"{label}: ended with 0 but stored {now}")
        outcome = "nothing" if now == nothing else "all" if now == full else f"PARTIAL {now}"
        if now == full:  # committed before the kill: go on with an empty database
            finished += 1
            db, url = fresh_copy(template, home, finished)
        seconds = time.perf_counter() - started
        result.case(seconds)
        print(f"  {label}: {'killed' if code is None else f'ended {code}'}, {outcome}, "
              f"audit ok={ok}  ({seconds:.1f} s)", flush=True)

    started = time.perf_counter()
    done = run(medisup(url, "import", "supervisors", str(book)), env, home)
    result.check(done.returncode == 0, f"final import failed: {done.stderr.strip()[-800:]}")
    result.check(counts(db) == full, f"final import stored {counts(db)}, not {full}")
    for extra in ((), ("--deep",)):
        ok, text = audit_verify(url, env, home, *extra)
        result.check(ok, f"final audit verify {' '.join(extra)} failed: {text}")
    result.case(time.perf_counter() - started)
    result.note = f"whole run {measured:.1f} s; {finished} committed before the kill"
    print(f"  final import: exit {done.returncode}, counts {counts(db)}", flush=True)
    return result


# ---------------------------------------------------------------- (b) export


def bench_export(home: Path, rows: int, count: int, rng: random.Random) -> Run:
    from bench_export import AS_OF, build_database

    result = Run(f"(b) export --reveal {rows:,} × {count} kills")
    home.mkdir()
    env = child_env(home)
    temp = Path(env["TMPDIR"])
    started = time.perf_counter()
    db = home / "export.db"
    url = build_database(db, rows)
    ids = {row[0].encode() for row in sqlite3.connect(db).execute("SELECT id_number FROM person")}
    print(f"  database of {rows:,} serving supervisors made in "
          f"{time.perf_counter() - started:.1f} s", flush=True)

    def reveals() -> int:
        return scalar(db, "SELECT count(*) FROM audit_entry WHERE action = 'reveal'")

    def export(target: Path) -> list[str]:
        return medisup(url, "export", "supervisors", str(target), "--reveal", "--force",
                       "--as-of", AS_OF.isoformat())

    measure = home / "measure"
    measure.mkdir()
    started = time.perf_counter()
    done = run(export(measure / "名单.xlsx"), env, home)
    measured = time.perf_counter() - started
    if done.returncode != 0:
        result.fail(f"the measured export failed: {done.stderr.strip()[-800:]}")
        return result
    written = ids_in_file(measure / "名单.xlsx") & ids
    result.check(len(written) == len(ids),
                 f"the whole export holds {len(written)} of {len(ids)} ID numbers")
    shutil.rmtree(measure)
    print(f"  a whole export: {measured:.1f} s, {len(written):,} ID numbers in the workbook",
          flush=True)
    delays = moments(rng, count, measured)
    print(f"  kill moments (s): {delays}", flush=True)

    out = home / "out"
    out.mkdir()
    target = out / "监督员名单.xlsx"
    previous: int | None = None
    finished = held = 0
    for n, delay in enumerate(delays, 1):
        started = time.perf_counter()
        label = f"kill {n} at {delay:.2f} s"
        before = reveals()
        code, pid, err = killed_after(export(target), env, home, delay)
        result.check(code in (None, 0), f"{label}: the export failed by itself ({code}): {err}")
        after = reveals()
        result.check(after - before in (0, 1), f"{label}: {after - before} reveal entries")
        own = [p for p, owner in stages(out).items() if owner == pid]
        in_stage = {p for s in own for p in files_holding(s, ids)}
        if in_stage:
            held += 1
            result.check(after == before + 1,
                         f"{label}: unmasked rows on disk but no reveal in the audit log")
        # A run killed after it renamed its workbook into place (or one that ended) has
        # published it: whole, after its reveal.  Anything else must be absent.
        published = target.exists()
        if published:
            whole = len(ids_in_file(target) & ids)
            result.check(whole == len(ids) and after == before + 1,
                         f"{label}: a workbook of {whole} ID numbers, reveal +{after - before}")
        outside = files_holding(home, ids,  # a stale stage too: check_stale_stages sees to it
                                skip=tuple(stages(out)) + ((target,) if published else ()))
        result.check(not outside, f"{label}: full ID numbers outside the stage: {outside[:3]}")
        leaked = list(temp.rglob("*"))
        result.check(not leaked, f"{label}: the system temp folder holds {leaked[:3]}")
        if code == 0:
            result.check(published, f"{label}: ended with 0 without its workbook")
        if published:
            finished += 1
            target.unlink()
        check_stale_stages(result, label, out, pid, previous)
        previous = pid
        ok, text = audit_verify(url, env, home)
        result.check(ok, f"{label}: audit verify failed: {text}")
        seconds = time.perf_counter() - started
        result.case(seconds)
        print(f"  {label}: {'killed' if code is None else f'ended {code}'}, "
              f"reveal +{after - before}, stage {'holds' if in_stage else 'without'} ID numbers,"
              f" stages now {len(stages(out))}  ({seconds:.1f} s)", flush=True)

    started = time.perf_counter()
    done = run(export(target), env, home)
    result.check(done.returncode == 0, f"final export failed: {done.stderr.strip()[-800:]}")
    result.check(not stages(out), f"stages left after the final export: {list(stages(out))}")
    written = ids_in_file(target) & ids if target.exists() else set()
    result.check(len(written) == len(ids), f"final workbook holds {len(written)} ID numbers")
    result.check(not list(temp.rglob("*")), "the system temp folder is not empty")
    ok, text = audit_verify(url, env, home)
    result.check(ok, f"final audit verify failed: {text}")
    result.case(time.perf_counter() - started)
    result.note = (f"whole run {measured:.1f} s; {held} killed with unmasked rows in the stage;"
                   f" {finished} published the workbook before the kill")
    print(f"  final export: exit {done.returncode}, {len(written):,} ID numbers, "
          f"stages left {len(stages(out))}", flush=True)
    return result


# ---------------------------------------------------------------- (c) certificates


def bench_certificates(home: Path, certificates: int, count: int, rng: random.Random) -> Run:
    from bench_certificates import issue_command
    from bench_export import build_database
    from pypdf import PdfReader

    result = Run(f"(c) certificates {certificates:,} × {count} kills")
    home.mkdir()
    env = child_env(home)
    template = home / "template.db"
    build_database(template, certificates)

    def pages(path: Path) -> int:
        try:
            return len(PdfReader(str(path), strict=True).pages)
        except Exception:  # a damaged PDF: -1, reported by the caller
            return -1

    def state(db: Path) -> tuple[int, int]:
        return (scalar(db, "SELECT count(*) FROM certificate"),
                scalar(db, "SELECT count(*) FROM audit_entry WHERE entity = 'certificate'"))

    measure = home / "measure"
    measure.mkdir()
    scratch = home / "measure.db"
    copy_database(template, scratch)
    started = time.perf_counter()
    done = run(issue_command(sqlite_url(scratch), measure / "聘书.pdf"), env, measure)
    measured = time.perf_counter() - started
    if done.returncode != 0:
        result.fail(f"the measured batch failed: {done.stderr.strip()[-800:]}")
        return result
    whole = state(scratch)
    result.check(whole == (certificates, certificates), f"the whole batch stored {whole}")
    result.check(pages(measure / "聘书.pdf") == certificates, "the whole batch's PDF is short")
    print(f"  a whole batch: {measured:.1f} s, {whole[0]:,} certificates", flush=True)
    delays = moments(rng, count, measured)
    print(f"  kill moments (s): {delays}", flush=True)

    db = home / "work.db"
    copy_database(template, db)
    url = sqlite_url(db)
    out = home / "out"
    out.mkdir()
    cwd = home / "cwd"
    cwd.mkdir()
    target = out / "聘书.pdf"
    previous: int | None = None
    finished = 0
    for n, delay in enumerate(delays, 1):
        started = time.perf_counter()
        label = f"kill {n} at {delay:.2f} s"
        code, pid, err = killed_after(issue_command(url, target), env, cwd, delay)
        result.check(code in (None, 0), f"{label}: the batch failed by itself ({code}): {err}")
        ok, text = audit_verify(url, env, cwd)
        result.check(ok, f"{label}: audit verify failed: {text}")
        rows, entries = state(db)
        result.check(rows in (0, certificates) and entries == rows,
                     f"{label}: {rows} certificates, {entries} audit entries")
        printed = pages(target) if target.exists() else None
        if printed is not None:
            result.check(printed == certificates and rows == certificates,
                         f"{label}: a PDF of {printed} pages with {rows} certificates")
        if code == 0:
            result.check(rows == certificates and printed == certificates,
                         f"{label}: ended with 0 with {rows} certificates, PDF {printed}")
        others = [p.name for p in out.iterdir()
                  if p != target and not STAGE_PID.match(p.name)] + [p.name for p in cwd.iterdir()]
        result.check(not others, f"{label}: other files written: {others[:3]}")
        check_stale_stages(result, label, out, pid, previous)
        previous = pid
        outcome = "nothing" if rows == 0 else "all" if rows == certificates else "PARTIAL"
        if rows == certificates:  # committed before the kill: go on with a fresh database
            finished += 1
            db, url = fresh_copy(template, home, finished)
            target.unlink(missing_ok=True)
        seconds = time.perf_counter() - started
        result.case(seconds)
        print(f"  {label}: {'killed' if code is None else f'ended {code}'}, {outcome}, "
              f"PDF {'absent' if printed is None else f'{printed} pages'}, "
              f"stages now {len(stages(out))}  ({seconds:.1f} s)", flush=True)

    started = time.perf_counter()
    done = run(issue_command(url, target), env, cwd)
    result.check(done.returncode == 0, f"final batch failed: {done.stderr.strip()[-800:]}")
    result.check(state(db) == (certificates, certificates), f"final batch stored {state(db)}")
    printed = pages(target) if target.exists() else None
    result.check(printed == certificates, f"final PDF has {printed} pages")
    result.check(not stages(out), f"stages left after the final batch: {list(stages(out))}")
    ok, text = audit_verify(url, env, cwd)
    result.check(ok, f"final audit verify failed: {text}")
    result.case(time.perf_counter() - started)
    result.note = f"whole run {measured:.1f} s; {finished} committed before the kill"
    print(f"  final batch: exit {done.returncode}, {state(db)}, PDF {printed} pages", flush=True)
    return result


# ---------------------------------------------------------------- (d) writers


WRITER = "writer"
READER = "reader"


def writer_process(url: str, index: int, count: int, supervisor: str, received: str,
                   go: str) -> None:
    """A clerk in a process of its own: ``count`` leads, one unit of work each.  Prints a
    JSON summary on its last line."""
    from medisup.config import Settings
    from medisup.services import leads
    from medisup.services.uow import unit_of_work

    settings = Settings(operator=f"录入员{index}", dept=DEPARTMENT, database_url=url, lang="zh")
    rng = random.Random(index)
    code = credit_code(rng, "150102")
    while not Path(go).exists():
        time.sleep(0.005)
    errors, slowest, done = [], 0.0, 0
    started = time.perf_counter()
    for i in range(count):
        one = time.perf_counter()
        try:
            with unit_of_work(settings, command="lead log") as uow:
                leads.log(uow, supervisor=supervisor, received_on=date.fromisoformat(received),
                          channel="phone", target_kind="medical_institution",
                          target_name=f"呼和浩特市第{index}医院", target_credit_code=code,
                          codes=["A1"], description=f"第{index}名录入员的第{i + 1}条线索：虚构病历套取基金")
            done += 1
        except Exception as exc:  # counted and reported
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        slowest = max(slowest, time.perf_counter() - one)
    print(json.dumps({"done": done, "errors": errors, "slowest": slowest,
                      "seconds": time.perf_counter() - started}))


def reader_process(url: str, go: str, stop: str) -> None:
    """Someone listing the leads over and over until told to stop."""
    from medisup.config import Settings
    from medisup.services import leads
    from medisup.services.uow import unit_of_work

    settings = Settings(operator="查看员", dept=DEPARTMENT, database_url=url, lang="zh")
    while not Path(go).exists():
        time.sleep(0.005)
    reads, errors, slowest, most = 0, [], 0.0, 0
    while not Path(stop).exists():
        one = time.perf_counter()
        try:
            with unit_of_work(settings, command="lead list", write=False) as uow:
                numbers = [lead.number for lead in leads.list_leads(uow, reveal=False)]
            if len(numbers) != len(set(numbers)):
                errors.append(f"read {reads}: {len(numbers) - len(set(numbers))} duplicates")
            most = max(most, len(numbers))
            reads += 1
        except Exception as exc:  # counted and reported
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        slowest = max(slowest, time.perf_counter() - one)
        time.sleep(0.05)  # a person re-listing, not a busy loop
    print(json.dumps({"reads": reads, "errors": errors, "slowest": slowest, "most": most}))


def _roster_for_leads(home: Path, people: int) -> tuple[Path, list[str]]:
    from bench_import import build_workbook, make_rows

    rows = make_rows(people, seed=99)
    book = home / "roster.xlsx"
    build_workbook(book, rows)
    return book, [r["id"] for r in rows]


def lead_numbers(url: str) -> tuple[list[tuple[str, int, int, str]], bool]:
    """Every lead's (department, year, seq, number) and the audit chain's verdict, read
    through medisup's own session."""
    from sqlmodel import select

    from medisup.config import Settings
    from medisup.models import Lead
    from medisup.services import audit
    from medisup.services.uow import unit_of_work

    settings = Settings(operator="bench", dept=DEPARTMENT, database_url=url, lang="zh")
    with unit_of_work(settings, command="bench", write=False) as uow:
        rows = uow.session.exec(select(Lead.department_code, Lead.year, Lead.seq,
                                       Lead.number)).all()
        return [tuple(r) for r in rows], audit.verify(uow.session).ok


def bench_writers(home: Path, backend: str, url: str, writers: int, per_writer: int,
                  cli_calls: int) -> Run:
    result = Run(f"(d) {writers} writers × {per_writer} leads, {backend}")
    home.mkdir()
    env = child_env(home)
    init_database(url, env, home)
    book, ids = _roster_for_leads(home, writers + 1)
    done = run(medisup(url, "import", "supervisors", str(book)), env, home)
    if done.returncode != 0:
        result.fail(f"roster import failed: {done.stderr.strip()[-800:]}")
        return result
    from bench_import import TERM_START

    received = min(date.today(), date(TERM_START.year + 2, 1, 1) - timedelta(days=1))

    # The real command, a few times: what one clerk's `medisup lead log` costs.
    cli_times = []
    for i in range(cli_calls):
        started = time.perf_counter()
        done = run(medisup(url, "lead", "log", "--supervisor", ids[-1], "--received",
                           received.isoformat(), "--channel", "phone", "--target-kind",
                           "medical_institution", "--target-name", "呼和浩特市某某医院",
                           "--credit-code", credit_code(random.Random(i), "150103"),
                           "--code", "A1", "--description", f"命令行登记的第{i + 1}条线索",
                           operator="命令行录入员"), env, home)
        cli_times.append(time.perf_counter() - started)
        result.check(done.returncode == 0, f"medisup lead log failed: {done.stderr[-600:]}")
        result.case(cli_times[-1])

    go, stop = home / "go", home / "stop"
    me = str(Path(__file__).resolve())
    children = [subprocess.Popen([sys.executable, me, WRITER, url, str(k), str(per_writer),
                                  ids[k], received.isoformat(), str(go)],
                                 env=env, cwd=home, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for k in range(writers)]
    reader = subprocess.Popen([sys.executable, me, READER, url, str(go), str(stop)], env=env,
                              cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    time.sleep(1.5)  # let every process import medisup before the start
    started = time.perf_counter()
    go.touch()
    reports = []
    for child in children:
        out, err = child.communicate(timeout=CHILD_TIMEOUT)
        reports.append((child.returncode, out, err))
    writing = time.perf_counter() - started
    stop.touch()
    out, err = reader.communicate(timeout=600)
    reports.append((reader.returncode, out, err))

    logged = 0
    for k, (code, out, err) in enumerate(reports):
        who = f"writer {k}" if k < writers else "reader"
        try:
            summary = json.loads(out.strip().splitlines()[-1])
        except (IndexError, ValueError):
            result.fail(f"{who} exited {code} without a summary: {err.strip()[-800:]}")
            continue
        result.check(code == 0, f"{who} exited {code}")
        for text in summary["errors"][:5]:
            result.fail(f"{who}: {text}")
        if len(summary["errors"]) > 5:
            result.fail(f"{who}: … {len(summary['errors']) - 5} more errors")
        if k < writers:
            logged += summary["done"]
            result.cases += summary["done"] + len(summary["errors"])
            result.slowest = max(result.slowest, summary["slowest"])
            print(f"  writer {k}: {summary['done']} leads in {summary['seconds']:.1f} s, slowest "
                  f"{summary['slowest']:.2f} s, {len(summary['errors'])} errors", flush=True)
        else:
            result.check(summary["reads"] > 0, "the reader never read")
            print(f"  reader: {summary['reads']} lists (up to {summary['most']} leads), slowest "
                  f"{summary['slowest']:.2f} s, {len(summary['errors'])} errors", flush=True)

    rows, chain_ok = lead_numbers(url)
    expected = writers * per_writer + cli_calls
    result.check(len(rows) == expected and logged == writers * per_writer,
                 f"{len(rows)} leads stored, {logged} logged by the writers, {expected} expected")
    numbers = [r[3] for r in rows]
    result.check(len(set(numbers)) == len(numbers),
                 f"{len(numbers) - len(set(numbers))} duplicate lead numbers")
    by_year: dict[tuple[str, int], list[int]] = defaultdict(list)
    for dept, year, seq, _ in rows:
        by_year[dept, year].append(seq)
    for key, seqs in by_year.items():
        result.check(sorted(seqs) == list(range(1, len(seqs) + 1)),
                     f"sequence of {key} not 1..{len(seqs)} without gaps")
    result.check(chain_ok, "audit.verify found the chain broken")
    ok, text = audit_verify(url, env, home)
    result.check(ok, f"medisup audit verify failed: {text}")
    per_call = sum(cli_times) / len(cli_times) if cli_times else 0.0
    rate = writers * per_writer / writing
    result.note = (f"{rate:.0f} leads/s while writing ({writing:.1f} s); a real `medisup lead "
                   f"log` takes {per_call:.2f} s")
    print(f"  {len(rows)} leads, numbers unique and gap-free: "
          f"{len(set(numbers)) == len(numbers)}, {result.note}", flush=True)
    return result


# ---------------------------------------------------------------- PostgreSQL


def postgres_binaries() -> bool:
    if shutil.which("initdb"):
        return True
    return any(Path(p, "initdb").exists() for p in Path("/usr/lib/postgresql").glob("*/bin"))


class Postgres:
    """A throwaway local server, started and stopped as ``scripts/test.sh`` does."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="medisup-bench-pg-"))
        done = subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "start",
                               str(self.folder)], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise RuntimeError(done.stderr.strip()[-800:])
        self.admin_url = done.stdout.strip().splitlines()[-1]
        self._count = 0

    def database(self) -> str:
        """A new empty database; its URL."""
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self._count += 1
        name = f"medisup_bench_{os.getpid()}_{self._count}"
        url = make_url(self.admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return url.set(database=name).render_as_string(hide_password=False)

    def stop(self) -> None:
        subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "stop", str(self.folder)],
                       capture_output=True, timeout=300)
        shutil.rmtree(self.folder, ignore_errors=True)


# ---------------------------------------------------------------- main


def table(results: list[Run]) -> None:
    width = max(len(r.name) for r in results)
    print(f"\n{'run':<{width}}  {'cases':>6}  {'failures':>8}  {'slowest':>8}  {'wall':>8}")
    for r in results:
        print(f"{r.name:<{width}}  {r.cases:>6}  {len(r.failures):>8}  {r.slowest:>7.2f}s  "
              f"{r.wall:>7.1f}s")
    for r in results:
        if r.note:
            print(f"  {r.name}: {r.note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small run: 5,000 rows, 5 moments, 100 certificates, 50 leads")
    parser.add_argument("--rows", type=int, help="rows imported and exported (50,000)")
    parser.add_argument("--moments", type=int, help="kills per run (20)")
    parser.add_argument("--certificates", type=int, help="certificates per batch (1,000)")
    parser.add_argument("--leads", type=int, help="leads per writer (500)")
    parser.add_argument("--seed", type=int, help="seed of the kill moments (default: random)")
    parser.add_argument("--only", default="import,export,certificates,writers",
                        help="comma-separated runs to do")
    options = parser.parse_args(argv)
    quick = options.quick
    rows = options.rows or (5_000 if quick else 50_000)
    count = options.moments or (5 if quick else 20)
    certificates = options.certificates or (100 if quick else 1_000)
    per_writer = options.leads or (50 if quick else 500)
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(10**6)
    only = {part.strip() for part in options.only.split(",") if part.strip()}

    print(f"reliability: {rows:,} rows, {count} kills a run, {certificates:,} certificates, "
          f"{per_writer} leads a writer; seed {seed} (--seed {seed} repeats the moments)",
          flush=True)
    results: list[Run] = []
    home = Path(tempfile.mkdtemp(prefix="medisup-bench-reliability-"))
    isolate(home / "user")
    try:
        runs = []
        if "import" in only:
            runs.append(("import", lambda: bench_import(home / "import", rows, count,
                                                        random.Random(seed))))
        if "export" in only:
            runs.append(("export", lambda: bench_export(home / "export", rows, count,
                                                        random.Random(seed + 1))))
        if "certificates" in only:
            runs.append(("certificates", lambda: bench_certificates(
                home / "certificates", certificates, count, random.Random(seed + 2))))
        for name, job in runs:
            print(f"\n-- {name}", flush=True)
            started = time.perf_counter()
            result = job()
            result.wall = time.perf_counter() - started
            results.append(result)
        if "writers" in only:
            backends = [("SQLite", None)]
            pg: Postgres | None = None
            if postgres_binaries():
                try:
                    pg = Postgres()
                    backends.append(("PostgreSQL", pg))
                except RuntimeError as exc:
                    print(f"\n-- PostgreSQL writers SKIPPED: the server did not start: {exc}")
            else:
                print("\n-- PostgreSQL writers SKIPPED: PostgreSQL server binaries (initdb) "
                      "not found")
            try:
                for label, server in backends:
                    for writers in (2, 4):
                        print(f"\n-- {writers} writers, {label}", flush=True)
                        folder = home / f"writers-{label}-{writers}"
                        url = (server.database() if server
                               else sqlite_url(folder / "leads.db"))
                        started = time.perf_counter()
                        result = bench_writers(folder, label, url, writers, per_writer,
                                               cli_calls=3)
                        result.wall = time.perf_counter() - started
                        results.append(result)
            finally:
                if pg is not None:
                    pg.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if not results:
        print("nothing run")
        return 2
    table(results)
    failed = sum(len(r.failures) for r in results)
    print(f"\nseed {seed}: " + ("no failures" if not failed else f"{failed} FAILURES"))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == WRITER:
        url, index, count, supervisor, received, go = sys.argv[2:8]
        writer_process(url, int(index), int(count), supervisor, received, go)
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == READER:
        reader_process(*sys.argv[2:5])
        sys.exit(0)
    sys.exit(main())
