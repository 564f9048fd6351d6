"""Export speed: ``medisup export supervisors FILE --reveal`` against a hand-written
exporter (one SQL query with the sqlite3 module, xlsxwriter constant memory), each a whole
process of its own (target: median ratio at most 1.5).

Run as ``python bench/bench_export.py [--rows 100000] [--runs 3]``; exits non-zero when
the target is missed.  A fresh migrated SQLite database is filled with serving
supervisors by raw ``executemany`` (person, person_category, interest, application,
term).  Both jobs start a Python process, read the database and write a workbook; they
take turns (at least three pairs) and the median of the per-pair ratios counts, so a
busy machine slows both alike.  Only public functions of medisup are used.
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

TARGET = 1.5
AS_OF = date(2026, 6, 30)
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


def build_database(path: Path, rows: int, seed: int = 7) -> str:
    """A migrated database with ``rows`` supervisors serving on ``AS_OF``; returns its URL."""
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


# ---------------------------------------------------------------- the two jobs


REFERENCE_SQL = """
SELECT p.name, p.gender, p.ethnicity, p.birth_date, p.id_number, p.phone, p.email, p.address,
       p.work_unit, (SELECT group_concat(c.code, '、') FROM person_category c
                     WHERE c.person_id = p.id),
       p.background, a.channel, a.recommending_body, m.department_code, a.applied_on,
       '在聘', m.start_date, m.end_date, NULL,
       (SELECT group_concat(i.institution_name || '(' || i.credit_code || ')', '；')
        FROM interest i WHERE i.person_id = p.id)
FROM term m JOIN person p ON p.id = m.person_id
LEFT JOIN application a ON a.id = m.application_id
ORDER BY m.department_code, p.name, p.id_number
"""


def reference(db: Path, out: Path, columns: str) -> None:
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
    for r, row in enumerate(connection.execute(REFERENCE_SQL), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if kinds[c] == "date":
                write_datetime(r, c, date.fromisoformat(value), date_format)
            else:
                write_string(r, c, str(value))
    workbook.close()


def export_command(url: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "medisup", "--db", url, "--dept", "150000",
            "--operator", "bench", "--no-input", "export", "supervisors", str(out),
            "--reveal", "--force", "--as-of", AS_OF.isoformat()]


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    error = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command[:6])}… failed: {error.strip()[:500]}")
    return wall, usage.ru_maxrss / 1024


def main(rows: int = 100_000, runs: int = 3) -> dict[str, Any]:
    """Build the database, time both whole processes in interleaved pairs, print a table;
    returns the figures (medians)."""
    runs = max(3, runs)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        started = time.perf_counter()
        url = build_database(home / "bench.db", rows)
        fill = time.perf_counter() - started
        env = dict(os.environ, MEDISUP_CONFIG_DIR=str(home / "config"),
                   MEDISUP_DATA_DIR=str(home / "data"), MEDISUP_LANG="zh")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        command = export_command(url, home / "export.xlsx")
        import json

        from medisup.services.exports import SUPERVISOR_EXPORT_COLUMNS

        specs = json.dumps([[c.header, c.kind] for c in SUPERVISOR_EXPORT_COLUMNS])
        bare_command = [sys.executable, str(Path(__file__).resolve()), "--reference",
                        str(home / "bench.db"), str(home / "bare.xlsx"), specs]
        bare_times, export_times, ratios, peaks = [], [], [], []
        load = os.getloadavg()[0]
        for _ in range(runs):
            bare, _ = _run(bare_command, env)
            export, peak = _run(command, env)
            bare_times.append(bare)
            export_times.append(export)
            ratios.append(export / bare)
            peaks.append(peak)
        sizes = ((home / "bare.xlsx").stat().st_size, (home / "export.xlsx").stat().st_size)
    bare, export = statistics.median(bare_times), statistics.median(export_times)
    ratio = statistics.median(ratios)
    result = {
        "rows": rows, "fill_s": round(fill, 2), "bare_s": round(bare, 2),
        "export_s": round(export, 2), "ratio": round(ratio, 2), "target": TARGET,
        "ok": ratio <= TARGET, "peak_mb": round(max(peaks)),
        "bare_mb": round(sizes[0] / 1e6, 1), "export_mb": round(sizes[1] / 1e6, 1),
    }
    print(f"{rows:,} serving supervisors (database filled in {fill:.1f} s; medians of {runs} "
          f"interleaved pairs; load average {load:.2f} → {os.getloadavg()[0]:.2f})")
    print(f"  reference: sqlite3 query + xlsxwriter, own process  {bare:6.2f} s   "
          f"{result['bare_mb']} MB file")
    print(f"  medisup export supervisors --reveal, own process    {export:6.2f} s   "
          f"{result['export_mb']} MB file, peak {result['peak_mb']} MB")
    print(f"  median ratio {ratio:.2f}  (target ≤ {TARGET})  {'OK' if result['ok'] else 'MISSED'}")
    return result


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--reference":
        reference(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="interleaved pairs (at least 3)")
    options = parser.parse_args()
    sys.exit(0 if main(options.rows, options.runs)["ok"] else 1)
