"""Workbooks that print: exports, templates and error workbooks on A4 landscape at page
width, the header repeated and the title on the first page only, page numbers; the
template's red headers are what import requires; the error workbook's notes sit beside
the data and show whole; a masked export is refused in one message."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from clock import TODAY
from helpers_leads import add_supervisor
from helpers_supervisors import make_id

from medisup import i18n
from medisup.excel import CellProblem, read_table, write_error_workbook, write_rows
from medisup.excel.errors import MaskedExport
from medisup.services import exports
from medisup.services.exports import LEAD_EXPORT_COLUMNS, SUPERVISOR_EXPORT_COLUMNS
from medisup.services.leads.import_ledger import import_leads
from medisup.services.supervisors.import_roster import import_supervisors

RED = ("C00000", "9C0006")  # required headers; error notes


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def load(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path)


def assert_prints(sheet: Any, *, header_row: int) -> None:
    """A4 landscape, every column on the page width, as many pages down as it takes, the
    header row (and only it) on every page, 第 N 页，共 M 页 at the foot."""
    setup = sheet.page_setup
    assert setup.orientation == "landscape"
    assert int(setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(setup.fitToWidth if setup.fitToWidth is not None else 1) == 1
    assert int(setup.fitToHeight) == 0
    assert sheet.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"
    footer = sheet.oddFooter.center.text
    assert "&P" in footer and "&N" in footer and footer.startswith("第")
    assert not sheet.HeaderFooter.differentFirst


def red(cell: Any) -> bool:
    color = cell.font.color
    return color is not None and isinstance(color.rgb, str) and color.rgb.endswith(RED)


# ---------------------------------------------------------------- exports


def roster_rows(count: int) -> list[dict[str, Any]]:
    return [{"name": f"监督员{n}", "gender": "男", "id_number": "150102********1234",
             "address": "内蒙古自治区呼和浩特市新城区中山东路街道办事处某某小区 3 号楼 2 单元 501 室",
             "work_unit": "内蒙古医科大学附属医院 主任医师", "categories": ("人大代表", "参保群众"),
             "department": "150102", "term_start": date(2024, 1, 1), "status": "在聘"}
            for n in range(count)]


def test_a_wide_roster_prints_at_page_width_with_its_title_on_page_one(tmp_path):
    path = tmp_path / "roster.xlsx"
    title = "监督员名单（150100 呼和浩特市医疗保障局及下级，状态截至 2026-06-15，导出于 2026-06-15）"
    write_rows(path, SUPERVISOR_EXPORT_COLUMNS, roster_rows(120), sheet_name="监督员",
               title=title)
    sheet = load(path)["监督员"]
    assert len(SUPERVISOR_EXPORT_COLUMNS) >= 20
    assert_prints(sheet, header_row=2)
    # The title is one cell across the whole width, on row 1, which is not repeated: it
    # prints once, at the top of page one, never split between pages.
    assert sheet["A1"].value == title
    last = sheet.cell(2, len(SUPERVISOR_EXPORT_COLUMNS)).column_letter
    assert [str(r) for r in sheet.merged_cells.ranges] == [f"A1:{last}1"]
    assert sheet.print_options.gridLines  # the table prints with its grid


def test_long_text_wraps_and_its_row_grows(tmp_path):
    path = tmp_path / "roster.xlsx"
    rows = roster_rows(2)
    rows[1].update(address="短地址", work_unit="某单位", categories=("人大代表",))
    write_rows(path, SUPERVISOR_EXPORT_COLUMNS, rows, sheet_name="监督员")
    sheet = load(path)["监督员"]
    column = {c.value: c.column_letter for c in sheet[1]}["通讯地址"]
    assert sheet[f"{column}2"].alignment.wrap_text
    # The long address needs three lines in its column: its row is that tall; the short
    # one keeps the ordinary height.
    assert sheet.row_dimensions[2].height >= 3 * 15
    assert sheet.row_dimensions[3].height is None or sheet.row_dimensions[3].height <= 20


@pytest.fixture
def two_leads(seeded):
    """An open lead past its acceptance deadline on the export day, and a closed one."""
    from helpers_leads import log_lead, move

    sup = add_supervisor(seeded, start=TODAY - timedelta(days=300),
                         end=TODAY + timedelta(days=400))
    late = log_lead(seeded, sup, codes=("A1", "A5"), received=date(2025, 10, 9))
    done = log_lead(seeded, sup, codes=("A7",), received=date(2025, 10, 10))
    move(seeded, done.number,
         ("in_progress", {"handling_unit": "基金监管科", "on": date(2025, 10, 13)}),
         ("unfounded", {"on": date(2025, 11, 3)}),
         ("closed", {"on": date(2025, 11, 20)}))
    return seeded, late.number, done.number


def test_lead_export_carries_deadlines_and_item_labels(two_leads, tmp_path):
    from medisup.services import leads

    env, late, done = two_leads
    path = tmp_path / "leads.xlsx"
    with env.uow("150100", write=False) as uow:
        exports.export_leads(uow, path)
    with env.uow("150100", write=False) as uow:
        shown = {r.number: r for r in leads.list_leads(uow, as_of=TODAY)}
    sheet = load(path).active
    assert_prints(sheet, header_row=2)
    assert "逾期截至 " + TODAY.isoformat() in sheet["A1"].value
    headers = [c.value for c in sheet[2]]
    assert headers[-3:] == ["受理期限", "办结期限", "是否逾期"]
    rows = {r[0]: dict(zip(headers, r, strict=True))
            for r in sheet.iter_rows(min_row=3, values_only=True)}
    for number in (late, done):
        assert rows[number]["受理期限"].date() == shown[number].accept_by
        assert rows[number]["办结期限"].date() == shown[number].handle_by
    assert shown[late].overdue and rows[late]["是否逾期"] == "是"
    assert rows[done]["是否逾期"] is None  # closed: no longer running late
    # Each item's label beside its code, one a line.
    assert rows[late]["问题类别"] == "A1 虚构医药服务、伪造文书票据\nA5 串换药品耗材项目"
    items = headers.index("问题类别") + 1
    assert sheet.cell(3, items).alignment.wrap_text
    assert sheet.row_dimensions[3].height >= 2 * 15


def test_lead_export_columns_beyond_import_are_passed_over_silently(two_leads, tmp_path):
    from medisup.services.leads.import_ledger import columns

    env, *_ = two_leads
    path = tmp_path / "leads.xlsx"
    with env.uow("150100", write=True) as uow:
        exports.export_leads(uow, path, reveal=True)
    table = read_table(path, columns())
    assert table.unknown_headers == [] and table.problems == []
    assert table.rows[0].values["items"] == ("A1", "A5")
    assert [spec.key for spec in LEAD_EXPORT_COLUMNS][-3:] == ["accept_by", "handle_by",
                                                               "overdue"]


# ---------------------------------------------------------------- templates


@pytest.mark.parametrize("table", ["supervisors", "leads"])
def test_templates_print_and_explain_their_red_headers(seeded, tmp_path, table):
    path = tmp_path / f"{table}.xlsx"
    with seeded.uow("150100", write=False) as uow:
        exports.export_template(uow, table, path)
    book = load(path)
    main, notes = book.worksheets[0], book["说明"]
    assert_prints(main, header_row=1)
    assert_prints(notes, header_row=2)
    assert "红色" in notes["A1"].value and "必填" in notes["A1"].value
    red_headers = {c.value for c in main[1] if red(c)}
    marked = {r[0].value for r in notes.iter_rows(min_row=3) if r[1].value == "是"}
    assert red_headers == marked
    expected = {"supervisors": {"姓名", "身份证号", "人员类别", "选聘方式"},
                "leads": {"监督员身份证号", "受理日期", "反映方式", "被反映对象", "问题类别"}}
    assert red_headers == expected[table]
    listed = {r[0].value: r[3].value for r in notes.iter_rows(min_row=3)}
    if table == "leads":
        # Every item in full, code and label, one a line.
        items = listed["问题类别"].split("\n")
        assert items[0] == "A1 虚构医药服务、伪造文书票据" and items[-1].startswith("E1 ")
        assert len(items) == 25
        conditional = {r[0].value: r[1].value for r in notes.iter_rows(min_row=3)}
        assert "定点医药机构" in conditional["统一社会信用代码"]
    else:
        assert listed["性别"] == "男、女"


def fill(template: Path, out: Path, values: dict[str, str]) -> Path:
    """The template's data sheet with one row filled by header."""
    book = load(template)
    sheet = book.worksheets[0]
    at = {c.value: c.column for c in sheet[1]}
    for header, value in values.items():
        sheet.cell(2, at[header], value)
    book.save(out)
    return out


