"""Reading workbooks and CSV files: header detection, row numbers, notes, sheets, problems."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medisup.excel import (
    ACTIVITY_COLUMNS,
    LEAD_COLUMNS,
    SUPERVISOR_COLUMNS,
    ColumnSpec,
    HeaderProblem,
    SheetProblem,
    read_table,
)
from medisup.excel.columns import column_letter
from medisup.excel.headers import Matcher
from medisup.excel.normalise import MonthDate, id_check_digit

ID_A = "11010519491231002X"
ID_B = "150102199003077777"[:17] + id_check_digit("15010219900307777")
ID_C = "15010219850515123" + id_check_digit("15010219850515123")


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "zh")


def workbook(
    path: Path, *sheets: tuple[str, Sequence[Sequence[Any]]], merge: str | None = None
) -> Path:
    """Write sheets of rows with openpyxl (None leaves a cell empty)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(r, c, value)
        if merge and sheet is book.worksheets[0]:
            sheet.merge_cells(merge)
    book.save(path)
    return path


HEADER = ["序号", "姓名", "性别", "身份证号码", "手机号", "出生年月", "人员类别"]


def supervisors(tmp_path: Path, rows: Sequence[Sequence[Any]], **options: Any) -> Path:
    return workbook(tmp_path / "监督员.xlsx", ("名单", rows), **options)


# --- header detection and row numbers ---------------------------------------------------------


