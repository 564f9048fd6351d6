"""List and check speed: ``medisup lead list`` (a page per filter), ``lead list --format
csv`` (a whole subtree, streamed), ``supervisor list`` and ``medisup check`` on 10,000,
100,000 and 1,000,000 leads.

Run as ``python bench/bench_lists.py [--sizes 10000,100000,1000000] [--pairs 3]``; exits
non-zero when a target is missed.

Honest by construction:
- whole process against whole process: every medisup job is the real command in a fresh
  subprocess (start-up, schema check, query, rendering); every reference is the sqlite3
  command-line shell running SQL that gives the same answer, also a fresh process;
- each side's cost is its CPU time (user + system, from ``wait4``), not wall time, which a
  shared machine stretches; medisup's modules are compiled first, as installed;
- the two take turns (``--pairs`` pairs, at least three) and the median of the per-pair
  ratios is reported, so a busy machine slows both alike; the load average is printed;
- peak memory is each medisup process's own maximum resident set (``wait4``);
- the databases are filled like a bureau's: a province, two cities and ten counties,
  supervisors with terms, pending applications and declared interests, leads over three
  years in every status with stored deadlines, items, events and rewards.

Targets (issue 16): a list page < 0.5 s whatever the size (flat growth: 10k → 1M);
the CSV of a subtree streams (< 100 MB) at ≤ 2× the sqlite3 shell writing the same CSV;
``check`` < 1 s on 1,000,000 leads; a 1,000,000-lead database under 1 GB.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fixtures import (
    HOHHOT_DEPARTMENTS,
    INSERT,
    child_cost,
    compile_bytecode,
    credit_code,
    id_number,
    interleaved,
    new_database,
    timestamp,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = date(2026, 6, 30)
PAGE_TARGET_S = 0.5
CHECK_TARGET_S = 1.0
CSV_RATIO = 2.0
CSV_MEMORY_MB = 100
DB_LIMIT_MB = 1000
VERSION = 4  # bump when the generated data changes: cached databases are rebuilt
DEPARTMENTS = HOHHOT_DEPARTMENTS + [
    ("150200", "包头市医疗保障局", "150000"),
    ("150202", "东河区医疗保障局", "150200"),
    ("150203", "昆都仑区医疗保障局", "150200"),
    ("150204", "青山区医疗保障局", "150200"),
    ("150221", "土默特右旗医疗保障局", "150200"),
]
# Where leads are logged: mostly counties, some at city level.
LEAD_DEPTS = [c for c, _, p in DEPARTMENTS if p not in (None, "150000")] + ["150100", "150200"]
ITEMS = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "B1", "B2", "B3", "B4", "B5",
         "C1", "C2", "C3", "D1", "D2", "D3", "E1"]
CHANNELS = ["phone", "email", "letter", "visit"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕"
INSTITUTIONS = ["人民医院", "中医医院", "蒙医医院", "妇幼保健院", "大药房", "社区卫生服务中心",
                "口腔诊所", "康复医院"]
DESCRIPTIONS = ["虚构住院病历套取医保基金", "串换药品收费", "诱导参保人员住院", "重复收费、超标准收费",
                "冒名就医", "倒卖医保药品", "过度检查、过度诊疗"]


# ---------------------------------------------------------------- the database


def build_database(path: Path, leads: int, seed: int = 16) -> None:
    """A migrated database with ``leads`` leads and the people who reported them."""
    new_database(path, DEPARTMENTS)
    rng = random.Random(seed)
    stamp = timestamp()
    n_people = max(200, leads // 200)
    people, applications, terms, interests, pending = [], [], [], [], []
    serving: dict[str, list[tuple[int, int]]] = {code: [] for code in LEAD_DEPTS}
    seen: set[str] = set()
    for n in range(1, n_people + 1):
        dept = LEAD_DEPTS[n % len(LEAD_DEPTS)]
        while True:
            birth = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40))
            number = id_number(dept, birth, rng.randrange(1000))
            if number not in seen:
                seen.add(number)
                break
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        people.append((n, number, name, "M" if int(number[16]) % 2 else "F", birth.isoformat(),
                       f"139{rng.randrange(10**8):08d}", stamp, stamp))
        applied = date(2022, 6, 1) + timedelta(days=rng.randrange(200))
        applications.append((n, n, dept, "open", applied.isoformat(), "approved",
                             (applied + timedelta(days=20)).isoformat(), stamp))
        start = applied + timedelta(days=30)
        terms.append((n, n, dept, n, 1, start.isoformat(),
                      (start + timedelta(days=365 * 5)).isoformat(), 0, stamp))
        serving[dept].append((n, n))
        if rng.random() < 0.1:
            interests.append((n, n, dept + rng.choice(INSTITUTIONS), credit_code(rng, dept),
                              applied.isoformat()))
        if rng.random() < 0.05:  # a pending application in a second department
            other = rng.choice(LEAD_DEPTS)
            if other != dept:
                pending.append((n_people + len(pending) + 1, n, other, "self",
                                (AS_OF - timedelta(days=rng.randrange(60))).isoformat(),
                                "pending", None, stamp))

    statuses = (["closed"] * 85 + ["received"] * 3 + ["in_progress"] * 7 + ["verified"] * 2
                + ["unfounded"] * 2 + ["referred"] * 1)
    first_day, span = date(2023, 7, 1), (AS_OF - date(2023, 7, 1)).days
    lead_rows, item_rows, event_rows, reward_rows = [], [], [], []
    seqs: dict[tuple[str, int], int] = {}
    # Leads arrive in date order, as a bureau logs them.
    days = sorted(rng.randrange(span + 1) for _ in range(leads))
    for n, offset in enumerate(days, start=1):
        dept = rng.choice(LEAD_DEPTS)
        received = first_day + timedelta(days=offset)
        key = (dept, received.year)
        seqs[key] = seq = seqs.get(key, 0) + 1
        person, term = rng.choice(serving[dept])
        age = (AS_OF - received).days
        # A backlog, not a swamp: old leads are nearly all closed, recent ones in every state.
        closed_share = 0.99 if age > 365 else 0.9 if age > 90 else 0.0
        status = "closed" if rng.random() < closed_share else rng.choice(statuses[80:])
        accept_by = received + timedelta(days=7)
        handle_by = received + timedelta(days=45)
        closed_on = (received + timedelta(days=rng.randrange(10, 60))).isoformat() \
            if status == "closed" else None
        outcome = rng.choice(("verified", "unfounded", "unfounded", "referred"))
        verified = (status == "verified" or (status == "closed" and outcome == "verified"))
        lead_rows.append((
            n, f"{dept}-{received.year}-{seq:04d}", dept, received.year, seq, person, term,
            received.isoformat(), rng.choice(CHANNELS), "medical_institution",
            dept + rng.choice(INSTITUTIONS), None, rng.choice(DESCRIPTIONS),
            rng.randrange(1000, 500000) if rng.random() < 0.5 else None,
            "稽核科" if status != "received" else None, status, accept_by.isoformat(),
            handle_by.isoformat(), 1 if rng.random() < 0.01 else 0,
            rng.randrange(1000, 100000) if verified else None, None,
            "公安机关" if status == "closed" and outcome == "referred" else None, closed_on,
            stamp, stamp))
        for code in sorted(rng.sample(ITEMS, rng.choice((1, 1, 2)))):
            item_rows.append((n, code))
        if status == "closed":
            event_rows.append((len(event_rows) + 1, n, "in_progress", outcome, closed_on, stamp))
            if verified and rng.random() < 0.2:
                reward_rows.append((len(reward_rows) + 1, n, 500, 500, "基数", "claimed", stamp))

    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO person (id, id_number, name, gender, birth_date, phone, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", people)
        connection.executemany(INSERT["person_category"], [(p[0], "insured") for p in people])
        connection.executemany(INSERT["application"], applications + pending)
        connection.executemany(INSERT["term"], terms)
        connection.executemany(INSERT["interest"], interests)
        connection.executemany(
            "INSERT INTO lead (id, number, department_code, year, seq, supervisor_id, term_id,"
            " received_on, channel, target_kind, target_name, target_credit_code, description,"
            " amount_involved, handling_unit, status, accept_by, handle_by, conflict,"
            " verified_amount, recovered_amount, referral_target, closed_on, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?)", lead_rows)
        connection.executemany("INSERT INTO lead_item (lead_id, code) VALUES (?, ?)", item_rows)
        connection.executemany(
            "INSERT INTO lead_event (id, lead_id, from_status, to_status, on_date, operator,"
            " created_at) VALUES (?, ?, ?, ?, ?, 'bench', ?)", event_rows)
        connection.executemany(
            "INSERT INTO reward (id, lead_id, computed, amount, basis, insider, status,"
            " created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)", reward_rows)
    connection.close()


def database(leads: int, folder: Path) -> Path:
    """The cached database of ``leads`` leads (built once per data version)."""
    path = folder / f"lists-{leads}-v{VERSION}.db"
    if not path.exists():
        started = time.perf_counter()
        part = path.with_suffix(".part")
        part.unlink(missing_ok=True)
        build_database(part, leads)
        part.rename(path)
        print(f"  built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    # A database cached by an earlier release is brought to the current schema, as a
    # bureau's would be (medisup db upgrade; nothing to do when it is current).
    subprocess.run([sys.executable, "-m", "medisup", "--db", f"sqlite:///{path}", "db",
                    "upgrade"], check=True, stdout=subprocess.DEVNULL, env={
                        **os.environ, "PYTHONPATH": str(ROOT), "MEDISUP_CONFIG_DIR":
                        str(folder / "config"), "MEDISUP_DATA_DIR": str(folder / "data")})
    return path


# ---------------------------------------------------------------- running a process


def medisup(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "medisup", "--db", f"sqlite:///{db}", "--dept", "150000",
            "--operator", "bench", "--no-input", *args]


def sqlite_shell(db: Path, sql: str, *options: str) -> list[str]:
    return ["sqlite3", *options, str(db), sql]


# ---------------------------------------------------------------- the SQL references


def _reference_sql(db: Path, args: list[str]) -> tuple[str, str]:
    """The count and page SQL a hand-written tool would send for a list, and the SQL of
    the whole stream: medisup's own statements, compiled with their values inline."""
    from medisup.config import Settings
    from medisup.services.leads import query as lead_query
    from medisup.services.leads.views import LeadFilter
    from medisup.services.uow import unit_of_work

    options = dict(zip(args[::2], args[1::2], strict=False))
    f = LeadFilter(department=options.get("--department"), status=options.get("--status"),
                   overdue="--overdue" in args)
    settings = Settings(operator="bench", dept="150000", database_url=f"sqlite:///{db}",
                        lang="zh")
    with unit_of_work(settings, command="bench", write=False) as uow:
        selection = lead_query.select_leads(uow, f, as_of=AS_OF)
        dialect = uow.session.get_bind().dialect

        def sql(statement: Any) -> str:
            return str(statement.compile(dialect=dialect,
                                         compile_kwargs={"literal_binds": True}))

        page = (sql(lead_query.count_statement(selection)) + ";\n"
                + sql(lead_query.page_ids_statement(selection, offset=0, limit=50)) + ";")
        return page, sql(lead_query.stream_statement(selection)) + ";"


