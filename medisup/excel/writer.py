"""Writing workbooks: exports, the clerk's own workbook marked with its errors, import templates.

Over 400 lines: the export writer, the error workbook and the templates share the column
formats and the print set-up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from medisup.excel.columns import ColumnSpec
from medisup.excel.errors import SheetProblem, UnsupportedFile
from medisup.excel.normalise import LIST_SEPARATORS, MAX_YEAR, MIN_YEAR, normalise_header
from medisup.excel.reader import CellProblem, Table, column_letter, error_column_names, load_csv
from medisup.excel.safety import check_file, require_defused_openpyxl

# A cell starting with one of these would be read as a formula if re-entered or pasted.
FORMULA_STARTS = frozenset("=+-@\t\r")
HEADER_FILL = "#DDEBF7"
ERROR_FILL = "FFC7CE"
ERROR_FONT = "9C0006"
COMMENT_AUTHOR = "medisup"
LIST_JOINER = "、"
INTEREST_JOINER = "；"
TEMPLATE_ROWS = 1000

_KIND_WIDTH = {
    "text": 14,
    "person_name": 10,
    "date": 12,
    "id_number": 21,
    "phone": 15,
    "decimal": 14,
    "integer": 10,
    "codes": 16,
    "email": 24,
    "credit_code": 21,
    "interests": 36,
}
_TEXT_KINDS = frozenset({"id_number", "phone", "credit_code", "email"})
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_SPLITS = re.compile(f"[{re.escape(LIST_SEPARATORS)}]")


def display_width(value: str) -> int:
    """Width in Excel character units: Chinese (wide) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def column_width(spec: ColumnSpec) -> float:
    """The spec's width, widened to fit its header, within reason."""
    return min(60.0, max(spec.width or _KIND_WIDTH[spec.kind], display_width(spec.title) + 4))


