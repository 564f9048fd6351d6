"""Import speed: ``medisup import supervisors ROSTER.xlsx`` against a hand-written import
(python-calamine reading the same workbook, ``sqlite3.executemany`` of its rows into one
table), each a whole process of its own.

Run as ``python bench/bench_import.py [--rows 100000] [--runs 3]``.  The bench makes a
roster as bureaus do (a title row above the header, several departments, pending
applications beside appointments, dates typed as text in some rows — 2026年1月5日,
2026/1/5 — and declared interests), compiles medisup's modules once (as an installed
tool has them; this machine may set PYTHONDONTWRITEBYTECODE), then times both processes
in interleaved pairs, each on its own copy of one migrated database.  Each child's CPU
time (user + system) and peak resident memory come from ``os.wait4``; the median of the
per-pair CPU ratios counts, so a busy machine slows both alike.

Targets: median CPU ratio ≤ 1.8, peak memory of the import < 350 MB, every row stored.
Prints the figures, the load average, and a final markdown table row; exits non-zero when
a target is missed.  Only public functions of medisup are used.
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
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fixtures import HOHHOT_DEPARTMENTS, compile_bytecode, credit_code, id_number, new_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATIO_TARGET = 1.8
MEMORY_TARGET_MB = 350
DEPARTMENT = HOHHOT_DEPARTMENTS[0][0]  # the operator's, at the top
DEPARTMENTS = [code for code, _, _ in HOHHOT_DEPARTMENTS]
TERM_START = date(2026, 1, 1)
TERM_STARTS = [date(2025, 7, 1), TERM_START, date(2026, 3, 1)]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕晓东雪梅春林文斌宇浩然子涵欣怡思远嘉乐巴特尔其木格乌兰图雅"
ETHNICITIES = ["汉族"] * 8 + ["蒙古族", "满族", "回族", "达斡尔族", "鄂温克族"]
CATEGORIES = ["人大代表", "政协委员", "媒体代表", "定点医药机构代表", "专家学者", "参保群众",
              "其他社会人士"]
BACKGROUNDS = ["医药", "法律", "财务", "信息"]
CHANNELS = ["公开选聘", "个人自荐", "单位推荐", "特邀聘任"]
DISTRICTS = ["新城区", "回民区", "玉泉区", "赛罕区", "土默特左旗", "托克托县", "和林格尔县"]
STREETS = ["中山东路", "新华大街", "锡林郭勒南路", "大学西街", "昭乌达路", "兴安南路",
           "成吉思汗大街"]
UNITS = ["内蒙古医科大学附属医院", "呼和浩特市第一医院", "新城区人民政府", "赛罕区教育局",
         "内蒙古日报社", "某某律师事务所", "呼和浩特市中医蒙医医院", "某某大药房连锁有限公司"]
POSTS = ["主任医师", "副主任", "科员", "记者", "律师", "药师", "退休职工", "教师"]
REGIONS = ["150102", "150103", "150104", "150105", "150121", "150122", "150123"]
HEADERS = ["序号", "姓名", "性别", "民族", "出生日期", "身份证号", "联系电话", "通讯地址",
           "工作单位及职务", "人员类别", "专业背景", "选聘方式", "推荐单位", "所属部门代码",
           "申请日期", "聘期起始", "利益关系机构"]

# The hand-written import: no medisup, nothing but calamine and sqlite3.
REFERENCE = """\
import sqlite3, sys
from python_calamine import CalamineWorkbook
book, db, skip = sys.argv[1], sys.argv[2], int(sys.argv[3])
with CalamineWorkbook.from_path(book) as workbook:
    grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
