"""Writing: exports that import back unchanged, the marked error workbook, templates."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medisup.excel import (
    LEAD_COLUMNS,
    SUPERVISOR_COLUMNS,
    CellProblem,
    Interest,
    MonthDate,
    read_table,
    write_error_workbook,
    write_rows,
    write_template,
)
from medisup.excel.columns import column_letter
from medisup.excel.normalise import credit_code_check_char, id_check_digit
from medisup.excel.writer import COMMENT_AUTHOR, ERROR_FILL, column_width, display_width

ID_X = "11010519491231002X"
ID_2 = "15010219900307777" + id_check_digit("15010219900307777")
CODE = "91150102MA0A1B2C3" + credit_code_check_char("91150102MA0A1B2C3")


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "zh")


SUPERVISORS: list[dict[str, Any]] = [
    {
        "name": "张三",
        "gender": "男",
        "ethnicity": "蒙古族",
        "birth_date": date(1949, 12, 31),
        "id_number": ID_X,
        "phone": "0471-1234567",
        "email": "zhang@example.com",
        "address": "呼和浩特市新城区中山东路1号",
        "work_unit": "某某医院主任医师",
        "categories": ("人大代表", "政协委员"),
        "channel": "公开选聘",
        "department": "150102",
        "applied_on": date(2024, 1, 5),
        "status": "在聘",
        "term_start": date(2024, 2, 1),
        "term_end": date(2026, 1, 31),
        "certificate": "150102-2024-0007",
        "interests": (Interest("某某医院", CODE), Interest("某药店", None)),
        "note": '=HYPERLINK("http://example.com","点我")',
    },
    {
        "name": "-李四",
        "id_number": ID_2,
        "phone": "13812345678",
        "birth_date": MonthDate(1990, 3, 1),
        "categories": ("参保群众",),
        "note": "+1",
        "work_unit": "@某单位",
        "address": "\t缩进",
    },
]


def read_back(path: Path, columns: Any = SUPERVISOR_COLUMNS) -> list[dict[str, Any]]:
    return [row.values for row in read_table(path, columns).rows]


# --- exports ----------------------------------------------------------------------------------


def test_export_reads_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    assert write_rows(path, SUPERVISOR_COLUMNS, SUPERVISORS, sheet_name="监督员") == 2
    first, second = read_back(path)
    assert {k: v for k, v in first.items() if v is not None} == SUPERVISORS[0]
    expected = dict(SUPERVISORS[1], address="缩进")  # a leading tab is stray space on import
    assert {k: v for k, v in second.items() if v is not None} == expected
    assert not any(read_table(path, SUPERVISOR_COLUMNS).problems)


def test_export_cells_are_typed_and_formulas_neutralised(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "export.xlsx"
    write_rows(path, SUPERVISOR_COLUMNS, SUPERVISORS, sheet_name="监督员")
    sheet = load_workbook(path)["监督员"]
    columns = {spec.key: i + 1 for i, spec in enumerate(SUPERVISOR_COLUMNS)}

    def cell(row: int, key: str) -> Any:
        return sheet.cell(row, columns[key])

    assert cell(2, "id_number").data_type == "s" and cell(2, "id_number").value == ID_X
    assert cell(2, "id_number").number_format == "@"
    assert cell(3, "phone").value == "13812345678" and cell(3, "phone").data_type == "s"
    assert cell(2, "birth_date").is_date and cell(2, "birth_date").number_format == "yyyy-mm-dd"
    assert cell(2, "categories").value == "人大代表、政协委员"
    assert cell(2, "interests").value == f"某某医院({CODE})；某药店"
    for row, key in ((2, "note"), (3, "name"), (3, "note"), (3, "work_unit")):
        assert cell(row, key).data_type == "s"
        assert cell(row, key).quotePrefix
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml


def test_export_header_style_panes_and_widths(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "export.xlsx"
    write_rows(path, SUPERVISOR_COLUMNS, SUPERVISORS, sheet_name="监督员", title="2024年监督员名单")
    sheet = load_workbook(path)["监督员"]
    assert sheet["A1"].value == "2024年监督员名单"
    last = column_letter(len(SUPERVISOR_COLUMNS) - 1)  # the title spans every column
    assert f"A1:{last}1" in {str(r) for r in sheet.merged_cells.ranges}
    header = sheet["A2"]
    assert header.value == "姓名" and header.font.b
    assert header.fill.fgColor.rgb.endswith("DDEBF7")
    assert header.border.left.style == "thin"
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["E"].width >= 20  # 身份证号
    assert read_table(path, SUPERVISOR_COLUMNS).header_row == 2


def test_decimals_written_as_numbers(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    lead = {
        "supervisor_id_number": ID_X,
        "received_on": date(2024, 3, 1),
        "target_name": "某医院",
        "target_credit_code": CODE,
        "items": ("A1", "A2"),
        "amount": Decimal("1234.50"),
        "verified_amount": Decimal("0.00"),
        "description": "-",
    }
    path = tmp_path / "leads.xlsx"
    write_rows(path, LEAD_COLUMNS, [lead], sheet_name="线索")
    cell = load_workbook(path)["线索"]["K2"]
    assert cell.value == 1234.5 and cell.number_format == "#,##0.00"
    (back,) = read_back(path, LEAD_COLUMNS)
    assert {k: v for k, v in back.items() if v is not None} == lead


def test_english_export_reads_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook

    monkeypatch.setenv("MEDISUP_LANG", "en")
    path = tmp_path / "export.xlsx"
    write_rows(path, SUPERVISOR_COLUMNS, SUPERVISORS[:1], sheet_name="Supervisors")
    assert load_workbook(path)["Supervisors"]["E1"].value == "ID number"
    monkeypatch.setenv("MEDISUP_LANG", "zh")
    (back,) = read_back(path)
    assert back["id_number"] == ID_X


def test_width_counts_chinese_double() -> None:
    assert display_width("abc") == 3
    assert display_width("身份证号") == 8
    spec = SUPERVISOR_COLUMNS[0]
    assert column_width(spec) >= display_width(spec.title)


def test_empty_export_still_has_headers(tmp_path: Path) -> None:
    path = tmp_path / "none.xlsx"
    assert write_rows(path, SUPERVISOR_COLUMNS, [], sheet_name="监督员") == 0
    assert read_table(path, SUPERVISOR_COLUMNS, allow_empty=True).rows == []


# --- error workbooks ------------------------------------------------------------------------


def clerk_workbook(path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet["A1"] = "2024年监督员名单"
    sheet.merge_cells("A1:E1")
    sheet.append([])
    sheet.append(["序号", "姓名", "身份证号", "出生日期", "备注"])
    sheet.append([1, "张三", ID_X, "1949-12-31", "留着"])
    sheet.append([2, "李四", 150102199003077777, "2024-02-30", None])
    sheet.append([3, "王五", "110105194912310021", "1990-01-01", None])
    sheet["E4"].font = Font(italic=True)
    other = book.create_sheet("附表")
    other["A1"] = "别动我"
    book.save(path)
    return path


def test_error_workbook_marks_the_clerks_own_file(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    source = clerk_workbook(tmp_path / "名单.xlsx")
    table = read_table(source, SUPERVISOR_COLUMNS)
    problems = table.problems + [table.problem(table.rows[2], None, "已是其他地区的监督员")]
    out = write_error_workbook(source, tmp_path / "名单-错误.xlsx", table, problems)
    book = load_workbook(out)
    assert book.sheetnames == ["名单", "附表"]
    assert book["附表"]["A1"].value == "别动我"
    sheet = book["名单"]
    assert sheet["A1"].value == "2024年监督员名单"
    assert "A1:E1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["F3"].value == "错误说明"

    # Row 4 has no problem: untouched.
    assert [c.value for c in sheet[4]][:6] == [1, "张三", ID_X, "1949-12-31", "留着", None]
    assert sheet["E4"].font.i
    assert sheet["C4"].comment is None and sheet["C4"].fill.fill_type is None

    # Row 5: two bad cells, both filled and commented; both problems in 错误说明.
    for ref in ("C5", "D5"):
        assert sheet[ref].fill.fgColor.rgb.endswith(ERROR_FILL)
        assert sheet[ref].comment.author == COMMENT_AUTHOR
    assert "末几位" in sheet["C5"].comment.text
    assert "不存在" in sheet["D5"].comment.text
    lines = sheet["F5"].value.split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("身份证号：值“1.50102E+17”——")
    assert sheet["C5"].data_type == "n"  # the clerk's value is left for them to fix
    assert sheet["B5"].fill.fill_type is None

    # Row 6: a cell problem and a row problem.
    assert sheet["C6"].comment is not None
    assert sheet["F6"].value.split("\n")[1] == "已是其他地区的监督员"


def test_error_workbook_round_again(tmp_path: Path) -> None:
    """The clerk fixes the returned file and imports it again: old marks go, new ones come."""
    from openpyxl import load_workbook

    source = clerk_workbook(tmp_path / "名单.xlsx")
    table = read_table(source, SUPERVISOR_COLUMNS)
    marked = write_error_workbook(source, tmp_path / "第一轮.xlsx", table, table.problems)

    book = load_workbook(marked)
    sheet = book["名单"]
    sheet["C5"] = ID_2
    sheet["D5"] = "1990-03-07"
    book.save(marked)

    again = read_table(marked, SUPERVISOR_COLUMNS)
    assert again.ignored_headers == ["序号"]  # 错误说明 is not reported as an extra column
    assert [p.row for p in again.problems] == [6]
    out = write_error_workbook(marked, marked, again, again.problems)
    sheet = load_workbook(out)["名单"]
    assert sheet["F3"].value == "错误说明" and sheet["G3"].value is None
    assert sheet["F5"].value is None
    assert sheet["C5"].comment is None and sheet["C5"].fill.fill_type is None
    assert sheet["C6"].comment is not None and sheet["F6"].value


def test_error_workbook_from_csv(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    source = tmp_path / "名单.csv"
    source.write_text(f"姓名,身份证号,备注\n张三,{ID_X},=1+1\n李四,1.50102E+17,\n", encoding="gbk")
    table = read_table(source, SUPERVISOR_COLUMNS)
    out = write_error_workbook(source, tmp_path / "名单-错误.xlsx", table, table.problems)
    sheet = load_workbook(out).active
    assert [c.value for c in sheet[1]] == ["姓名", "身份证号", "备注", "错误说明"]
    assert sheet["B2"].value == ID_X and sheet["B2"].data_type == "s"
    assert sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"
    assert sheet["B3"].value == "1.50102E+17"
    assert sheet["B3"].comment is not None and sheet["B3"].fill.fgColor.rgb.endswith(ERROR_FILL)
    assert "末几位" in sheet["D3"].value
    assert sheet["D2"].value is None


def test_problem_without_a_known_column(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    source = clerk_workbook(tmp_path / "名单.xlsx")
    table = read_table(source, SUPERVISOR_COLUMNS)
    problem = CellProblem(4, "phone", "联系电话", None, "缺少联系电话")
    sheet = load_workbook(write_error_workbook(source, tmp_path / "o.xlsx", table, [problem]))[
        "名单"
    ]
    assert sheet["F4"].value == "联系电话：缺少联系电话"


# --- templates --------------------------------------------------------------------------------


def test_template(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    long_list = [f"选项{n}" for n in range(300)]
    path = write_template(
        tmp_path / "模板.xlsx",
        SUPERVISOR_COLUMNS,
        {"gender": ["男", "女"], "categories": ["人大代表", "政协委员"], "channel": long_list},
    )
    book = load_workbook(path)
    assert book.sheetnames == ["数据", "说明", "选项"]
    assert book["选项"].sheet_state == "hidden"
    data = book["数据"]
    assert [c.value for c in data[1]] == [spec.title for spec in SUPERVISOR_COLUMNS]
    assert data.freeze_panes == "A2"

    validations = {str(v.sqref): v for v in data.data_validations.dataValidation}
    gender = validations["B2:B1001"]
    assert gender.type == "list" and gender.formula1 == "'选项'!$A$2:$A$3"
    assert validations["J2:J1001"].errorStyle == "warning"  # several categories allowed
    channel = validations["L2:L1001"]
    assert channel.formula1 == "'选项'!$C$2:$C$301"
    assert book["选项"]["C301"].value == "选项299"
    assert validations["D2:D1001"].type == "date"

    assert data.column_dimensions["E"].number_format == "@"  # 身份证号
    assert data.column_dimensions["F"].number_format == "@"  # 联系电话
    assert data.column_dimensions["D"].number_format == "yyyy-mm-dd"

    notes = book["说明"]
    assert "红色" in notes["A1"].value and "必填" in notes["A1"].value  # the legend first
    assert notes["A2"].value == "列名"
    assert notes["A3"].value == "姓名" and notes["B3"].value == "是"
    assert "文本格式" in notes["C7"].value
    # Every allowed value, not the first 30 of them.
    assert notes["D14"].value == "、".join(long_list)
    assert read_table(path, SUPERVISOR_COLUMNS, allow_empty=True).rows == []


def _assert_prints_a4_landscape(sheet: Any, title_rows: str) -> None:
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(sheet.page_setup.fitToWidth or 1) == 1  # 1 is the default, often left out
    assert int(sheet.page_setup.fitToHeight) == 0
    assert sheet.print_title_rows.replace("$", "") == title_rows  # header on every page, not title
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text


def test_export_template_and_error_workbook_print_on_a4_landscape(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    export = tmp_path / "export.xlsx"
    write_rows(export, SUPERVISOR_COLUMNS, SUPERVISORS, sheet_name="监督员", title="2024年监督员名单")
    _assert_prints_a4_landscape(load_workbook(export)["监督员"], "2:2")

    template = write_template(tmp_path / "模板.xlsx", SUPERVISOR_COLUMNS, {})
    _assert_prints_a4_landscape(load_workbook(template)["数据"], "1:1")

    source = clerk_workbook(tmp_path / "名单.xlsx")
    table = read_table(source, SUPERVISOR_COLUMNS)
    out = write_error_workbook(source, tmp_path / "名单-错误.xlsx", table, table.problems)
    _assert_prints_a4_landscape(load_workbook(out)["名单"], "3:3")