def red_headers(env, table: str, tmp_path: Path) -> tuple[Path, set[str]]:
    path = tmp_path / f"template-{table}.xlsx"
    with env.uow("150100", write=False) as uow:
        exports.export_template(uow, table, path)
    return path, {c.value for c in load(path).worksheets[0][1] if red(c)}


def test_red_headers_are_exactly_what_the_roster_import_needs(seeded, tmp_path):
    template, required = red_headers(seeded, "supervisors", tmp_path)
    row = {"姓名": "王建国", "身份证号": make_id(), "人员类别": "参保群众", "选聘方式": "公开选聘"}
    assert set(row) == required
    with seeded.uow("150102", command="import supervisors") as uow:
        report = import_supervisors(uow, fill(template, tmp_path / "ok.xlsx", row),
                                    dry_run=True)
    assert report.ok and report.created == 1  # the red columns are enough
    for header in required:  # and each of them is needed
        path = fill(template, tmp_path / "without.xlsx", {**row, header: None})
        with seeded.uow("150102", command="import supervisors") as uow:
            report = import_supervisors(uow, path, dry_run=True)
        assert not report.ok, header


def test_red_headers_are_exactly_what_the_ledger_import_needs(seeded, tmp_path):
    template, required = red_headers(seeded, "leads", tmp_path)
    sup = add_supervisor(seeded, start=TODAY - timedelta(days=300),
                         end=TODAY + timedelta(days=400))
    row = {"监督员身份证号": sup, "受理日期": (TODAY - timedelta(days=5)).isoformat(),
           "反映方式": "电话", "被反映对象": "张某某", "问题类别": "C2 转借凭证或冒名就医"}
    assert set(row) == required
    with seeded.uow("150102", command="import leads") as uow:
        report = import_leads(uow, fill(template, tmp_path / "ok.xlsx", row), dry_run=True)
    assert report.ok and report.created == 1, [p.message for p in report.problems]
    for header in required:
        path = fill(template, tmp_path / "without.xlsx", {**row, header: None})
        with seeded.uow("150102", command="import leads") as uow:
            report = import_leads(uow, path, dry_run=True)
        assert not report.ok, header


