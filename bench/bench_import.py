"""Benchmark of ``medisup import supervisors`` against its floor: python-calamine reading
the same workbook plus raw ``sqlite3.executemany`` inserting the same rows.

Run as ``python bench/bench_import.py [--rows 100000]``.  In one run, side by side:

1. build a supervisor workbook with xlsxwriter (valid distinct ID numbers, realistic
   Chinese fields, a term start on every row so each row is an appointment in one
   department without a quota);
2. time python-calamine reading it, and nothing else;
3. time raw ``sqlite3.executemany`` inserting the rows the import stores (person,
   person_category, interest, application, the few warning findings, term) into a fresh
   migrated database, with foreign keys enforced as on every medisup connection (the
   time without them is printed beside it);
4. time ``medisup import supervisors`` end to end in a subprocess on another fresh
   migrated database, and its peak resident memory.

Targets: import ≤ 2.0 × (read + insert), peak memory < 400 MB.  Prints a small table and
exits with status 1 when a target is missed.  ``main(rows)`` returns the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fixtures import credit_code, id_number

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATIO_TARGET = 2.0
MEMORY_TARGET_MB = 400
DEPARTMENT = "150000"
TERM_START = date(2026, 1, 1)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕晓东雪梅春林文斌宇浩然子涵欣怡思远嘉乐巴特尔其木格乌兰图雅"
ETHNICITIES = ["汉族"] * 8 + ["蒙古族", "满族", "回族", "达斡尔族", "鄂温克族"]
CATEGORIES = ["人大代表", "政协委员", "媒体代表", "定点医药机构代表", "专家学者", "参保群众",
              "其他社会人士"]
CATEGORY_CODES = {"人大代表": "npc_deputy", "政协委员": "cppcc_member", "媒体代表": "media",
                  "定点医药机构代表": "institution_rep", "专家学者": "expert",
                  "参保群众": "insured", "其他社会人士": "other"}
BACKGROUNDS = {"医药": "medicine", "法律": "law", "财务": "finance", "信息": "it"}
CHANNELS = {"公开选聘": "open", "个人自荐": "self", "单位推荐": "unit", "特邀聘任": "invited"}
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


# --- the workbook ----------------------------------------------------------------------------


def make_rows(count: int, seed: int = 20260101) -> list[dict]:
    """``count`` distinct, valid supervisors, every one appointed from ``TERM_START``."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows = []
    while len(rows) < count:
        birth = date(1962, 1, 1) + timedelta(days=rng.randrange(365 * 40))
        male = rng.random() < 0.55
        region = rng.choice(REGIONS)
        seq = rng.randrange(500) * 2 + (1 if male else 0)
        number = id_number(region, birth, seq)
        if number in seen:
            continue
        seen.add(number)
        categories = rng.sample(CATEGORIES, rng.choice((1, 1, 1, 2)))
        channel = rng.choice(list(CHANNELS))
        rows.append({
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN)
                                                   for _ in range(rng.choice((1, 2)))),
            "gender": "男" if male else "女",
            "ethnicity": rng.choice(ETHNICITIES),
            "birth": birth,
            "id": number,
            "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "address": f"内蒙古自治区呼和浩特市{rng.choice(DISTRICTS)}{rng.choice(STREETS)}"
                       f"{rng.randrange(1, 300)}号",
            "unit": f"{rng.choice(UNITS)} {rng.choice(POSTS)}",
            "categories": categories,
            "background": rng.choice(list(BACKGROUNDS)),
            "channel": channel,
            "body": "呼和浩特市人大常委会" if channel in ("单位推荐", "特邀聘任") else "",
            "applied": date(2025, 10, 1) + timedelta(days=rng.randrange(60)),
            "interest": ((rng.choice(UNITS), credit_code(rng, rng.choice(REGIONS)))
                         if rng.random() < 0.1 else None),
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
                  p["background"], p["channel"], p["body"], DEPARTMENT, p["applied"],
                  TERM_START, interest]
        for c, value in enumerate(values):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, dates)
            elif value:
                sheet.write_string(r, c, value, text if c in (5, 6) else None)
    workbook.close()


