"""The streamed export sheet: what a clerk sees in Excel (text stays text, dates are
dates, the header stays in view, the page prints with its header and page numbers) and
what the import reads back (awkward text exactly as it was written)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from medisup.excel import (
    LEAD_COLUMNS,
    SUPERVISOR_COLUMNS,
    MonthDate,
    read_table,
    sheet_xml,
    write_rows,
)
from medisup.excel.normalise import id_check_digit
from medisup.excel.safety import check_file
from medisup.excel.writer import MAX_ROW_HEIGHT, column_width

ID_NUMBER = "15010219900307777" + id_check_digit("15010219900307777")
COLUMN = {spec.key: index + 1 for index, spec in enumerate(SUPERVISOR_COLUMNS)}


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "zh")


def export(path: Path, rows: list[dict[str, Any]], columns: Any = SUPERVISOR_COLUMNS,
           **options: Any) -> Path:
    options.setdefault("sheet_name", "监督员")
    write_rows(path, columns, rows, **options)
    return path


def sheet_of(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path).worksheets[0]


def calamine_rows(path: Path) -> list[list[Any]]:
    """The sheet as the import's reader sees it."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


# ---------------------------------------------------------------- what Excel shows


def test_id_numbers_and_phones_stay_text(tmp_path):
    path = export(tmp_path / "ids.xlsx", [
        {"name": "张三", "id_number": ID_NUMBER, "phone": "04711234567"},
        {"name": "李四", "id_number": "11010519491231002X", "phone": "13812345678"}])
    sheet = sheet_of(path)
    for row in (2, 3):
        for key in ("id_number", "phone"):
            cell = sheet.cell(row, COLUMN[key])
            assert cell.data_type == "s" and cell.number_format == "@"
    assert sheet.cell(2, COLUMN["id_number"]).value == ID_NUMBER  # not 1.50102E+17
    assert sheet.cell(2, COLUMN["phone"]).value == "04711234567"  # the leading 0 kept
    # A new entry typed into the column is text too.
    letter = sheet.cell(1, COLUMN["id_number"]).column_letter
    assert sheet.column_dimensions[letter].number_format == "@"
    assert [row.values["id_number"] for row in read_table(path, SUPERVISOR_COLUMNS).rows] == [
        ID_NUMBER, "11010519491231002X"]


def test_dates_are_date_cells(tmp_path):
    days = [date(2024, 2, 1), MonthDate(1990, 3, 1), date(1900, 2, 28), date(1900, 3, 1),
            date(2099, 12, 31)]
    path = export(tmp_path / "dates.xlsx",
                  [{"name": f"人{n}", "term_start": day} for n, day in enumerate(days)])
    sheet = sheet_of(path)
    for row, day in enumerate(days, start=2):
        cell = sheet.cell(row, COLUMN["term_start"])
        assert cell.is_date and cell.number_format == "yyyy-mm-dd"
        assert cell.value.date() == day
    # Excel's serial numbers, its phantom 29 February 1900 counted.
    assert [sheet_xml.excel_serial(d) for d in days[2:4]] == [59, 61]
    assert sheet_xml.excel_serial(datetime(2024, 1, 2, 12)) == 45293.5


def test_masked_birth_year_and_text_in_a_date_column_stay_as_written(tmp_path):
    path = export(tmp_path / "masked.xlsx", [{"name": "张三", "birth_date": 1990},
                                             {"name": "李四", "birth_date": "1990-03"}])
    sheet = sheet_of(path)
    assert sheet.cell(2, COLUMN["birth_date"]).value == "1990"
    assert sheet.cell(3, COLUMN["birth_date"]).value == "1990-03"