# ---------------------------------------------------------------- the error workbook


def clerk_workbook(path: Path) -> Path:
    """A bureau's roster: title row, bordered header and data in its own font."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Font, Side

    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["某某区监督员花名册"])
    sheet.merge_cells("A1:D1")
    sheet.append(["姓名", "身份证号", "联系电话", "备注"])
    sheet.append(["张三", "150102199003077777", "13812345678", None])
    sheet.append(["李四", "150102199003071234", "12345", None])
    thin = Side(style="thin")
    for row in sheet.iter_rows(min_row=2, max_row=4):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.font = Font(name="宋体", size=12)
    sheet.column_dimensions["E"].width = 8
    sheet.print_area = "A1:D4"
    sheet.page_setup.orientation = "portrait"
    book.save(path)
    return path


def test_error_workbook_notes_sit_beside_the_data_and_show_whole(tmp_path):
    from medisup.excel import SUPERVISOR_COLUMNS

    source = clerk_workbook(tmp_path / "名单.xlsx")
    table = read_table(source, SUPERVISOR_COLUMNS)
    long = "应为 11 位手机号（如 13812345678）或带区号的固定电话（如 0471-1234567）"
    problems = [*table.problems,
                CellProblem(4, "phone", "联系电话", "12345", long),
                CellProblem(4, None, None, None, "与第 3 行重复，请核对后删除其中一行再导入")]
    out = write_error_workbook(source, tmp_path / "名单-错误.xlsx", table, problems)
    sheet = load(out)["名单"]
    assert_prints(sheet, header_row=2)
    # 错误说明 is the column right after the data: no gap, in the clerk's print area.
    assert sheet["E2"].value == "错误说明"
    assert sheet.print_area.replace("$", "").endswith("A1:E4")
    note = sheet["E4"]
    assert "12345" in note.value and "第 3 行重复" in note.value
    # Wrapped, in the clerk's font (red), with the data's borders; the row is tall enough
    # for every line of the note at the column's width.
    assert note.alignment.wrap_text
    assert note.font.name == "宋体" and red(note)
    assert note.border.left.style == "thin" and note.border.bottom.style == "thin"
    assert sheet["E3"].border.bottom.style == "thin"  # a row without errors: the grid goes on
    width = sheet.column_dimensions["E"].width
    assert width >= 40
    lines = sum(-(-2 * len(part) // int(width)) for part in note.value.split("\n"))
    assert lines >= 2 and sheet.row_dimensions[4].height >= lines * 15


# ---------------------------------------------------------------- a masked export imported back


def test_a_masked_export_is_refused_in_one_message(seeded, tmp_path):
    from helpers_supervisors import appoint

    for n in range(3):  # the county's quota
        appoint(seeded, "150102", make_id(), name=f"监督员{n}")
    path = tmp_path / "masked.xlsx"
    with seeded.uow("150100", write=False) as uow:
        exports.export_supervisors(uow, path)
    with seeded.uow("150100", command="import supervisors") as uow:
        with pytest.raises(MaskedExport) as caught:
            import_supervisors(uow, path, dry_run=True)
    message = caught.value.message
    assert "遮蔽" in message and "--reveal" in message and "3 行" in message
    assert "\n" not in message and caught.value.exit_status == 1


def test_a_masked_lead_export_is_refused_in_one_message(two_leads, tmp_path):
    env, *_ = two_leads
    path = tmp_path / "masked-leads.xlsx"
    with env.uow("150100", write=False) as uow:
        exports.export_leads(uow, path)
    with env.uow("150100", command="import leads") as uow:
        with pytest.raises(MaskedExport, match="--reveal"):
            import_leads(uow, path, dry_run=True)


def test_a_few_masked_cells_in_a_clerks_file_are_row_errors(seeded, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "人员类别", "选聘方式"])
    for n in range(3):
        sheet.append([f"人{n}", make_id(), "参保群众", "公开选聘"])
    sheet.append(["遮蔽人", "150102********1234", "参保群众", "公开选聘"])
    path = tmp_path / "mixed.xlsx"
    book.save(path)
    with seeded.uow("150102", command="import supervisors") as uow:
        report = import_supervisors(uow, path, dry_run=True)
    assert not report.ok and report.rejected == 1