def service_seconds(db: Path, args: list[str], runs: int = 3) -> float:
    """The same work in-process, start-up left out (public service functions): median CPU
    seconds of ``runs`` calls after one warm-up, so the query's own growth with size shows."""
    from medisup.config import Settings
    from medisup.services.leads import consistency
    from medisup.services.leads import views as lead_views
    from medisup.services.supervisors import views as supervisor_views
    from medisup.services.uow import unit_of_work

    options = dict(zip(args[2::2], args[3::2], strict=False))
    f = lead_views.LeadFilter(department=options.get("--department"),
                              status=options.get("--status"), overdue="--overdue" in args)
    settings = Settings(operator="bench", dept="150000", database_url=f"sqlite:///{db}",
                        lang="zh")
    orm = args[:2] != ["lead", "list"]  # as the command: a masked lead list reads through Core
    if args[:2] == ["lead", "list"]:
        def work(uow):
            return lead_views.lead_page(uow, f, as_of=AS_OF)
    elif args[:2] == ["supervisor", "list"]:
        def work(uow):
            return supervisor_views.supervisor_page(uow, as_of=AS_OF)
    else:
        def work(uow):
            return consistency.check(uow)
    times = []
    for _ in range(runs + 1):
        with unit_of_work(settings, command="bench", write=False, orm=orm) as uow:
            started = time.process_time()
            work(uow)
            times.append(time.process_time() - started)
    return statistics.median(times[1:])


