"""Writing workbooks with xlsxwriter: exports and import templates.

Over 400 lines: the export writer and the templates share the column formats, the row
heights and the print set-up. The clerk's workbook handed back with its errors (openpyxl)
is :mod:`medisup.excel.error_book`.
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
from medisup.excel.normalise import LIST_SEPARATORS, MAX_YEAR, MIN_YEAR
from medisup.excel.reader import column_letter

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
        sheet.set_row(top, row_height(max(text_lines(spec.title, column_width(spec))
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
                        found = measured[value, room] = text_lines(value, room)
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


def text_lines(value: str, room: float) -> int:
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
        notes.set_row(0, row_height(text_lines(legend, sum(notes_widths) - 2)))
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
                text_lines(text, width - 1)
                for text, width in zip((spec.title, required, hint, shown), notes_widths,
                                       strict=True))))
        main.set_row(0, row_height(max(text_lines(spec.title, column_width(spec))
                                       for spec in columns)) if columns else None)
        main.freeze_panes(1, 0)
        notes.freeze_panes(2, 0)
        print_setup(main, header_row=0)
        print_setup(notes, header_row=1, gridlines=True)
    finally:
        workbook.close()
    return path