def sheet_title(name: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, at most 31 characters."""
    return _SHEET_NAME_BAD.sub("_", name).strip("'")[:31] or "Sheet1"


def cell_text(value: Any, kind: str = "text") -> str:
    """How a value of a list, interests or other non-scalar column is written as text."""
    if isinstance(value, (tuple, list)):
        joiner = INTEREST_JOINER if kind == "interests" else LIST_JOINER
        return joiner.join(str(item) for item in value if item is not None)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# --- exports --------------------------------------------------------------------------------


def write_rows(
    path: str | Path,
    columns: Sequence[ColumnSpec],
    rows: Iterable[Mapping[str, Any]],
    *,
    sheet_name: str,
    title: str | None = None,
    tmpdir: str | Path | None = None,
) -> int:
    """Write ``rows`` under the columns' headers; returns how many rows were written.

    Streams (xlsxwriter constant-memory): dates are date cells, ID numbers and phones
    text cells, amounts numbers with two decimals, lists joined with 、.  A string that
    would start a formula is stored with Excel's quote prefix: it stays text in Excel,
    even when edited, and reads back unchanged.  Long-text columns (``spec.wrap``) wrap,
    and a row whose text needs more lines is made that tall, so a printed page shows it
    all; the sheet prints as :func:`print_setup` says, with grid lines.

    ``tmpdir``: where xlsxwriter keeps its temporary files (the rows of the sheet, then
    each part of the package).  They hold the same data as the workbook, so an export
    puts them in its own private stage beside the target, never in the system's temp
    folder, where a killed process would leave them behind.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "tmpdir": str(tmpdir) if tmpdir is not None else None,
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        sheet = workbook.add_worksheet(sheet_title(sheet_name))
        formats = _Formats(workbook)
        top = 0
        if title:
            if len(columns) > 1:
                sheet.merge_range(0, 0, 0, len(columns) - 1, title, formats.title)
            else:
                sheet.write_string(0, 0, title, formats.title)
            sheet.set_row(0, 28)
            top = 1
        for index, spec in enumerate(columns):
            column_format = formats.text if spec.kind in _TEXT_KINDS else None
            sheet.set_column(index, index, column_width(spec), column_format)
            sheet.write_string(top, index, spec.title, formats.header)
        sheet.set_row(top, row_height(max(_lines(spec.title, column_width(spec))
                                          for spec in columns)) if columns else None)
        sheet.freeze_panes(top + 1, 0)
        print_setup(sheet, header_row=top, gridlines=True)

        writers = [
            (spec.key, index, _cell_writer(sheet, spec, formats))
            for index, spec in enumerate(columns)
        ]
        wrapped = [
            (spec.key, spec.kind, column_width(spec) - 1) for spec in columns if spec.wrap
        ]
        # Heights of grown rows, forgotten once written (constant memory).
        grown = getattr(sheet, "row_info", None)
        last_grown = -1
        measured: dict[tuple[str, float], int] = {}  # work units, categories: few distinct
        number = top + 1
        for record in rows:
            get = record.get
            lines = 1
            for key, kind, room in wrapped:
                value = get(key)
                if value is None:
                    continue
                if value.__class__ is not str:
                    value = cell_text(value, kind)
                # Fits on one line for sure: no need to measure it.
                if len(value) * 2 > room or "\n" in value:
                    found = measured.get((value, room))
                    if found is None:
                        if len(measured) > 20000:
                            measured.clear()
                        found = measured[value, room] = _lines(value, room)
                    if found > lines:
                        lines = found
            if lines > 1:
                if grown is not None and 0 <= last_grown < number - 1:
                    grown.pop(last_grown, None)
                sheet.set_row(number, row_height(lines), formats.plain)
                last_grown = number
            for key, index, write in writers:
                value = get(key)
                if value is not None:
                    write(number, index, value)
            number += 1
        sheet.autofilter(top, 0, max(top, number - 1), max(len(columns) - 1, 0))
    finally:
        workbook.close()
    return number - top - 1


LINE_HEIGHT = 16.0  # points per line of 11-point text, CJK fonts included
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def _lines(value: str, room: float) -> int:
    """How many lines ``value`` takes wrapped in a column ``room`` characters wide (on
    the safe side: a cut-off line on paper is worse than a spare one)."""
    width = max(int(room), 1)
    return sum(max(1, -(-_print_width(line) // width)) for line in value.split("\n"))


def _print_width(value: str) -> int:
    """Like :func:`display_width`, but quotes and dashes (“” ——), which Chinese fonts
    print full width, count double too."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in value)


def row_height(lines: int) -> float:
    """The height, in points, of a row showing ``lines`` lines of text."""
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 3)


class _Formats:
    def __init__(self, workbook: Any) -> None:
        add = workbook.add_format
        self.header = add(
            {
                "bold": True,
                "bg_color": HEADER_FILL,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        self.required_header = add(
            {
                "bold": True,
                "bg_color": HEADER_FILL,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "font_color": "#C00000",
            }
        )
        self.title = add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        # Data cells sit at the top of their row: a row grown for a long text in one
        # column reads line by line across.
        top = {"valign": "top"}
        self.plain = add(top)
        self.wrap = add({**top, "text_wrap": True})
        self.wrap_quoted = add({**top, "text_wrap": True, "quote_prefix": True})
        self.date = add({**top, "num_format": "yyyy-mm-dd"})
        self.text = add({**top, "num_format": "@"})
        self.text_quoted = add({**top, "num_format": "@", "quote_prefix": True})
        self.quoted = add({**top, "quote_prefix": True})
        self.money = add({**top, "num_format": "#,##0.00"})
        self.integer = add({**top, "num_format": "0"})
        self.note = add({"text_wrap": True, "valign": "top"})
        self.note_required = add({"text_wrap": True, "valign": "top", "font_color": "#C00000",
                                  "bold": True})
        self.legend = add({"text_wrap": True, "valign": "vcenter", "font_color": "#C00000"})


def _cell_writer(sheet: Any, spec: ColumnSpec, formats: _Formats) -> Callable[[int, int, Any], Any]:
    """One function per column, chosen once, so the row loop does no type dispatch."""
    write_string = sheet.write_string
    write_number = sheet.write_number
    write_datetime = sheet.write_datetime
    kind = spec.kind
    # A plain cell carries no format of its own (the row's applies: top-aligned in a grown
    # row); every format written costs time on each of a hundred thousand rows.
    if kind in _TEXT_KINDS:
        plain_format, quoted_format = formats.text, formats.text_quoted
    else:
        plain_format, quoted_format = None, formats.quoted
    if spec.wrap:
        room = column_width(spec) - 1
        wrap, wrap_quoted = formats.wrap, formats.wrap_quoted

        def wrapped(row: int, col: int, value: Any) -> Any:
            if value.__class__ is not str:
                value = cell_text(value, kind)
            if not value:
                return None
            if len(value) * 2 > room or "\n" in value:  # may take more than one line
                return write_string(row, col, value,
                                    wrap_quoted if value[0] in FORMULA_STARTS else wrap)
            if value[0] in FORMULA_STARTS:
                return write_string(row, col, value, quoted_format)
            return write_string(row, col, value, plain_format)

        return wrapped

    def string(row: int, col: int, value: Any) -> Any:
        if value.__class__ is not str:
            value = cell_text(value, kind)
        if not value:
            return None
        if value[0] in FORMULA_STARTS:
            return write_string(row, col, value, quoted_format)
        return write_string(row, col, value, plain_format)

    if spec.is_list:
        return string
    if kind == "date":
        date_format = formats.date

        def date_cell(row: int, col: int, value: Any) -> Any:
            if isinstance(value, date):
                return write_datetime(row, col, value, date_format)
            return string(row, col, value)

        return date_cell
    if kind in ("decimal", "integer"):
        number_format = formats.money if kind == "decimal" else formats.integer

        def number_cell(row: int, col: int, value: Any) -> Any:
            cls = value.__class__
            if cls is Decimal or cls is int or cls is float:
                return write_number(row, col, float(value), number_format)
            return string(row, col, value)

        return number_cell
    return string


# --- the clerk's workbook, handed back with its errors marked ---------------------------------


PAPER_A4 = 9


def print_setup(sheet: Any, *, header_row: int, gridlines: bool = False) -> None:
    """Print an xlsxwriter sheet the way a bureau files it: A4 landscape, every column on
    the page width (as many pages down as it takes), the header row (0-based) repeated on
    each page, the title row above it only on the first, and 第 N 页，共 M 页 at the foot.
    ``gridlines``: print the cell grid (a table without borders of its own)."""
    from medisup.i18n import t

    sheet.set_paper(PAPER_A4)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&C" + t("excel.print.footer"))
    if gridlines:
        sheet.hide_gridlines(0)  # shown on screen and printed


def print_setup_openpyxl(worksheet: Any, *, header_row: int) -> None:
    """The same print settings on an openpyxl sheet (the clerk's own workbook handed back);
    ``header_row`` is 1-based."""
    from openpyxl.worksheet.properties import PageSetupProperties

    from medisup.i18n import t

    worksheet.page_setup.paperSize = PAPER_A4
    worksheet.page_setup.orientation = "landscape"
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    if worksheet.sheet_properties.pageSetUpPr is None:
        worksheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_title_rows = f"{header_row}:{header_row}"
    # The clerk's own footer and first-page settings give way to ours.
    worksheet.HeaderFooter.differentFirst = False
    worksheet.oddFooter.center.text = t("excel.print.footer")


def write_error_workbook(
    source_path: str | Path,
    out_path: str | Path,
    table: Table,
    problems: Sequence[CellProblem],
    *,
    sheet: str | None = None,
    overwrite: bool = True,
) -> Path:
    """The user's own workbook with a 错误说明 column and every bad cell filled and commented.

    Everything else in the workbook is left as it was (openpyxl keeps values, styles,
    merges and other sheets; it drops images and charts).  Marks from an earlier round
    (our comments and fills, the old 错误说明 text) are cleared first, so a clerk can fix
    the returned file and import it again as often as needed.  A CSV source comes back
    as an .xlsx holding the CSV's cells.

    The file is written owner-only (it holds the clerk's personal data) beside ``out``
    and renamed into place; without ``overwrite`` a file that appeared at ``out``
    meanwhile is left as it is (``FileExistsError``).
    """
    from openpyxl import Workbook, load_workbook

    from medisup.i18n import t

    source = Path(source_path)
    out = Path(out_path)
    check_file(source)
    require_defused_openpyxl(source)
    if table.is_csv:
        workbook = Workbook()
        worksheet = workbook.active
        worksheet.title = sheet_title(source.stem)
        _fill_from_csv(worksheet, source)
    else:
        keep_vba = source.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsm"
        try:
            workbook = load_workbook(source, keep_vba=keep_vba, rich_text=True)
        except Exception as exc:  # openpyxl raises many kinds on damaged files
            raise UnsupportedFile(
                "excel.error.corrupt",
                source,
                reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            ) from None
        name = sheet or table.sheet_name or workbook.sheetnames[0]
        if name not in workbook.sheetnames:
            raise SheetProblem(
                "excel.error.sheet_not_found",
                source,
                sheet=name,
                sheets=t("excel.list_separator").join(workbook.sheetnames),
            )
        worksheet = workbook[name]

    header_row = table.header_row
    error_column = _error_column(worksheet, table)
    _mark_header(worksheet, header_row, error_column, table, t("excel.error_column"))

    notes: dict[int, list[str]] = {}
    cells: dict[tuple[int, int], list[str]] = {}
    for problem in problems:
        notes.setdefault(problem.row, []).append(problem.note)
        if problem.column_key in table.positions:
            column = table.positions[problem.column_key] + 1
            cells.setdefault((problem.row, column), []).append(problem.expected)
    _mark_rows(worksheet, error_column, notes, cells, table=table)
    print_setup_openpyxl(worksheet, header_row=header_row)
    if worksheet.print_area:
        # The clerk's print area, widened to take in the 错误说明 column.
        from openpyxl.utils import get_column_letter

        worksheet.print_area = (
            f"A1:{get_column_letter(error_column)}{max(worksheet.max_row, header_row)}")
    _save_atomically(workbook, out, overwrite=overwrite)
    return out


def _fill_from_csv(worksheet: Any, source: Path) -> None:
    grid, _ = load_csv(source)
    for r, values in enumerate(grid, start=1):
        for c, value in enumerate(values, start=1):
            if value == "":
                continue
            cell = worksheet.cell(r, c)
            cell.value = value
            # openpyxl treats "=…" as a formula; these are the clerk's literal cells.
            cell.data_type = "s"
            cell.number_format = "@"
            if value[0] in FORMULA_STARTS:
                cell.quotePrefix = True


def _error_column(worksheet: Any, table: Table) -> int:
    """1-based column for 错误说明: the existing one from an earlier round, or a new one."""
    names = error_column_names()
    for cell in next(worksheet.iter_rows(min_row=table.header_row, max_row=table.header_row), ()):
        if cell.value is not None and normalise_header(cell.value) in names:
            _clear_old_marks(worksheet, table, cell.column)
            return int(cell.column)
    return table.last_column + 2


def _clear_old_marks(worksheet: Any, table: Table, error_column: int) -> None:
    from openpyxl.styles import PatternFill

    for row in worksheet.iter_rows(min_row=table.header_row + 1):
        for cell in row:
            if cell.column == error_column:
                if cell.value is not None:
                    cell.value = None
                continue
            comment = getattr(cell, "comment", None)
            if comment is not None and comment.author == COMMENT_AUTHOR:
                cell.comment = None
                color = cell.fill.fgColor.rgb if cell.fill is not None else None
                if isinstance(color, str) and color.upper().endswith(ERROR_FILL):
                    cell.fill = PatternFill(fill_type=None)


def _mark_header(
    worksheet: Any, header_row: int, error_column: int, table: Table, label: str
) -> None:
    from copy import copy

    from openpyxl.utils import get_column_letter

    header = worksheet.cell(header_row, error_column)
    model = worksheet.cell(header_row, table.last_column + 1)
    if header.value is None and model.has_style:
        header._style = copy(model._style)
    header.value = label
    # The clerk's header font (its face and size), bold and red.
    header.font = _red(model.font if model.has_style else header.font, bold=True)
    letter = get_column_letter(error_column)
    if (worksheet.column_dimensions[letter].width or 0) < 40:
        worksheet.column_dimensions[letter].width = ERROR_COLUMN_WIDTH


ERROR_COLUMN_WIDTH = 48


def _red(font: Any, *, bold: bool = False) -> Any:
    """``font`` (face and size kept) in the error colour."""
    from copy import copy

    out = copy(font)
    out.color = ERROR_FONT
    if bold:
        out.b = True
    return out


def _mark_rows(
    worksheet: Any,
    error_column: int,
    notes: Mapping[int, list[str]],
    cells: Mapping[tuple[int, int], list[str]],
    *,
    table: Table,
) -> None:
    """错误说明 beside every data row, looking like the data (the clerk's borders and font,
    in red), wrapped, each row made tall enough to show its whole note; bad cells filled
    and commented."""
    from copy import copy

    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    fill = PatternFill(fill_type="solid", fgColor=ERROR_FILL, bgColor=ERROR_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    width = worksheet.column_dimensions[get_column_letter(error_column)].width
    # A tenth to spare: notes break at the words of codes and numbers, not anywhere.
    room = (width or ERROR_COLUMN_WIDTH) * 0.9 - 1
    # The cell left of the 错误说明 column sets the look of that column's cells.
    model_column = table.last_column + 1
    rows = [row.number for row in table.rows] or list(notes)
    for row in dict.fromkeys([*rows, *notes]):
        cell = worksheet.cell(row, error_column)
        model = worksheet.cell(row, model_column)
        if model.has_style:
            cell.border = copy(model.border)
        cell.font = _red(model.font if model.has_style else cell.font)
        cell.alignment = wrap
        lines = notes.get(row)
        if not lines:
            continue
        cell.value = "\n".join(dict.fromkeys(lines))
        size = float(cell.font.sz or 11)
        needed = _lines(cell.value, room) * LINE_HEIGHT * size / 11 + 3
        dimension = worksheet.row_dimensions[row]
        if (dimension.height or LINE_HEIGHT) < needed:
            dimension.height = min(MAX_ROW_HEIGHT, needed)
    for (row, column), lines in cells.items():
        cell = worksheet.cell(row, column)
        if isinstance(cell, MergedCell):
            # Only a merged range's first cell can carry a fill and a comment.
            continue
        message = "\n".join(dict.fromkeys(lines))
        cell.fill = fill
        comment = Comment(message, COMMENT_AUTHOR)
        comment.width = 320
        comment.height = 40 + 20 * (message.count("\n") + 1 + len(message) // 24)
        cell.comment = comment


def _save_atomically(workbook: Any, out: Path, *, overwrite: bool = True) -> None:
    """Write beside the target and rename, so a failure never leaves half a workbook.

    openpyxl writes the package straight into the staged file (no temporary files of its
    own outside write-only mode), so nothing lands in the system's temp folder."""
    from medisup.files import staged

    with staged(out, overwrite=overwrite) as part:
        workbook.save(part)


# --- templates ------------------------------------------------------------------------------


def write_template(
    path: str | Path,
    columns: Sequence[ColumnSpec],
    choices: Mapping[str, Sequence[str]],
    *,
    sheet_name: str | None = None,
    rows: int = TEMPLATE_ROWS,
    tmpdir: str | Path | None = None,
) -> Path:
    """An empty import workbook: headers, drop-down lists for coded columns, text-formatted
    ID and phone columns, date validation, and a 说明 sheet explaining every column.

    Drop-downs reference a hidden sheet holding the lists, so lists of any length work.
    """
    import xlsxwriter

    from medisup.i18n import t

    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path), {"tmpdir": str(tmpdir) if tmpdir else None})
    try:
        formats = _Formats(workbook)
        main = workbook.add_worksheet(sheet_title(sheet_name or t("excel.template.sheet")))
        notes = workbook.add_worksheet(sheet_title(t("excel.template.notes_sheet")))
        lists_name = sheet_title(t("excel.template.lists_sheet"))
        lists = workbook.add_worksheet(lists_name)
        lists.hide()
        main.activate()

        notes_widths = (22, 12, 44, 72)
        for index, width in enumerate(notes_widths):
            notes.set_column(index, index, width)
        # The first row says what the red headers mean; the table starts below it.
        legend = t("excel.template.legend")
        notes.merge_range(0, 0, 0, len(notes_widths) - 1, legend, formats.legend)
        notes.set_row(0, row_height(_lines(legend, sum(notes_widths) - 2)))
        for index, label in enumerate(
            (
                t("excel.template.column"),
                t("excel.template.required"),
                t("excel.template.format"),
                t("excel.template.choices"),
            )
        ):
            notes.write_string(1, index, label, formats.header)

        list_column = 0
        for index, spec in enumerate(columns):
            header_format = formats.required_header if spec.marked_required else formats.header
            main.write_string(0, index, spec.title, header_format)
            column_format = {
                "date": formats.date,
                "decimal": formats.money,
                "integer": formats.integer,
            }.get(spec.kind, formats.text if spec.kind in _TEXT_KINDS else None)
            main.set_column(index, index, column_width(spec), column_format)

            values = [str(v) for v in (choices.get(spec.key) or spec.choices) if str(v)]
            if values:
                lists.write_string(0, list_column, spec.title)
                for offset, value in enumerate(values, start=1):
                    lists.write_string(offset, list_column, value)
                letter = column_letter(list_column)
                source = f"='{lists_name}'!${letter}$2:${letter}${len(values) + 1}"
                main.data_validation(
                    1,
                    index,
                    rows,
                    index,
                    {
                        "validate": "list",
                        "source": source,
                        # A list column takes several values (人大代表、政协委员): warn, don't block.
                        "error_type": "warning" if spec.is_list else "stop",
                        "error_title": spec.title,
                        "error_message": t("excel.template.choose_from_list"),
                    },
                )
                list_column += 1
            elif spec.kind == "date":
                main.data_validation(
                    1,
                    index,
                    rows,
                    index,
                    {
                        "validate": "date",
                        "criteria": "between",
                        "minimum": date(MIN_YEAR, 1, 1),
                        "maximum": date(MAX_YEAR, 12, 31),
                        "error_type": "warning",
                        "error_title": spec.title,
                        "error_message": t("excel.template.date_message"),
                    },
                )

            hint = t(f"excel.hint.{spec.kind}")
            if spec.kind == "date" and spec.allow_month:
                hint = t("excel.hint.date_month")
            elif spec.multi and spec.kind not in ("codes", "interests"):
                hint = t("excel.hint.multi", hint=hint)
            if spec.marked_required:
                required, required_format = t("common.yes"), formats.note_required
            elif spec.required_when:
                required, required_format = t(spec.required_when), formats.note
            else:
                required, required_format = "", formats.note
            # Every allowed value, in full; one a line when a value holds a separator.
            joiner = "\n" if any(_SPLITS.search(v) for v in values) else LIST_JOINER
            shown = joiner.join(values)
            line = index + 2
            notes.write_string(line, 0, spec.title, required_format)
            if required:
                notes.write_string(line, 1, required, required_format)
            notes.write_string(line, 2, hint, formats.note)
            if shown:
                notes.write_string(line, 3, shown, formats.note)
            notes.set_row(line, row_height(max(
                _lines(text, width - 1)
                for text, width in zip((spec.title, required, hint, shown), notes_widths,
                                       strict=True))))
        main.set_row(0, row_height(max(_lines(spec.title, column_width(spec))
                                       for spec in columns)) if columns else None)
        main.freeze_panes(1, 0)
        notes.freeze_panes(2, 0)
        print_setup(main, header_row=0)
        print_setup(notes, header_row=1, gridlines=True)
    finally:
        workbook.close()
    return path