# ---------------------------------------------------------------- the jobs


LISTS = {
    "lead list": ["lead", "list"],
    "lead list --department 150100": ["lead", "list", "--department", "150100"],
    "lead list --status in_progress": ["lead", "list", "--status", "in_progress"],
    "lead list --overdue": ["lead", "list", "--overdue"],
    "lead list --department 150102 --overdue": ["lead", "list", "--department", "150102",
                                                "--overdue"],
}


def pairs(a: list[str], b: list[str], n: int, env: dict[str, str], *,
          a_out: Path | None = None, b_out: Path | None = None) -> dict[str, float]:
    """``n`` interleaved runs of ``a`` (medisup) and ``b`` (the reference); median CPU
    seconds of each, median of the per-pair ratios (``check`` exits 1 on the problems the
    data holds on purpose)."""
    return interleaved(a, b, n, env, a_out=a_out, b_out=b_out, ok=(0, 1))


def main(sizes: list[int], n: int, folder: Path) -> bool:
    env = dict(os.environ, MEDISUP_CONFIG_DIR=str(folder / "config"),
               MEDISUP_DATA_DIR=str(folder / "data"), MEDISUP_LANG="zh", COLUMNS="160")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    as_of = ["--as-of", AS_OF.isoformat()]
    compile_bytecode()
    results: list[dict[str, Any]] = []
    floor = statistics.median(child_cost([sys.executable, "-c", "import medisup.cli"], env)[0]
                              for _ in range(3))
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores; "
          f"start-up floor (import medisup.cli) {floor:.2f} s", flush=True)
    for size in sizes:
        db = database(size, folder)
        mb = db.stat().st_size / 1e6
        print(f"\n{size:,} leads ({mb:.0f} MB database; load {os.getloadavg()[0]:.2f})",
              flush=True)
        if size >= 1_000_000:
            results.append({"size": size, "work": "database size", "medisup": mb,
                            "reference": None, "ratio": None, "peak_mb": None,
                            "target": f"< {DB_LIMIT_MB} MB", "ok": mb < DB_LIMIT_MB})
        for label, args in LISTS.items():
            page_sql, _ = _reference_sql(db, args)
            figures = pairs(medisup(db, *args, *as_of), sqlite_shell(db, page_sql), n, env)
            figures.update(size=size, work=label + " (page 1)", target=f"< {PAGE_TARGET_S} s",
                           ok=figures["medisup"] < PAGE_TARGET_S,
                           service=service_seconds(db, args))
            results.append(figures)
            _print(figures)
        figures = pairs(medisup(db, "supervisor", "list", *as_of),
                        sqlite_shell(db, "SELECT count(*) FROM term;"), n, env)
        figures.update(size=size, work="supervisor list (page 1)",
                       target=f"< {PAGE_TARGET_S} s", ok=figures["medisup"] < PAGE_TARGET_S,
                       service=service_seconds(db, ["supervisor", "list"]))
        results.append(figures)
        _print(figures)
        args = ["lead", "list", "--department", "150100", "--format", "csv"]
        _, stream_sql = _reference_sql(db, args)
        figures = pairs(medisup(db, *args, *as_of),
                        sqlite_shell(db, stream_sql, "-csv", "-header"), n, env,
                        a_out=folder / "medisup.csv", b_out=folder / "sqlite3.csv")
        rows = sum(1 for _ in open(folder / "medisup.csv", "rb")) - 1
        figures.update(size=size, work=f"lead list --department 150100 -f csv ({rows:,} rows)",
                       target=f"≤ {CSV_RATIO}×, < {CSV_MEMORY_MB} MB",
                       ok=figures["ratio"] <= CSV_RATIO and figures["peak_mb"] < CSV_MEMORY_MB)
        results.append(figures)
        _print(figures)
        figures = pairs(medisup(db, "check"), sqlite_shell(db, "SELECT count(*) FROM reward;"),
                        n, env)
        figures.update(size=size, work="check", target=f"< {CHECK_TARGET_S} s",
                       ok=figures["medisup"] < CHECK_TARGET_S,
                       service=service_seconds(db, ["check"]))
        results.append(figures)
        _print(figures)
    print("\n| leads | work | medisup (process) | in-process | reference | ratio | target |"
          " peak MB | |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    for r in results:
        ref = "" if r["reference"] is None else f"{r['reference']:.2f} s"
        value = f"{r['medisup']:.0f} MB" if r["work"] == "database size" \
            else f"{r['medisup']:.2f} s"
        service = f"{r['service']:.3f} s" if r.get("service") is not None else ""
        print(f"| {r['size']:,} | {r['work']} | {value} | {service} | {ref} | "
              f"{'' if r['ratio'] is None else format(r['ratio'], '.1f')} | {r['target']} | "
              f"{'' if r['peak_mb'] is None else format(r['peak_mb'], '.0f')} | "
              f"{'OK' if r['ok'] else 'MISSED'} |")
    _growth(results)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f} (medians of {n} interleaved pairs)")
    return all(r["ok"] for r in results)