def test_amounts_are_numbers_with_two_decimals(tmp_path):
    path = export(tmp_path / "leads.xlsx", [
        {"number": "L1", "amount": Decimal("1234.50"), "verified_amount": 0.1 + 0.2,
         "recovered_amount": 12345678901234567}], LEAD_COLUMNS, sheet_name="线索")
    sheet = sheet_of(path)
    headers = {cell.value: cell.column for cell in sheet[1]}
    amount = sheet.cell(2, headers["涉及金额（元）"])
    assert amount.value == 1234.5 and amount.number_format == "#,##0.00"
    assert sheet.cell(2, headers["查实金额（元）"]).value == pytest.approx(0.3)
    assert sheet.cell(2, headers["追回金额（元）"]).value == pytest.approx(1.2345678901234568e16)


def test_header_stays_in_view_and_prints_on_every_page(tmp_path):
    path = export(tmp_path / "print.xlsx", [{"name": "张三"}] * 3, title="监督员名单")
    sheet = sheet_of(path)
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$2:$2"  # the header, not the title
    assert "第 &P 页，共 &N 页" in sheet.oddFooter.center.text
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(sheet.page_setup.fitToHeight) == 0
    assert sheet.print_options.gridLines
    assert sheet.auto_filter.ref == f"A2:{sheet.cell(2, len(SUPERVISOR_COLUMNS)).column_letter}5"
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert '<definedName name="_xlnm.Print_Titles" localSheetId="0">\'监督员\'!$2:$2' in workbook


def test_header_title_and_widths_look_as_before(tmp_path):
    path = export(tmp_path / "look.xlsx", [], title="2024年监督员名单")
    sheet = sheet_of(path)
    title, header = sheet["A1"], sheet["A2"]
    assert title.font.b and title.font.sz == 14 and title.alignment.horizontal == "center"
    assert header.font.b and header.fill.fgColor.rgb == "FFDDEBF7"
    assert header.border.left.style == "thin" and header.alignment.wrap_text
    # Widths in whole pixels, as xlsxwriter stored them: 12 characters → 12.7109375.
    spec = SUPERVISOR_COLUMNS[0]
    assert column_width(spec) == 12 and sheet.column_dimensions["A"].width == 12.7109375
    assert sheet.row_dimensions[1].height == 27.75  # 28 points, in whole pixels


# ---------------------------------------------------------------- awkward text


AWKWARD = [
    "&<>\"'",
    "a\x01b\x07c",  # control characters: XML cannot carry them as they are
    "第一行\r\n第二行",  # a carriage return that XML would turn into a line feed
    "_x0041_ is not an escape",
    "  two spaces either side  ",
    "\t前面是制表符",
    "内蒙古自治区呼和浩特市新城区“中山东路”——某某小区 3 号楼 2 单元 501 室",
    "emoji 😀 and 𠀀 (outside the BMP)",
]


def test_awkward_text_reads_back_exactly(tmp_path):
    rows = [{"name": f"人{n}", "work_unit": text, "note": text}
            for n, text in enumerate(AWKWARD)]
    path = export(tmp_path / "awkward.xlsx", rows)
    read = calamine_rows(path)
    assert [row[COLUMN["work_unit"] - 1] for row in read[1:]] == AWKWARD
    assert [row[COLUMN["note"] - 1] for row in read[1:]] == AWKWARD
    sheet = sheet_of(path)
    assert sheet.cell(6, COLUMN["note"]).value == "  two spaces either side  "
    # Every part of the package is well-formed XML.
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))


