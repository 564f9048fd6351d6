"""Micro-benchmark of the workbook adapter: calamine's own read vs read_table, bare xlsxwriter vs write_rows.

Run as ``python bench/bench_excel.py [ROWS]`` (default 100,000 rows, 20 columns of
realistic supervisor data).  Each figure is the best of a few runs in this process,
the two jobs of a comparison taking turns.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from fixtures import credit_code, id_number

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medisup.excel import SUPERVISOR_COLUMNS, read_table, write_rows  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕晓东雪梅春林文斌宇浩然子涵欣怡思远嘉乐巴特尔其木格乌兰图雅"
ETHNICITIES = ["汉族"] * 8 + ["蒙古族", "满族", "回族", "达斡尔族", "鄂温克族"]
CATEGORIES = [
    "人大代表",
    "政协委员",
    "媒体代表",
    "定点医药机构代表",
    "专家学者",
    "参保群众",
    "其他社会人士",
]
BACKGROUNDS = ["医药", "法律", "财务", "信息", "其他"]
CHANNELS = ["公开选聘", "特邀聘任", "个人自荐", "单位推荐"]
DISTRICTS = ["新城区", "回民区", "玉泉区", "赛罕区", "土默特左旗", "托克托县", "和林格尔县"]
STREETS = [
    "中山东路",
    "新华大街",
    "锡林郭勒南路",
    "大学西街",
    "昭乌达路",
    "兴安南路",
    "成吉思汗大街",
]
UNITS = [
    "内蒙古医科大学附属医院",
    "呼和浩特市第一医院",
    "新城区人民政府",
    "赛罕区教育局",
    "内蒙古日报社",
    "某某律师事务所",
    "呼和浩特市中医蒙医医院",
    "某某大药房连锁有限公司",
]
POSTS = ["主任医师", "副主任", "科员", "记者", "律师", "药师", "退休职工", "教师"]
DEPARTMENTS = ["150102", "150103", "150104", "150105", "150121", "150122", "150123"]

HEADERS = [spec.header for spec in SUPERVISOR_COLUMNS if spec.key != "note"]
KEYS = [spec.key for spec in SUPERVISOR_COLUMNS if spec.key != "note"]


def make_rows(count: int, seed: int = 7) -> list[list[object]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        birth = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 45))
        applied = date(2022, 1, 1) + timedelta(days=rng.randrange(900))
        start = applied + timedelta(days=30)
        department = rng.choice(DEPARTMENTS)
        categories = "、".join(rng.sample(CATEGORIES, rng.choice((1, 1, 1, 2))))
        interests = (
            ""
            if rng.random() < 0.8
            else f"{rng.choice(UNITS)}({credit_code(rng, rng.choice(DEPARTMENTS))})"
        )
        rows.append(
            [
                rng.choice(SURNAMES)
                + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                rng.choice(("男", "女")),
                rng.choice(ETHNICITIES),
                birth,
                id_number(rng.choice(DEPARTMENTS), birth, rng.randrange(1000)),
                f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                f"user{n}@example.com",
                f"内蒙古自治区呼和浩特市{rng.choice(DISTRICTS)}{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
                f"{rng.choice(UNITS)}{rng.choice(POSTS)}",
                categories,
                rng.choice(BACKGROUNDS),
                rng.choice(CHANNELS),
                rng.choice(("", "市卫生健康委", "市政协", "市人大常委会")),
                department,
                applied,
                rng.choice(("在聘", "在聘", "在聘", "已解聘")),
                start,
                start + timedelta(days=730 - 1),
                f"{department}-{start.year}-{n % 10000:04d}",
                interests,
            ]
        )
    return rows


def build_workbook(path: Path, rows: list[list[object]]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("监督员")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "2024年度医疗保障基金社会监督员名单")
    sheet.write_row(1, 0, HEADERS)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, date_format)
            elif value != "":
                sheet.write_string(r, c, value)
    workbook.close()


def paired(
    runs: int, first: Callable[[], object], second: Callable[[], object]
) -> tuple[float, float]:
    """Best times of two jobs run alternately, so a busy machine slows both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for job, found in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            result = job()
            found.append(time.perf_counter() - start)
            del result  # freeing a big table is not part of reading it
    return min(times[0]), min(times[1])


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rows = make_rows(count)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "supervisors.xlsx"
        build_workbook(source, rows)
        print(f"{count:,} rows × {len(HEADERS)} columns, {source.stat().st_size / 1e6:.1f} MB")

        def calamine_read() -> object:
            from python_calamine import CalamineWorkbook

            with CalamineWorkbook.from_path(str(source)) as workbook:
                return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)

        calamine_read()  # warm the import and the page cache
        read_alone, read_full = paired(
            5, calamine_read, lambda: read_table(source, SUPERVISOR_COLUMNS)
        )
        table = read_table(source, SUPERVISOR_COLUMNS)
        problems = sum(len(row.problems) for row in table.rows)
        print(f"calamine read      {read_alone:6.2f} s")
        print(
            f"read_table         {read_full:6.2f} s   ({read_full / read_alone:.2f}×, "
            f"{len(table.rows):,} rows, {problems} problems)"
        )

        records = [row.values for row in table.rows]
        bare_path = Path(folder) / "bare.xlsx"
        ours_path = Path(folder) / "export.xlsx"

        def bare_write() -> None:
            import xlsxwriter

            workbook = xlsxwriter.Workbook(str(bare_path), {"constant_memory": True})
            sheet = workbook.add_worksheet("监督员")
            sheet.write_row(0, 0, HEADERS)
            for r, row in enumerate(rows, start=1):
                sheet.write_row(r, 0, row)
            workbook.close()

        def ours_write() -> None:
            write_rows(ours_path, SUPERVISOR_COLUMNS, records, sheet_name="监督员")

        write_bare, write_ours = paired(3, bare_write, ours_write)
        print(f"xlsxwriter bare    {write_bare:6.2f} s")
        print(f"write_rows         {write_ours:6.2f} s   ({write_ours / write_bare:.2f}×)")
        again = read_table(ours_path, SUPERVISOR_COLUMNS)
        same = all(
            all(a.values[key] == b.values[key] for key in a.values)
            for a, b in zip(table.rows, again.rows, strict=True)
        )
        print(f"export reads back unchanged: {same}")


if __name__ == "__main__":
    main()