width = len(grid[skip - 1])
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("CREATE TABLE roster (" + ", ".join(f"c{i}" for i in range(width)) + ")")
conn.execute("BEGIN IMMEDIATE")
conn.executemany("INSERT INTO roster VALUES (" + ",".join("?" * width) + ")", grid[skip:])
conn.execute("COMMIT")
conn.close()
"""


# --- the roster ------------------------------------------------------------------------------


def _written(day: date, rng: random.Random) -> date | str:
    """A date as clerks enter it: mostly a date cell, sometimes typed as text."""
    roll = rng.random()
    if roll < 0.08:
        return f"{day.year}年{day.month}月{day.day}日"
    if roll < 0.15:
        return f"{day.year}/{day.month}/{day.day}"
    return day


def make_rows(count: int, seed: int = 20260101, *, mixed: bool = False) -> list[dict]:
    """``count`` distinct, valid supervisors.  By default every one is appointed in
    ``DEPARTMENT`` from ``TERM_START`` (what ``bench_reliability.py`` expects); ``mixed``
    makes the roster this bench times: one in five a pending application, the others
    appointed from one of a few dates in one of several departments (a tenth with the
    cell left empty: the operator's), and some dates typed as text."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[dict] = []
    while len(rows) < count:
        birth = date(1962, 1, 1) + timedelta(days=rng.randrange(365 * 40))
        male = rng.random() < 0.55
        region = rng.choice(REGIONS)
        number = id_number(region, birth, rng.randrange(500) * 2 + (1 if male else 0))
        if number in seen:
            continue
        seen.add(number)
        channel = rng.choice(CHANNELS)
        start: date | None = TERM_START
        department = DEPARTMENT
        if mixed:
            start = rng.choice(TERM_STARTS) if rng.random() < 0.8 else None
            department = rng.choice(DEPARTMENTS) if rng.random() < 0.9 else ""
        applied = (start or date(2026, 6, 1)) - timedelta(days=rng.randrange(20, 120))
        interest = None
        if rng.random() < 0.1:
            interest = (rng.choice(UNITS), credit_code(rng, rng.choice(REGIONS)))
        rows.append({
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN)
                                                   for _ in range(rng.choice((1, 2)))),
            "gender": "男" if male else "女", "ethnicity": rng.choice(ETHNICITIES),
            "birth": _written(birth, rng) if mixed else birth, "id": number,
            "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "address": f"内蒙古自治区呼和浩特市{rng.choice(DISTRICTS)}{rng.choice(STREETS)}"
                       f"{rng.randrange(1, 300)}号",
            "unit": f"{rng.choice(UNITS)} {rng.choice(POSTS)}",
            "categories": rng.sample(CATEGORIES, rng.choice((1, 1, 1, 2))),
            "background": rng.choice(BACKGROUNDS), "channel": channel,
            "body": "呼和浩特市人大常委会" if channel in ("单位推荐", "特邀聘任") else "",
            "department": department,
            "applied": _written(applied, rng) if mixed else applied,
            "start": _written(start, rng) if mixed and start else start,
            "interest": interest,
        })
    return rows


