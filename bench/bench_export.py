"""Export cost: ``medisup export supervisors FILE`` masked (the default) and with
``--reveal``, each a whole process, in CPU seconds (user + system) and peak resident
memory, against absolute targets (at most 5 s of CPU and 200 MB for 100,000 rows) and
beside a reference: a hand-written exporter writing the same cells (one SQL query with
the sqlite3 module, bare xlsxwriter in constant-memory mode), also a process of its own.

Run as ``python bench/bench_export.py [--rows 100000] [--runs 3]``; exits non-zero when a
target is missed.  A fresh migrated SQLite database is filled by raw ``executemany``:
people in six counties, most of them serving (application and term), some with a
pending application, one in five with a declared interest, one or two categories each.
The four jobs (each export and its reference) take turns, at least three rounds; medians
count, and the load average is printed beside them: a busy machine inflates CPU time too.  Only public
functions of medisup are used.

``medisup`` is compiled once first (``compileall``): an installed tool runs from its
byte-code, and with ``PYTHONDONTWRITEBYTECODE`` set every process would otherwise compile
it again and count that as export time.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fixtures import HOHHOT_DEPARTMENTS, INSERT, credit_code, id_number, new_database, timestamp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# For 100,000 rows; a smaller run (a quick check) is held to the same figures.
CPU_TARGET = 5.0  # seconds of CPU (user + system)
PEAK_TARGET = 200.0  # MB resident at the peak
TARGET_ROWS = 100_000
AS_OF = date(2026, 6, 30)
PENDING = 0.05  # share of people whose application is not yet decided
DEPARTMENTS = HOHHOT_DEPARTMENTS
COUNTIES = [code for code, _, parent in DEPARTMENTS if parent == "150100"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕晓东雪梅春林文斌宇浩然巴特尔其木格乌兰图雅"
ETHNICITIES = ["汉族"] * 8 + ["蒙古族", "满族", "回族", "达斡尔族"]
CATEGORIES = ["npc_deputy", "cppcc_member", "media", "institution_rep", "expert", "insured",
              "other"]
BACKGROUNDS = ["medicine", "law", "finance", "it", "other"]
CHANNELS = ["open", "invited", "self", "unit"]
STREETS = ["中山东路", "新华大街", "锡林郭勒南路", "大学西街", "昭乌达路", "兴安南路"]
UNITS = ["内蒙古医科大学附属医院", "呼和浩特市第一医院", "新城区人民政府", "内蒙古日报社",
         "某某律师事务所", "呼和浩特市中医蒙医医院", "某某大药房连锁有限公司"]
POSTS = ["主任医师", "副主任", "科员", "记者", "律师", "药师", "退休职工", "教师"]


# ---------------------------------------------------------------- the database


def build_database(path: Path, rows: int, seed: int = 7, *, pending: float = 0.0) -> str:
    """A migrated database with ``rows`` people on the roster on ``AS_OF``, all serving
    but a share ``pending`` whose application is not yet decided; returns its URL.  (The
    same seed and no pending applications make the same people as before.)"""
    url = new_database(path, DEPARTMENTS)
    rng = random.Random(seed)
    stamp = timestamp()
    people, categories, interests, applications, terms = [], [], [], [], []
    seen: set[str] = set()
    for n in range(1, rows + 1):
        while True:
            birth = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 45))
            female = rng.random() < 0.5
            seq = rng.randrange(500) * 2 + (0 if female else 1)
            number = id_number(rng.choice(COUNTIES), birth, seq)
            if number not in seen:
                seen.add(number)
                break
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        dept = rng.choice(COUNTIES)
        applied = AS_OF - timedelta(days=rng.randrange(60, 700))
        start = applied + timedelta(days=30)
        end = date(start.year + 2, start.month, min(start.day, 28)) - timedelta(days=1)
        people.append((
            n, number, name, "F" if female else "M", rng.choice(ETHNICITIES), birth.isoformat(),
            f"1{rng.choice('3589')}{rng.randrange(10**9):09d}", f"user{n}@example.com",
            f"内蒙古自治区呼和浩特市{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
            f"{rng.choice(UNITS)}{rng.choice(POSTS)}", rng.choice(BACKGROUNDS), stamp, stamp,
        ))
        for code in sorted(rng.sample(CATEGORIES, rng.choice((1, 1, 1, 2)))):
            categories.append((n, code))
        if rng.random() < 0.2:
            interests.append((n, n, rng.choice(UNITS), credit_code(rng, rng.choice(COUNTIES)),
                              applied.isoformat()))
        if pending and rng.random() < pending:
            applications.append((n, n, dept, rng.choice(CHANNELS),
                                 (AS_OF - timedelta(days=rng.randrange(1, 30))).isoformat(),
                                 "pending", None, stamp))
            continue
        applications.append((n, n, dept, rng.choice(CHANNELS), applied.isoformat(),
                             "approved", (applied + timedelta(days=10)).isoformat(), stamp))
        terms.append((n, n, dept, n, 1, start.isoformat(), end.isoformat(), 0, stamp))

    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO person (id, id_number, name, gender, ethnicity, birth_date, phone, email,"
            " address, work_unit, background, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", people)
        connection.executemany(INSERT["person_category"], categories)
        connection.executemany(INSERT["interest"], interests)
        connection.executemany(INSERT["application"], applications)
        connection.executemany(INSERT["term"], terms)
    connection.close()
    return url


# ---------------------------------------------------------------- the jobs


REFERENCE_SQL = """
SELECT p.name, p.gender, p.ethnicity, {birth}, {id_number}, {phone}, p.email, p.address,
       p.work_unit, (SELECT group_concat(c.code, '、') FROM person_category c
                     WHERE c.person_id = p.id),
       p.background, a.channel, a.recommending_body, a.department_code, a.applied_on,
       CASE WHEN m.id IS NULL THEN '待审核' ELSE '在聘' END, m.start_date, m.end_date, NULL,
       NULL, (SELECT group_concat(i.institution_name || '(' || i.credit_code || ')', '；')
              FROM interest i WHERE i.person_id = p.id)