def _print(r: dict[str, Any]) -> None:
    service = f"(in-process {r['service']:.3f} s)" if r.get("service") is not None else ""
    print(f"  {r['work']:<52} {r['medisup']:6.2f} s {service} ref {r['reference']:6.2f} s  "
          f"×{r['ratio']:5.1f}  {r['peak_mb']:5.0f} MB  {'OK' if r['ok'] else 'MISSED'}",
          flush=True)


def _growth(results: list[dict[str, Any]]) -> None:
    by_work: dict[str, dict[int, float]] = {}
    for r in results:
        if r["work"] in ("database size",) or "csv" in r["work"]:
            continue
        by_work.setdefault(r["work"], {})[r["size"]] = (r["medisup"], r.get("service"))
    print("\ngrowth, smallest → largest size (whole process CPU s / in-process CPU s):")
    for work, times in by_work.items():
        line = " → ".join(f"{times[s][0]:.2f}/{times[s][1]:.3f}" for s in sorted(times))
        print(f"  {work:<52} {line}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rows", type=int, help="one size only (bench/run.py passes this)")
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "medisup-bench"),
                        help="folder for the generated databases (reused between runs)")
    options = parser.parse_args()
    if shutil.which("sqlite3") is None:
        raise SystemExit("the sqlite3 command-line shell is the reference: install it first")
    sizes = [options.rows] if options.rows else [int(s) for s in options.sizes.split(",")]
    cache = Path(options.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sys.exit(0 if main(sizes, max(3, options.pairs), cache) else 1)