def build_workbook(path: Path, rows: list[dict]) -> None:
    """A roster as a bureau makes it: a title row above the header, text ID numbers."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("监督员花名册")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text = workbook.add_format({"num_format": "@"})
    sheet.write_string(0, 0, "医疗保障基金社会监督员花名册")
    sheet.write_row(1, 0, HEADERS)
    for r, p in enumerate(rows, start=2):
        interest = f"{p['interest'][0]}({p['interest'][1]})" if p["interest"] else ""
        values = [str(r - 1), p["name"], p["gender"], p["ethnicity"], p["birth"], p["id"],
                  p["phone"], p["address"], p["unit"], "、".join(p["categories"]),
                  p["background"], p["channel"], p["body"], p["department"], p["applied"],
                  p["start"], interest]
        for c, value in enumerate(values):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, dates)
            elif value:
                sheet.write_string(r, c, value, text if c in (5, 6) else None)
    workbook.close()


# --- whole processes -------------------------------------------------------------------------


@dataclass
class Run:
    """What one child process cost."""

    wall: float
    cpu: float
    peak_mb: float
    stderr: str


def _run(command: list[str], env: dict[str, str], folder: Path) -> Run:
    """One whole process: wall and CPU seconds (user + system) and peak resident MB."""
    with open(folder / "stderr.txt", "w+b") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
        errors.seek(0)
        said = errors.read().decode(errors="replace").strip()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:8])}… exit {process.returncode}: {said[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, said)


def _stored(db: Path) -> tuple[int, int, int]:
    """How many people, applications and terms the import stored."""
    conn = sqlite3.connect(str(db))
    try:
        people, applications, terms = (conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                                       for table in ("person", "application", "term"))
    finally:
        conn.close()
    return people, applications, terms


def main(rows: int = 100_000, runs: int = 3) -> dict[str, Any]:
    """Build the roster and database, time both whole processes in interleaved pairs,
    print the figures; returns them (medians) and whether the targets are met."""
    runs = max(3, runs)
    data = make_rows(rows, mixed=True)
    appointed = sum(1 for row in data if row["start"])
    folder = Path(tempfile.mkdtemp(prefix="medisup-bench-"))
    try:
        workbook = folder / "supervisors.xlsx"
        started = time.perf_counter()
        build_workbook(workbook, data)
        del data
        built = time.perf_counter() - started
        template = folder / "template.db"
        new_database(template, HOHHOT_DEPARTMENTS)
        compile_bytecode()  # as installed: else every child compiles medisup
        env = dict(os.environ, MEDISUP_CONFIG_DIR=str(folder / "config"),
                   MEDISUP_DATA_DIR=str(folder / "data"), MEDISUP_LANG="zh")
        for name in ("MEDISUP_DEPT", "MEDISUP_DATABASE_URL", "MEDISUP_OPERATOR"):
            env.pop(name, None)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))

        def reference(db: Path) -> list[str]:
            return [sys.executable, "-c", REFERENCE, str(workbook), str(db), "2"]

        def medisup(db: Path) -> list[str]:
            return [sys.executable, "-m", "medisup", "--db", f"sqlite:///{db}", "--dept",
                    DEPARTMENT, "--operator", "bench", "--no-input", "import",
                    "supervisors", str(workbook)]

        load_before = os.getloadavg()
        refs: list[Run] = []
        imports: list[Run] = []
        stored: set[tuple[int, int, int]] = set()
        for n in range(runs):
            jobs = [("ref", reference), ("import", medisup)]
            for name, command in jobs if n % 2 == 0 else jobs[::-1]:
                db = folder / f"{name}-{n}.db"
                shutil.copyfile(template, db)
                done = _run(command(db), env, folder)
                if name == "ref":
                    refs.append(done)
                else:
                    imports.append(done)
                    stored.add(_stored(db))
                for leftover in folder.glob(f"{name}-{n}.db*"):
                    leftover.unlink()
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratios = [i.cpu / r.cpu for r, i in zip(refs, imports, strict=True)]
    ratio = statistics.median(ratios)
    peak = max(i.peak_mb for i in imports)
    expected = (rows, rows, appointed)
    result = {
        "rows": rows, "runs": runs, "build_s": round(built, 1),
        "ref_cpu_s": round(statistics.median(r.cpu for r in refs), 2),
        "ref_wall_s": round(statistics.median(r.wall for r in refs), 2),
        "ref_peak_mb": round(max(r.peak_mb for r in refs)),
        "import_cpu_s": round(statistics.median(i.cpu for i in imports), 2),
        "import_wall_s": round(statistics.median(i.wall for i in imports), 2),
        "import_peak_mb": round(peak), "ratios": [round(x, 2) for x in ratios],
        "ratio": round(ratio, 2), "load_before": load_before, "load_after": load_after,
        "stored": sorted(stored), "expected": expected,
        "summary": imports[-1].stderr.splitlines()[-1] if imports[-1].stderr else "",
    }
    result["ok"] = (ratio <= RATIO_TARGET and peak < MEMORY_TARGET_MB
                    and stored == {expected})
    return result


def _report(r: dict[str, Any]) -> None:
    load = (f"{r['load_before'][0]:.2f} {r['load_before'][1]:.2f} → "
            f"{r['load_after'][0]:.2f} {r['load_after'][1]:.2f}")
    print(f"supervisor import, {r['rows']:,} rows (workbook built in {r['build_s']} s); "
          f"medians of {r['runs']} interleaved pairs; load average (1, 5 min) {load}")
    print(f"  reference: calamine + executemany, own process  CPU {r['ref_cpu_s']:6.2f} s  "
          f"wall {r['ref_wall_s']:6.2f} s  peak {r['ref_peak_mb']} MB")
    print(f"  medisup import supervisors, own process         CPU {r['import_cpu_s']:6.2f} s  "
          f"wall {r['import_wall_s']:6.2f} s  peak {r['import_peak_mb']} MB "
          f"(target < {MEMORY_TARGET_MB})")
    print(f"  CPU ratios {r['ratios']}; median {r['ratio']:.2f} (target ≤ {RATIO_TARGET})")
    print(f"  stored (person, application, term) {r['stored']}, expected {r['expected']}")
    print(f"  import said: {r['summary']}")
    print("  targets met" if r["ok"] else "  TARGET MISSED")
    print("| rows | reference CPU s | import CPU s | median ratio | import peak MB | load avg |"
          " result |")
    print(f"| {r['rows']:,} | {r['ref_cpu_s']:.2f} | {r['import_cpu_s']:.2f} | "
          f"{r['ratio']:.2f} | {r['import_peak_mb']} | {r['load_before'][0]:.2f} → "
          f"{r['load_after'][0]:.2f} | {'met' if r['ok'] else 'MISSED'} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="interleaved pairs (at least 3)")
    options = parser.parse_args()
    figures = main(options.rows, options.runs)
    _report(figures)
    sys.exit(0 if figures["ok"] else 1)