FROM application a JOIN person p ON p.id = a.person_id
LEFT JOIN term m ON m.application_id = a.id
ORDER BY a.department_code, p.name, p.id_number
"""
REVEALED = {"birth": "p.birth_date", "id_number": "p.id_number", "phone": "p.phone"}
MASKED = {"birth": "substr(p.birth_date, 1, 4)",
          "id_number": "substr(p.id_number, 1, 6) || '********' || substr(p.id_number, 15)",
          "phone": "substr(p.phone, 1, 3) || '****' || substr(p.phone, 8)"}


def reference(db: Path, out: Path, columns: str, masked: bool) -> None:
    """What a hand-written exporter would do, as a process of its own: one SQL query with
    the sqlite3 module, xlsxwriter constant memory, typed cell calls, dates as dates.
    ``columns``: JSON of [header, kind] pairs (it imports nothing of medisup)."""
    import json

    import xlsxwriter

    specs = json.loads(columns)
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = workbook.add_worksheet("监督员")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [header for header, _ in specs])
    kinds = [kind for _, kind in specs]
    write_string, write_datetime = sheet.write_string, sheet.write_datetime
    connection = sqlite3.connect(db)
    sql = REFERENCE_SQL.format(**(MASKED if masked else REVEALED))
    for r, row in enumerate(connection.execute(sql), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if kinds[c] == "date" and len(value) == 10:
                write_datetime(r, c, date.fromisoformat(value), date_format)
            else:
                write_string(r, c, str(value))
    workbook.close()


def export_command(url: str, out: Path, *, reveal: bool) -> list[str]:
    return [sys.executable, "-m", "medisup", "--db", url, "--dept", "150000",
            "--operator", "bench", "--no-input", "export", "supervisors", str(out),
            "--force", "--as-of", AS_OF.isoformat(), *(["--reveal"] if reveal else [])]


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system) and peak resident MB of one whole process."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    error = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command[:6])}… failed: {error.strip()[:500]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: KB


def build(db: Path, rows: int) -> None:
    """Fill the database, in a process of its own; print its URL, the export's columns
    (JSON of [header, kind]) and the seconds it took, as JSON."""
    import json

    started = time.perf_counter()
    url = build_database(db, rows, pending=PENDING)
    from medisup.services.exports import SUPERVISOR_EXPORT_COLUMNS

    print(json.dumps({"url": url, "fill_s": time.perf_counter() - started,
                      "columns": [[c.header, c.kind] for c in SUPERVISOR_EXPORT_COLUMNS]}))


def main(rows: int = TARGET_ROWS, runs: int = 3) -> dict[str, Any]:
    """Build the database, run the reference and both exports in turns, print the
    figures; returns them (medians), with ``ok`` false when a target is missed.

    This process never imports medisup: a child's peak (``ru_maxrss``) starts from its
    parent's at the fork, so the parent must stay small for the figure to be the child's."""
    import json

    runs = max(3, runs)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "medisup")],
                   check=True)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        env = dict(os.environ, MEDISUP_CONFIG_DIR=str(home / "config"),
                   MEDISUP_DATA_DIR=str(home / "data"), MEDISUP_LANG="zh")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        built = json.loads(subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--build", str(home / "bench.db"),
             str(rows)], env=env, check=True, capture_output=True, text=True).stdout)
        url, fill, specs = built["url"], built["fill_s"], json.dumps(built["columns"])
        jobs = {}
        for mode, reveal in (("masked", False), ("revealed", True)):
            jobs[f"reference {mode}"] = [
                sys.executable, str(Path(__file__).resolve()), "--reference",
                str(home / "bench.db"), str(home / f"bare-{mode}.xlsx"), specs,
                "revealed" if reveal else "masked"]
            jobs[mode] = export_command(url, home / f"export-{mode}.xlsx", reveal=reveal)
        cpu: dict[str, list[float]] = {name: [] for name in jobs}
        peak: dict[str, list[float]] = {name: [] for name in jobs}
        load: dict[str, list[float]] = {name: [] for name in jobs}
        for _ in range(runs):
            for name, command in jobs.items():
                load[name].append(os.getloadavg()[0])
                seconds, megabytes = _run(command, env)
                cpu[name].append(seconds)
                peak[name].append(megabytes)
        sizes = {mode: (home / f"export-{mode}.xlsx").stat().st_size / 1e6
                 for mode in ("masked", "revealed")}
    result: dict[str, Any] = {"rows": rows, "fill_s": round(fill, 1), "runs": runs,
                              "cpu_target_s": CPU_TARGET, "peak_target_mb": PEAK_TARGET,
                              "ok": True}
    print(f"{rows:,} people on the roster (database filled in {fill:.1f} s); medians of "
          f"{runs} rounds, each job a process of its own; CPU = user + system")
    table = ["| export | rows | CPU s | peak MB | reference CPU s | reference MB | ratio "
             "| target | load avg | file MB | result |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |"]
    for mode in ("masked", "revealed"):
        seconds, megabytes = statistics.median(cpu[mode]), max(peak[mode])
        bare = statistics.median(cpu[f"reference {mode}"])
        bare_mb = max(peak[f"reference {mode}"])
        ratio = statistics.median(e / b for e, b in zip(cpu[mode], cpu[f"reference {mode}"],
                                                          strict=True))
        average = statistics.mean(load[mode])
        ok = seconds <= CPU_TARGET and megabytes <= PEAK_TARGET
        result["ok"] = result["ok"] and ok
        result[mode] = {"cpu_s": round(seconds, 2), "peak_mb": round(megabytes),
                        "reference_cpu_s": round(bare, 2), "reference_mb": round(bare_mb),
                        "ratio": round(ratio, 2), "load": round(average, 2),
                        "file_mb": round(sizes[mode], 1), "ok": ok}
        label = "--reveal" if mode == "revealed" else "masked (default)"
        print(f"  export supervisors {label:<17} CPU {seconds:5.2f} s (target ≤ "
              f"{CPU_TARGET:.1f})  peak {megabytes:4.0f} MB (target ≤ {PEAK_TARGET:.0f})"
              f"   reference {bare:5.2f} s {bare_mb:4.0f} MB   ratio {ratio:.2f}   "
              f"load {average:.2f}   {'OK' if ok else 'MISSED'}")
        table.append(f"| supervisors {label} | {rows:,} | {seconds:.2f} | {megabytes:.0f} | "
                     f"{bare:.2f} | {bare_mb:.0f} | {ratio:.2f} | ≤ {CPU_TARGET:.1f} s, "
                     f"≤ {PEAK_TARGET:.0f} MB | {average:.2f} | {sizes[mode]:.1f} | "
                     f"{'OK' if ok else 'MISSED'} |")
    print()
    print("\n".join(table))
    return result


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--build":
        build(Path(sys.argv[2]), int(sys.argv[3]))
        sys.exit(0)
    if len(sys.argv) == 6 and sys.argv[1] == "--reference":
        reference(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], sys.argv[5] == "masked")
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--runs", type=int, default=3, help="rounds of the four jobs (at least 3)")
    options = parser.parse_args()
    sys.exit(0 if main(options.rows, options.runs)["ok"] else 1)