def test_a_leading_formula_character_stays_text(tmp_path):
    path = export(tmp_path / "formula.xlsx", [{"name": "=1+1", "address": "+" + "长" * 40,
                                               "id_number": "-" + ID_NUMBER}])
    sheet = sheet_of(path)
    for key in ("name", "address", "id_number"):
        cell = sheet.cell(2, COLUMN[key])
        assert cell.data_type == "s" and cell.quotePrefix
    assert sheet.cell(2, COLUMN["address"]).alignment.wrap_text
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_very_long_text_is_cut_at_excels_limit_and_its_row_capped(tmp_path):
    long = "很长的地址" * 8000  # 40,000 characters
    path = export(tmp_path / "long.xlsx", [{"name": "张三", "address": long}])
    sheet = sheet_of(path)
    assert sheet.cell(2, COLUMN["address"]).value == long[:sheet_xml.MAX_TEXT]
    assert sheet.row_dimensions[2].height == pytest.approx(MAX_ROW_HEIGHT, abs=0.75)
    # Cut by UTF-16 units, never through a character outside the BMP.
    assert sheet_xml.clip_text("😀" * 20000) == "😀" * (sheet_xml.MAX_TEXT // 2)


def test_empty_cells_are_left_out_and_the_rest_stay_in_their_columns(tmp_path):
    path = export(tmp_path / "gaps.xlsx", [{"name": "张三", "gender": "", "ethnicity": None,
                                           "id_number": ID_NUMBER}, {}, {"note": "末列"}])
    read = calamine_rows(path)
    assert read[1][:5] == ["张三", "", "", "", ID_NUMBER]
    assert read[2] == [""] * len(SUPERVISOR_COLUMNS)
    assert read[3][-1] == "末列"
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="B2"' not in xml and '<row r="3">' in xml
    assert f'<dimension ref="A1:{sheet_xml.column_letter(len(SUPERVISOR_COLUMNS) - 1)}4"/>' in xml


def test_wrapped_text_grows_its_row_and_short_text_does_not(tmp_path):
    address = "内蒙古自治区呼和浩特市新城区中山东路街道办事处某某小区 3 号楼 2 单元 501 室"
    path = export(tmp_path / "wrap.xlsx", [{"name": "张三", "address": address},
                                           {"name": "李四", "address": "短地址"}])
    sheet = sheet_of(path)
    assert sheet.cell(2, COLUMN["address"]).alignment.wrap_text
    assert sheet.row_dimensions[2].height >= 3 * 15
    assert sheet.row_dimensions[3].height is None
    assert not sheet.cell(3, COLUMN["address"]).alignment.wrap_text


# ---------------------------------------------------------------- the writer itself


def test_equal_values_of_different_types_keep_their_own_text(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_xml, "CACHE_LIMIT", 3)  # the cache starts over, often
    values = [1, 1.0, True, Decimal("1.0"), "1", ["人大代表", "政协委员"], 1, "1", True]
    path = export(tmp_path / "types.xlsx", [{"note": value} for value in values])
    read = [row[-1] for row in calamine_rows(path)[1:]]
    assert read == ["1", "1.0", "True", "1.0", "1", "人大代表、政协委员", "1", "1", "True"]


def test_many_rows_read_back_through_the_import(tmp_path):
    rows = [{"name": f"监督员{n}", "gender": "男女"[n % 2], "id_number": ID_NUMBER,
             "term_start": date(2024, 1, 1 + n % 28), "categories": ("参保群众",)}
            for n in range(3000)]
    path = export(tmp_path / "many.xlsx", rows, title="名单")
    assert check_file(path) == "xlsx"  # the import's own safety checks pass
    table = read_table(path, SUPERVISOR_COLUMNS)
    assert table.header_row == 2 and len(table.rows) == 3000
    assert table.rows[-1].values["term_start"] == date(2024, 1, 1 + 2999 % 28)
    assert table.rows[-1].values["categories"] == ("参保群众",)


def test_the_rows_wait_in_tmpdir_and_are_gone_afterwards(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    seen = []

    def rows():
        yield {"name": "张三"}
        seen.extend(scratch.iterdir())  # while the sheet is being written
        yield {"name": "李四"}

    export(tmp_path / "t.xlsx", rows(), tmpdir=scratch)
    assert seen and all(p.name.startswith("sheet-") for p in seen)
    assert list(scratch.iterdir()) == []


def test_a_failure_half_way_leaves_no_rows_behind(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    def rows():
        yield {"name": "张三", "id_number": ID_NUMBER}
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        export(tmp_path / "broken.xlsx", rows(), tmpdir=scratch)
    assert list(scratch.iterdir()) == []
    assert not (tmp_path / "broken.xlsx").exists()