# --- the floor: calamine alone, raw executemany alone ----------------------------------------


def calamine_read(path: Path) -> float:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    with CalamineWorkbook.from_path(str(path)) as workbook:
        grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    elapsed = time.perf_counter() - start
    del grid
    return elapsed


def raw_insert(db_path: Path, rows: list[dict], *, foreign_keys: bool = True) -> float:
    """The rows the import stores, value for value, into the same tables with the sqlite3
    module and nothing else.  ``foreign_keys``: enforce the tables' foreign keys as every
    medisup connection does (PRAGMA foreign_keys = ON); without it, sqlite3's default."""
    from medisup.i18n import t

    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    term_end = date(TERM_START.year + 2, TERM_START.month, TERM_START.day) - timedelta(days=1)
    decided = min(TERM_START, date.today()).isoformat()
    note = t("import.decision_note", batch=1, file="supervisors.xlsx")
    people, categories, interests, applications, terms = [], [], [], [], []
    findings = []  # the import keeps an automatic finding that is only a warning
    for n, p in enumerate(rows, start=1):
        for check in _warnings(p["id"]):
            findings.append((len(findings) + 1, n, check.code, check.result, check.note, 1))
        people.append((n, p["id"], p["name"], "M" if p["gender"] == "男" else "F", p["ethnicity"],
                       p["birth"].isoformat(), p["phone"], None, p["address"], p["unit"],
                       BACKGROUNDS[p["background"]], stamp, stamp))
        categories.extend((n, CATEGORY_CODES[c]) for c in p["categories"])
        if p["interest"]:
            interests.append((len(interests) + 1, n, p["interest"][0], p["interest"][1],
                              p["applied"].isoformat()))
        applications.append((n, n, DEPARTMENT, CHANNELS[p["channel"]], p["body"] or None,
                             p["applied"].isoformat(), "approved", decided, note, None, 1,
                             stamp))
        terms.append((n, n, DEPARTMENT, n, 1, TERM_START.isoformat(), term_end.isoformat(),
                       None, 0, None, stamp))
    connection = sqlite3.connect(str(db_path), isolation_level=None)
    connection.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    try:
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO person (id, id_number, name, gender, ethnicity, birth_date, phone, "
            "email, address, work_unit, background, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", people)
        connection.executemany("INSERT INTO person_category (person_id, code) VALUES (?,?)",
                               categories)
        connection.executemany(
            "INSERT INTO interest (id, person_id, institution_name, credit_code, declared_on) "
            "VALUES (?,?,?,?,?)", interests)
        connection.executemany(
            "INSERT INTO application (id, person_id, department_code, channel, "
            "recommending_body, applied_on, status, decided_on, decision_note, "
            "override_reason, batch_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            applications)
        connection.executemany(
            "INSERT INTO finding (id, application_id, criterion, result, note, automatic) "
            "VALUES (?,?,?,?,?,?)", findings)
        connection.executemany(
            "INSERT INTO term (id, person_id, department_code, application_id, number, "
            "start_date, end_date, consent_on, renewed, terminated_on, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)", terms)
        connection.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        connection.close()


_REVIEWS: dict[tuple[str, str], list] = {}


def _warnings(number: str) -> list:
    """The warnings of the eligibility review the import runs on this row (a birthplace
    code missing from the division table), found as the import finds them."""
    from medisup.packs import load_pack
    from medisup.services.supervisors import eligibility
    from medisup.services.supervisors.identity import parse_id_number

    key = (number[:6], number[6:10])
    if key not in _REVIEWS:
        info = parse_id_number(number)
        pack = load_pack("nm-2024")
        checks = eligibility.evaluate(
            pack, birth_date=info.birth_date, region_code=number[:6],
            region_known=info.region_known,
            declared={c: ("met", None) for c in pack.codes("criteria")},
            history=eligibility.History(), on=TERM_START, term_start=TERM_START)
        _REVIEWS[key] = [c for c in checks if c.result == "warning"]
    return _REVIEWS[key]


# --- the import, end to end ------------------------------------------------------------------


def _environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(MEDISUP_CONFIG_DIR=str(home / "config"), MEDISUP_DATA_DIR=str(home / "data"),
               MEDISUP_OPERATOR="bench", PYTHONPATH=str(ROOT))
    for name in ("MEDISUP_DEPT", "MEDISUP_DATABASE_URL", "MEDISUP_LANG"):
        env.pop(name, None)
    return env


def _medisup(db_url: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "medisup", "--db", db_url, "--dept", DEPARTMENT, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)


def fresh_database(folder: Path, name: str, env: dict[str, str]) -> tuple[Path, str]:
    path = folder / name
    url = f"sqlite:///{path}"
    done = _medisup(url, env, "init", "--code", DEPARTMENT, "--name", "内蒙古自治区医疗保障局",
                    "--pack", "nm-2024", "--no-save")
    if done.returncode != 0:
        raise SystemExit(f"init failed: {done.stderr.strip()}")
    return path, url


def timed_import(db_url: str, workbook: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds and peak resident megabytes of one import in a child process."""
    start = time.perf_counter()
    done = _medisup(db_url, env, "import", "supervisors", str(workbook))
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr.strip()[:2000]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024, done.stderr.strip().splitlines()[-1]


def main(rows: int = 100_000) -> dict:
    """Run the comparison once; returns every figure and whether the targets are met."""
    data = make_rows(rows)
    folder = Path(tempfile.mkdtemp(prefix="medisup-bench-"))
    try:
        env = _environment(folder)
        workbook = folder / "supervisors.xlsx"
        built = time.perf_counter()
        build_workbook(workbook, data)
        built = time.perf_counter() - built
        raw_db, _ = fresh_database(folder, "raw.db", env)
        bare_db, _ = fresh_database(folder, "bare.db", env)
        import_db, import_url = fresh_database(folder, "import.db", env)
        calamine_read(workbook)  # warm the page cache and the import, as the child will find it
        read = calamine_read(workbook)
        insert = raw_insert(raw_db, data)
        bare = raw_insert(bare_db, data, foreign_keys=False)
        del data
        imported, peak_mb, summary = timed_import(import_url, workbook, env)
        floor = read + insert
        ratio = imported / floor
        with sqlite3.connect(str(import_db)) as check:
            stored = check.execute("SELECT count(*) FROM term").fetchone()[0]
        result = {
            "rows": rows, "build_s": built, "calamine_s": read, "raw_insert_s": insert,
            "raw_insert_no_fk_s": bare, "floor_s": floor, "import_s": imported, "ratio": ratio,
            "ratio_no_fk": imported / (read + bare), "peak_rss_mb": peak_mb,
            "terms_stored": stored, "summary": summary,
            "ok": ratio <= RATIO_TARGET and peak_mb < MEMORY_TARGET_MB and stored == rows,
        }
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _report(r: dict) -> None:
    print(f"supervisor import, {r['rows']:,} rows (workbook built in {r['build_s']:.1f} s)")
    print(f"  python-calamine read        {r['calamine_s']:7.2f} s")
    print(f"  sqlite3.executemany insert  {r['raw_insert_s']:7.2f} s   (foreign keys enforced,"
          f" as in medisup; {r['raw_insert_no_fk_s']:.2f} s without)")
    print(f"  floor (read + insert)       {r['floor_s']:7.2f} s")
    print(f"  medisup import supervisors  {r['import_s']:7.2f} s   "
          f"ratio {r['ratio']:.2f} (target ≤ {RATIO_TARGET}; "
          f"{r['ratio_no_fk']:.2f} against the insert without foreign keys)")
    print(f"  peak memory of the import   {r['peak_rss_mb']:7.0f} MB "
          f"(target < {MEMORY_TARGET_MB} MB)")
    print(f"  terms stored                {r['terms_stored']:,}")
    print(f"  import said: {r['summary']}")
    print("  targets met" if r["ok"] else "  TARGET MISSED")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    figures = main(args.rows)
    _report(figures)
    sys.exit(0 if figures["ok"] else 1)
