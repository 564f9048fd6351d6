"""Review speed: ``review annual`` under 3 s with peak memory under 500 MB, ``review
renewals`` and ``review terminations`` under 1 s, on 100,000 supervisors and 1,000,000
leads on SQLite.

Run as ``python bench/bench_reviews.py [--rows 100000] [--leads 1000000]``; exits non-zero
when a target is missed.  A fresh migrated database is filled by raw ``executemany``
(people, categories, applications, terms — half of the ended ones renewed —, leads with
their items, older ones mostly settled, activities with participants, discipline records),
with a Guangxi subtree so automatic dismissal and the meeting duty have work to do.  Each review is timed through its public
service function in this process (best of ``runs``), and run once as the real command in a
subprocess for the end-to-end time and the peak memory of that process.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fixtures import INSERT, new_database, timestamp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = date(2026, 6, 30)
YEAR = 2025
TARGETS = {"annual": 3.0, "renewals": 1.0, "terminations": 1.0}
MEMORY_MB = 500
DEPARTMENTS = [
    ("150000", "内蒙古自治区医疗保障局", None, "nm-2024"),
    ("150100", "呼和浩特市医疗保障局", "150000", None),
    ("150102", "新城区医疗保障局", "150100", None),
    ("150103", "回民区医疗保障局", "150100", None),
    ("150104", "玉泉区医疗保障局", "150100", None),
    ("150105", "赛罕区医疗保障局", "150100", None),
    ("450000", "广西壮族自治区医疗保障局", None, "gx-trial"),
    ("450100", "南宁市医疗保障局", "450000", None),
    ("450102", "兴宁区医疗保障局", "450100", None),
]
COUNTIES = ["150102", "150103", "150104", "150105", "150102", "150103", "150104", "150105",
            "450102"]
CATEGORIES = ["npc_deputy", "cppcc_member", "media", "institution_rep", "expert", "insured",
              "other"]
ITEMS = ["A1", "A2", "A5", "A6", "A7", "B1", "B2", "C2", "D4", "E1"]
STATUSES = ["received", "in_progress", "verified", "unfounded", "referred", "closed"]
CHANNELS = ["phone", "email", "letter", "visit"]


def build_database(path: Path, rows: int, leads: int, seed: int = 11) -> str:
    """A migrated database with ``rows`` supervisors and ``leads`` leads; returns its URL."""
    from medisup.services.leads.items import with_openers

    url = new_database(path, DEPARTMENTS)
    rng = random.Random(seed)
    stamp = timestamp()
    people, categories, applications, terms, spans = [], [], [], [], []
    term_id = 0
    for n in range(1, rows + 1):
        birth = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 45))
        gender = rng.choice("MF")
        people.append((n, f"{n:018d}", f"监督员{n}", gender, birth.isoformat(),
                       rng.choice(["medicine", "law", "finance", "it", "other"]), stamp, stamp))
        for code in rng.sample(CATEGORIES, rng.choice((1, 1, 2))):
            categories.append((n, code))
        dept = rng.choice(COUNTIES)
        channel = "open" if dept.startswith("45") else rng.choice(["open", "invited", "self",
                                                                    "unit"])
        start = AS_OF - timedelta(days=rng.randrange(30, 1400))
        applications.append((n, n, dept, channel, (start - timedelta(days=20)).isoformat(),
                             "approved", (start - timedelta(days=5)).isoformat(), stamp))
        end = date(start.year + 2, start.month, min(start.day, 28)) - timedelta(days=1)
        renewed = end < AS_OF and rng.random() < 0.5
        term_id += 1
        terms.append((term_id, n, dept, n, 1, start.isoformat(), end.isoformat(), int(renewed),
                      stamp))
        spans.append((n, dept, term_id, start, end))
        if renewed:
            start2 = end + timedelta(days=1)
            end2 = date(start2.year + 2, start2.month, min(start2.day, 28)) - timedelta(days=1)
            term_id += 1
            terms.append((term_id, n, dept, n, 2, start2.isoformat(), end2.isoformat(), 0, stamp))
            spans.append((n, dept, term_id, start2, end2))

    lead_rows, item_rows, seqs = [], [], {}
    for i in range(1, leads + 1):
        person, dept, tid, start, end = spans[rng.randrange(len(spans))]
        last = min(end, AS_OF)
        received = start + timedelta(days=rng.randrange(max(1, (last - start).days + 1)))
        key = (dept, received.year)
        seqs[key] = seq = seqs.get(key, 0) + 1
        # Old leads are mostly settled, as in a working bureau; recent ones are in any state.
        if received < AS_OF - timedelta(days=90):
            status = rng.choices(STATUSES, weights=(1, 2, 5, 8, 5, 79))[0]
        else:
            status = rng.choice(STATUSES)
        verified = f"{rng.randrange(100, 100000)}.00" if status in ("verified", "closed") else None
        lead_rows.append((
            i, f"{dept}-{received.year}-{seq:06d}", dept, received.year, seq, person, tid,
            received.isoformat(), rng.choice(CHANNELS), "medical_institution", "某某医院",
            status, (received + timedelta(days=21)).isoformat(),
            (received + timedelta(days=42)).isoformat(), 0, verified, verified, stamp, stamp))
        for code, opens in with_openers(rng.sample(ITEMS, rng.choice((1, 1, 1, 2)))):
            item_rows.append((i, code, int(opens)))

    activities, participation = [], []
    counts: dict[tuple[str, int], int] = {}
    for a in range(1, rows // 20 + 1):
        dept = rng.choice(COUNTIES)
        held = AS_OF - timedelta(days=rng.randrange(900))
        key = (dept, held.year)
        counts[key] = seq = counts.get(key, 0) + 1
        kind = rng.choice(["forum", "inspection", "briefing"] if dept.startswith("45")
                          else ["visit", "survey", "inspection"])
        activities.append((a, f"{dept}-HD-{held.year}-{seq:04d}", dept, kind, held.isoformat(),
                           "活动", stamp, "held"))
        for person in rng.sample(range(1, rows + 1), 5):
            participation.append((a, person, rng.choice((1, 1, 1, 0))))
    discipline = [(d, p, None, "secrecy", (AS_OF - timedelta(days=10)).isoformat(), stamp)
                  for d, p in enumerate(rng.sample(range(1, rows + 1), rows // 200), start=1)]

    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO person (id, id_number, name, gender, birth_date, background, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", people)
        connection.executemany(INSERT["person_category"], categories)
        connection.executemany(INSERT["application"], applications)
        connection.executemany(INSERT["term"], terms)
        connection.executemany(
            "INSERT INTO lead (id, number, department_code, year, seq, supervisor_id, term_id,"
            " received_on, channel, target_kind, target_name, status, accept_by, handle_by,"
            " conflict, verified_amount, recovered_amount, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lead_rows)
        connection.executemany(
            "INSERT INTO lead_item (lead_id, code, opens_subject) VALUES (?, ?, ?)", item_rows)
        connection.executemany(
            "INSERT INTO activity (id, number, department_code, kind, held_on, topic, created_at,"
            " status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", activities)
        connection.executemany(
            "INSERT INTO participation (activity_id, person_id, attended) VALUES (?, ?, ?)",
            participation)
        # discipline against each person's latest term
        connection.executemany(
            "INSERT INTO discipline (id, person_id, term_id, rule, occurred_on, created_at)"
            " VALUES (?, ?, (SELECT max(id) FROM term WHERE person_id = ?), ?, ?, ?)",
            [(d, p, p, rule, on, st) for d, p, _, rule, on, st in discipline])
    connection.execute("ANALYZE")
    connection.close()
    return url


def _uow(url: str, dept: str):
    from medisup.config import Settings
    from medisup.services.uow import unit_of_work

    return unit_of_work(Settings(operator="bench", dept=dept, database_url=url, lang="zh"),
                        command="bench", write=False)


def time_reviews(url: str, runs: int, dept: str = "150000") -> dict[str, tuple[float, int]]:
    """Best time of each review of ``dept`` (and everything below it) through its service
    function, and its size."""
    from medisup.services import reviews

    jobs = {
        "annual": lambda uow: len(reviews.annual(uow, year=YEAR).findings),
        "renewals": lambda uow: len(reviews.renewals(uow, within=60, as_of=AS_OF).items),
        "terminations": lambda uow: len(reviews.terminations(uow, as_of=AS_OF).items),
    }
    out = {}
    for name, job in jobs.items():
        best, size = float("inf"), 0
        for _ in range(runs):
            # CPU time of this process (SQLite runs in it): what the review costs, not
            # what else the shared machine was doing meanwhile
            started = time.process_time()
            with _uow(url, dept) as uow:
                size = job(uow)
            best = min(best, time.process_time() - started)
        out[name] = (best, size)
    return out


def command(url: str, *args: str, dept: str = "150000") -> tuple[float, float, float]:
    """One real command in a subprocess: wall seconds, CPU seconds and that process's
    peak memory (MB), read from its own resource usage."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "medisup", "--db", url, "--dept", dept,
                              "--operator", "bench", "--no-input", *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(rows: int = 100_000, leads: int = 1_000_000, runs: int = 3,
         db: str | None = None) -> int:
    """Build (or reuse, ``db``) the database, time the reviews of the large region, print
    a table; non-zero when a target is missed."""
    with tempfile.TemporaryDirectory() as folder:
        if db:
            url = f"sqlite:///{Path(db).resolve()}"
            print(f"database: {db} (reused)")
        else:
            # Built in a process of its own: a child's peak memory (ru_maxrss) starts from
            # its parent's at the moment it is started, so the process that starts the
            # measured commands must stay small.
            started = time.perf_counter()
            path = Path(folder) / "bench.db"
            subprocess.run([sys.executable, __file__, "--build", str(path), "--rows", str(rows),
                            "--leads", str(leads)], check=True)
            url = f"sqlite:///{path}"
            print(f"database: {rows:,} supervisors, {leads:,} leads built in "
                  f"{time.perf_counter() - started:.1f} s")
        # The real commands first, while this process holds no data; then the services.
        commands = {
            "annual": command(url, "review", "annual", "--year", str(YEAR), "--format", "json"),
            "renewals": command(url, "review", "renewals", "--as-of", AS_OF.isoformat(),
                                "--format", "json"),
            "terminations": command(url, "review", "terminations", "--as-of",
                                    AS_OF.isoformat(), "--format", "json"),
        }
        figures = time_reviews(url, runs)
        gx = time_reviews(url, 1, dept="450000")
    failed = []
    print(f"{'review':<14}{'service cpu s':>14}{'target s':>10}{'items':>8}{'command s':>11}"
          f"{'cpu s':>8}{'peak MB':>9}")
    for name, (seconds, size) in figures.items():
        wall, cpu, peak = commands[name]
        ok = seconds <= TARGETS[name]
        failed += [] if ok else [name]
        print(f"{name:<14}{seconds:>14.2f}{TARGETS[name]:>10.1f}{size:>8}{wall:>11.2f}"
              f"{cpu:>8.2f}{peak:>9.0f}{'' if ok else '  MISSED'}")
    if commands["annual"][2] >= MEMORY_MB:
        failed.append("memory")
    print(f"peak memory of `review annual`: {commands['annual'][2]:.0f} MB "
          f"(target < {MEMORY_MB} MB)")
    print("gx-trial region (450000), service cpu s: " + ", ".join(
        f"{name} {seconds:.2f} ({size} items)" for name, (seconds, size) in gx.items()))
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (service times are CPU seconds; command s is wall)")
    return 1 if failed else 0


def _args(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default=None, help="reuse a database built by an earlier run")
    parser.add_argument("--build", default=None, help="only build the database at this path")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = _args()
    if args.build:
        build_database(Path(args.build), args.rows,
                       args.leads if args.leads is not None else args.rows * 10)
        sys.exit(0)
    sys.exit(main(args.rows, args.leads if args.leads is not None else args.rows * 10, args.runs,
                  args.db))