def test_header_under_two_title_rows_and_a_merged_title(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path,
        [
            ["2024年度医疗保障基金社会监督员名单"],
            ["填报单位：某某旗医疗保障局", None, None, None, "填报日期：2024-01-05"],
            HEADER,
            [1, "张三", "男", ID_A, "13812345678", "1949.12", "人大代表、政协委员"],
            [2, "李四", "女", ID_B, 13912345678.0, date(1990, 3, 7), "参保群众"],
        ],
        merge="A1:G1",
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert table.sheet_name == "名单"
    assert table.header_row == 3
    assert [row.number for row in table.rows] == [4, 5]
    first, second = table.rows
    assert first.values["name"] == "张三"
    assert first.values["id_number"] == ID_A
    assert first.values["birth_date"] == date(1949, 12, 1)
    assert isinstance(first.values["birth_date"], MonthDate)
    assert first.values["categories"] == ("人大代表", "政协委员")
    assert second.values["phone"] == "13912345678"
    assert second.values["birth_date"] == date(1990, 3, 7)
    assert table.headers["id_number"] == "身份证号码"
    assert table.ignored_headers == ["序号"]
    assert not table.problems


def test_table_away_from_the_top_left_corner(tmp_path: Path) -> None:
    blank = [None, None, None]
    path = supervisors(
        tmp_path,
        [[], [], [], [*blank, "标题"], [], [*blank, "姓名", "身份证号"], [*blank, "张三", "bad"]],
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert table.header_row == 6
    assert table.positions == {"name": 3, "id_number": 4}
    (row,) = table.rows
    assert row.number == 7
    assert row.problems[0].row == 7
    assert row.raw == {"name": "张三", "id_number": "bad"}


def test_aliases_any_order_and_extra_columns(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path,
        [
            ["备用", "公民身份号码", "联系方式", "E-mail", "监督员姓名*", "通讯地址", "照片"],
            ["x", ID_A, "0471-1234567", "a@b.cn", "张三", "呼和浩特市 新城区", "y"],
        ],
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert set(table.positions) == {"id_number", "phone", "email", "name", "address"}
    assert table.ignored_headers == ["备用", "照片"]
    values = table.rows[0].values
    assert values == {
        "id_number": ID_A,
        "phone": "0471-1234567",
        "email": "a@b.cn",
        "name": "张三",
        "address": "呼和浩特市 新城区",
    }
    assert list(values) == ["id_number", "phone", "email", "name", "address"]  # sheet order


def test_english_headers_match(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path, [["Name", "ID number", "Birth date"], ["Zhang San", ID_A, "1949-12-31"]]
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert table.rows[0].values == {
        "name": "Zhang San",
        "id_number": ID_A,
        "birth_date": date(1949, 12, 31),
    }


def test_forced_header_row(tmp_path: Path) -> None:
    rows = [["姓名", "身份证号"], ["姓名", "身份证号"], ["张三", ID_A]]
    path = supervisors(tmp_path, rows)
    with pytest.raises(HeaderProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS)
    assert raised.value.key == "excel.error.ambiguous_header"
    assert "第 1 行" in raised.value.message and "第 2 行" in raised.value.message
    assert "--header-row" in raised.value.message
    table = read_table(path, SUPERVISOR_COLUMNS, header_row=2)
    assert table.header_row == 2
    assert [row.values["name"] for row in table.rows] == ["张三"]
    with pytest.raises(HeaderProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS, header_row=9)
    assert raised.value.key == "excel.error.header_row_range"


def test_no_header(tmp_path: Path) -> None:
    path = supervisors(tmp_path, [["名单"], ["甲", "乙", "丙"], [1, 2, 3]])
    with pytest.raises(HeaderProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS)
    message = raised.value.message
    assert raised.value.key == "excel.error.no_header"
    assert "监督员.xlsx" in message and "姓名" in message and "身份证号" in message
    assert "\n" not in message


def test_missing_required_columns_listed_together(tmp_path: Path) -> None:
    path = supervisors(tmp_path, [["性别", "民族", "手机"], ["男", "汉族", "13812345678"]])
    with pytest.raises(HeaderProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS)
    assert raised.value.key == "excel.error.missing_columns"
    assert "姓名" in raised.value.message and "身份证号" in raised.value.message
    assert "名单" in raised.value.message


def test_duplicate_header_columns(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path, [["姓名", "身份证号", "联系电话", "手机"], ["张三", ID_A, "1", "2"]]
    )
    with pytest.raises(HeaderProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS)
    assert raised.value.key == "excel.error.duplicate_columns"
    assert "联系电话" in raised.value.message and "手机" in raised.value.message
    assert "C" in raised.value.message and "D" in raised.value.message


# --- rows -------------------------------------------------------------------------------------


def test_notes_below_the_table_are_ignored(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path,
        [
            HEADER,
            [1, "张三", "男", ID_A],
            [2, None, None, None],  # numbered template row left blank
            [3, "李四", None, None],  # a half-filled row inside the table is reported
            [4, "王五", "女", ID_C],
            [],
            ["填表说明：", None, None],
            ["1、身份证号须为18位；"],
            ["2. 出生年月写成 1990-01"],
            ["注：本表一式两份"],
            ["制表人：某某", None, None, None, None, "审核人：某某"],
            ["合计", "3人"],
        ],
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert [row.number for row in table.rows] == [2, 4, 5]
    (problem,) = table.problems
    assert problem.row == 4 and problem.column_key == "id_number"
    assert str(problem) == "第 4 行，列“身份证号码”：必填，不能为空"


def test_note_in_a_required_column_at_the_bottom(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path, [["姓名", "身份证号"], ["张三", ID_A], ["注：请用文本格式填写身份证号"]]
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert len(table.rows) == 1 and not table.problems


def test_empty_rows_and_whitespace_only_rows_are_skipped(tmp_path: Path) -> None:
    path = supervisors(tmp_path, [["姓名", "身份证号"], [" ", "\u3000"], [], ["张三", ID_A]])
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert [row.number for row in table.rows] == [4]


def test_cell_problems_are_reported_on_their_rows(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path,
        [
            ["姓名", "身份证号", "出生日期", "联系电话"],
            ["张三", 150102199003077777, "2024-02-30", "12345"],
            ["李四", ID_B.lower(), "1990年3月7日", "138 1234 5678"],
        ],
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    first, second = table.rows
    assert [p.column_key for p in first.problems] == ["id_number", "birth_date", "phone"]
    assert first.values == {"name": "张三", "id_number": None, "birth_date": None, "phone": None}
    message = str(first.problems[0])
    assert message.startswith("第 2 行，列“身份证号”：值“1.50102E+17”——")
    assert "末几位" in message and "文本格式" in message
    assert "不存在" in str(first.problems[1])
    assert second.ok
    assert second.values["id_number"] == ID_B
    assert [p.row for p in table.problems] == [2, 2, 2]


def test_problem_lines_in_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "en")
    path = supervisors(tmp_path, [["姓名", "身份证号"], ["张三", 1.50102199003077e17]])
    (problem,) = read_table(path, SUPERVISOR_COLUMNS).problems
    assert str(problem).startswith("row 2, column '身份证号': value '1.50102E+17' — ")
    assert "last digits" in str(problem)


def test_duplicates_name_both_rows(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path,
        [
            ["姓名", "身份证号"],
            ["张三", ID_A],
            ["李四", ID_B],
            ["张三", ID_A.lower()],
            ["赵六", ID_A],
        ],
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    found = table.duplicates("id_number")
    assert [(p.row, p.expected) for p in found] == [(4, "与第 2 行重复"), (5, "与第 2 行重复")]
    # The ID number is masked in the message (the error workbook keeps it as typed).
    masked = ID_A.lower()[:6] + "********" + ID_A.lower()[-4:]
    assert str(found[0]) == f"第 4 行，列“身份证号”：值“{masked}”——与第 2 行重复"
    assert ID_A.lower() in found[0].note
    assert table.duplicates("phone") == []


def test_service_problems_through_the_table(tmp_path: Path) -> None:
    path = supervisors(tmp_path, [["姓名", "身份证号", "人员类别"], ["张三", ID_A, "火星代表"]])
    table = read_table(path, SUPERVISOR_COLUMNS)
    row = table.rows[0]
    problem = table.problem(row, "categories", "不是本地区规定的人员类别")
    assert str(problem) == "第 2 行，列“人员类别”：值“火星代表”——不是本地区规定的人员类别"
    assert str(table.problem(row, None, "已在其他地区任职")) == "第 2 行：已在其他地区任职"


def test_leads_and_activities(tmp_path: Path) -> None:
    code = "91350100M000100Y43"
    path = workbook(
        tmp_path / "线索.xlsx",
        (
            "线索",
            [
                [
                    "反映人身份证号",
                    "反映日期",
                    "机构名称",
                    "信用代码",
                    "违规类型",
                    "涉及金额（元）",
                    "金额单位",
                ],
                [
                    ID_A,
                    datetime(2024, 3, 1, 9, 30),
                    "某医院",
                    code.lower(),
                    "A1、A2",
                    "1,234.5",
                    "元",
                ],
                [ID_A, "2024/3/2", "某药店", None, "B1", "1.2万元", None],
            ],
        ),
    )
    table = read_table(path, LEAD_COLUMNS)
    first, second = table.rows
    assert first.values["received_on"] == date(2024, 3, 1)
    assert first.values["target_credit_code"] == code
    assert first.values["items"] == ("A1", "A2")
    assert first.values["amount"] == Decimal("1234.50")
    assert second.values["amount"] == Decimal("12000.00")
    assert table.ignored_headers == ["金额单位"]

    path = workbook(
        tmp_path / "活动.xlsx",
        (
            "活动",
            [["形式", "活动日期", "参加人员身份证号"], ["暗访", "2024.5.6", f"{ID_A}\n{ID_B}"]],
        ),
    )
    (row,) = read_table(path, ACTIVITY_COLUMNS).rows
    assert row.values == {"kind": "暗访", "date": date(2024, 5, 6), "participants": (ID_A, ID_B)}


def test_error_column_from_an_earlier_round_is_not_data(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path,
        [["姓名", "身份证号", "错误说明"], ["张三", ID_A, None], [None, None, "身份证号：…"]],
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert table.ignored_headers == []
    assert [row.number for row in table.rows] == [2]


# --- sheets -----------------------------------------------------------------------------------


def test_sheet_choice(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "多表.xlsx",
        ("封面", [["2024年监督员名单"], ["某某局"]]),
        ("空表", []),
        ("第一批", [["姓名", "身份证号"], ["张三", ID_A]]),
        ("第二批", [["姓名", "身份证号"], ["李四", ID_B]]),
    )
    assert read_table(path, SUPERVISOR_COLUMNS).sheet_name == "第一批"
    table = read_table(path, SUPERVISOR_COLUMNS, sheet="第二批")
    assert table.sheet_name == "第二批" and table.rows[0].values["name"] == "李四"
    assert read_table(path, SUPERVISOR_COLUMNS, sheet=" 第二批 ").sheet_name == "第二批"
    with pytest.raises(SheetProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS, sheet="第三批")
    assert raised.value.key == "excel.error.sheet_not_found"
    assert "封面、空表、第一批、第二批" in raised.value.message
    with pytest.raises(SheetProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS, sheet="空表")
    assert raised.value.key == "excel.error.empty_sheet"
    with pytest.raises(HeaderProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS, sheet="封面")
    assert raised.value.key == "excel.error.no_header"


def test_hidden_sheets_are_not_chosen_by_default(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = workbook(
        tmp_path / "hidden.xlsx",
        ("隐藏", [["姓名", "身份证号"], ["旧人", ID_C]]),
        ("名单", [["姓名", "身份证号"], ["张三", ID_A]]),
    )
    book = load_workbook(path)
    book["隐藏"].sheet_state = "hidden"
    book.active = 1
    book.save(path)
    assert read_table(path, SUPERVISOR_COLUMNS).sheet_name == "名单"


def test_empty_workbook_and_header_without_rows(tmp_path: Path) -> None:
    path = workbook(tmp_path / "empty.xlsx", ("Sheet1", []))
    with pytest.raises(SheetProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS)
    assert raised.value.key == "excel.error.empty_workbook"
    assert "empty.xlsx" in raised.value.message

    path = workbook(tmp_path / "header.xlsx", ("Sheet1", [["姓名", "身份证号"], [], ["注：无"]]))
    with pytest.raises(SheetProblem) as raised:
        read_table(path, SUPERVISOR_COLUMNS)
    assert raised.value.key == "excel.error.no_rows"
    assert read_table(path, SUPERVISOR_COLUMNS, allow_empty=True).rows == []


# --- CSV --------------------------------------------------------------------------------------

CSV_TEXT = '姓名,身份证号,出生日期,人员类别\n张三,11010519491231002x,2024年1月5日,"人大代表、政协委员"\n李四,1.50102E+17,2024/1/5,参保群众\n'


@pytest.mark.parametrize(
    ("encoding", "found"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_csv_encodings(tmp_path: Path, encoding: str, found: str) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert table.encoding == found and table.is_csv and table.sheet_name is None
    first, second = table.rows
    assert first.values == {
        "name": "张三",
        "id_number": ID_A,
        "birth_date": date(2024, 1, 5),
        "categories": ("人大代表", "政协委员"),
    }
    assert "末几位" in second.problems[0].expected
    assert second.number == 3


def test_csv_details(tmp_path: Path) -> None:
    path = tmp_path / "tabs.csv"
    path.write_text(
        '说明：导出\n姓名\t身份证号\t手机\n张三\t="11010519491231002X"\t="13812345678"\n王五\n',
        encoding="utf-8",
    )
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert table.header_row == 2
    first, second = table.rows
    assert first.values == {"name": "张三", "id_number": ID_A, "phone": "13812345678"}
    assert second.number == 4 and second.problems[0].column_key == "id_number"


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


@pytest.mark.parametrize("columns", [SUPERVISOR_COLUMNS, LEAD_COLUMNS, ACTIVITY_COLUMNS])
def test_every_header_name_belongs_to_one_column(columns: Sequence[ColumnSpec]) -> None:
    Matcher(columns)  # raises if two columns claim the same header


def test_catalogue_titles_are_the_canonical_headers() -> None:
    from medisup.i18n import catalogue

    for spec in (*SUPERVISOR_COLUMNS, *LEAD_COLUMNS, *ACTIVITY_COLUMNS):
        assert catalogue("zh")[spec.title_key] == spec.header
        assert spec.title_key in catalogue("en")


def test_catalogues_have_the_same_keys() -> None:
    from medisup.i18n import catalogue

    zh = {key for key in catalogue("zh") if key.startswith("excel.")}
    en = {key for key in catalogue("en") if key.startswith("excel.")}
    assert zh == en


def test_read_table_needs_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        read_table(tmp_path / "x.xlsx", [])


def test_header_repeated_for_printing_is_not_data(tmp_path: Path) -> None:
    path = supervisors(
        tmp_path,
        [["姓名", "身份证号"], ["张三", ID_A], ["姓名", "身份证号*"], ["李四", ID_B]],
    )
    table = read_table(path, SUPERVISOR_COLUMNS, header_row=1)
    assert [row.number for row in table.rows] == [2, 4]
    assert not table.problems


def test_columns_stay_aligned_with_the_rows(tmp_path: Path) -> None:
    # Empty rows, a repeated header and a refused cell: the table's columns still hold
    # one value per row, in the rows' order, and each problem quotes its own cell.
    path = supervisors(
        tmp_path,
        [["姓名", "身份证号", "性别"], ["张三", ID_A, "男"], [], ["姓名", "身份证号*", "性别"],
         ["李四", "bad", "女"], [None, None, None], ["王五", ID_C, "男"]],
    )
    table = read_table(path, SUPERVISOR_COLUMNS, header_row=1)
    assert [row.number for row in table.rows] == [2, 5, 7]
    for key in ("name", "id_number", "gender"):
        assert table.column(key) == [row.values[key] for row in table.rows]
        assert list(table.raw_column(key)) == [row.raw[key] for row in table.rows]
    assert table.column("id_number") == [ID_A, None, ID_C]
    assert table.column("phone") == [None, None, None]  # a column the file lacks
    (problem,) = table.problems
    assert (problem.row, problem.column_key, problem.value) == (5, "id_number", "bad")
    assert table.problem(table.rows[1], "name", "x").value == "李四"


def test_equal_cells_are_kept_once(tmp_path: Path) -> None:
    rows = [["姓名", "身份证号", "性别"]] + [[f"张{i}", ID_A, "男"] for i in range(60)]
    table = read_table(supervisors(tmp_path, rows), SUPERVISOR_COLUMNS)
    genders = table.raw_column("gender")
    assert len(genders) == 60 and all(cell is genders[0] for cell in genders)


def test_rows_built_by_hand() -> None:
    from medisup.excel import Row

    row = Row(7, {"name": "张三"}, raw={"name": " 张三 "})
    assert row.raw == {"name": " 张三 "} and row.ok and row.problems == []


def test_booleans_and_numbers_in_a_text_column(tmp_path: Path) -> None:
    # True == 1 == 1.0 share a slot in a set: the reader must still keep them apart.
    rows = [["姓名", "身份证号", "备注"]] + [["张三", ID_A, "好"]] * 40
    rows += [["李四", ID_B, True], ["王五", ID_C, 1], ["赵六", ID_A, 1.5]]
    table = read_table(supervisors(tmp_path, rows), SUPERVISOR_COLUMNS)
    assert [row.values["note"] for row in table.rows[-4:]] == ["好", "TRUE", "1", "1.5"]


def test_importing_the_adapter_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, medisup.excel; "
        "print(sorted(m for m in ('openpyxl', 'python_calamine', 'xlsxwriter', 'defusedxml', "
        "'stdnum') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_every_message_key_of_the_adapter_exists() -> None:
    import re

    import medisup.excel
    from medisup.excel.columns import KINDS
    from medisup.i18n import catalogue

    folder = Path(medisup.excel.__file__).parent
    used = set()
    for source in folder.glob("*.py"):
        used.update(re.findall(r'"(excel\.[a-z_.]+[a-z_])"', source.read_text(encoding="utf-8")))
    used.update(f"excel.hint.{kind}" for kind in KINDS)
    assert len(used) > 40
    for lang in ("zh", "en"):
        assert sorted(used - set(catalogue(lang))) == []


def test_known_labels_with_separators_stay_whole(tmp_path: Path) -> None:
    from medisup.excel import with_choices

    label = "虚构医药服务、伪造文书票据"
    columns = with_choices(LEAD_COLUMNS, {"items": ["A1", label, "A2"]})
    path = workbook(
        tmp_path / "线索.xlsx",
        (
            "线索",
            [
                ["监督员身份证号", "受理日期", "被反映对象", "问题类别"],
                [ID_A, "2024-03-01", "某医院", f"{label}、A2"],
            ],
        ),
    )
    (row,) = read_table(path, columns).rows
    assert row.values["items"] == (label, "A2")
