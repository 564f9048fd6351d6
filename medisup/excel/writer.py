"""Writing workbooks: exports (streamed, :mod:`medisup.excel.sheet_xml`) and import
templates (xlsxwriter).

Over 400 lines: the export writer and the templates share the column widths and formats,
the row heights and the print set-up. The clerk's workbook handed back with its errors (openpyxl)
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

from medisup.excel.columns import ColumnSpec, column_letter
from medisup.excel.normalise import LIST_SEPARATORS, MAX_YEAR, MIN_YEAR

# A cell starting with one of these would be read as a formula if re-entered or pasted.
FORMULA_STARTS = frozenset("=+-@\t\r")
HEADER_FILL = "#DDEBF7"
REQUIRED_COLOR = "#C00000"  # template headers import needs, and their notes
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

    Streams (:mod:`medisup.excel.sheet_xml`): dates are date cells, ID numbers and phones
    text cells, amounts numbers with two decimals, lists joined with 、.  A string that
    would start a formula is stored with Excel's quote prefix: it stays text in Excel,
    even when edited, and reads back unchanged.  Long-text columns (``spec.wrap``) wrap,
    and a row whose text needs more lines is made that tall, so a printed page shows it
    all; the sheet prints as :func:`export_print_setup` says, with grid lines.

    ``tmpdir``: where the rows wait until the workbook is packed.  They hold the same
    data as the workbook, so an export puts them in its own private stage beside the
    target, never in the system's temp folder, where a killed process would leave them.
    """
    from medisup.excel import sheet_xml

    styles = sheet_xml.Styles()
    formats = _ExportStyles(styles)
    layout = [sheet_xml.Column(column_width(spec),
                               formats.text if spec.kind in _TEXT_KINDS else None)
              for spec in columns]
    with sheet_xml.SheetWriter(path, sheet_title(sheet_name), layout, styles,
                               tmpdir=tmpdir) as sheet:
        top = 0
        if title:
            blank = sheet_xml.blank_cell(formats.title)
            sheet.write_row([(0, sheet_xml.text_cell(title, formats.title)),
                             *((index, blank) for index in range(1, len(columns)))],
                            height=28)
            if len(columns) > 1:
                sheet.merge(0, 0, len(columns) - 1)
            top = 1
        sheet.write_row(
            [(index, sheet_xml.text_cell(spec.title, formats.header))
             for index, spec in enumerate(columns)],
            height=row_height(max(text_lines(spec.title, column_width(spec))
                                  for spec in columns)) if columns else None)
        sheet.freeze(top + 1)
        sheet.print_setup(export_print_setup(header_row=top, gridlines=True))
        fields = [sheet_xml.Field(spec.key, _renderer(spec, formats)) for spec in columns]
        count = sheet.write_records(rows, fields, height=row_height, style=formats.plain)
        sheet.autofilter(top, top + count)
    return count


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


class _ExportStyles:
    """The cell formats of an export (indexes into :class:`sheet_xml.Styles`)."""

    def __init__(self, styles: Any) -> None:
        from medisup.excel.sheet_xml import Style

        add = styles.add
        fill = HEADER_FILL.lstrip("#")
        self.title = add(Style(bold=True, size=14, horizontal="center", vertical="center"))
        self.header = add(Style(bold=True, fill=fill, border=True, horizontal="center",
                                vertical="center", wrap=True))
        # Data cells sit at the top of their row: a row grown for a long text in one
        # column reads line by line across.
        self.plain = add(Style(vertical="top"))
        self.date = add(Style(vertical="top", num_format="yyyy-mm-dd"))
        self.text = add(Style(vertical="top", num_format="@"))
        self.wrap = add(Style(vertical="top", wrap=True))
        self.wrap_quoted = add(Style(vertical="top", wrap=True, quote_prefix=True))
        self.text_quoted = add(Style(vertical="top", num_format="@", quote_prefix=True))
        self.quoted = add(Style(vertical="top", quote_prefix=True))
        self.money = add(Style(vertical="top", num_format="#,##0.00"))
        self.integer = add(Style(vertical="top", num_format="0"))


_NO_CELL = ("", 1)


def _renderer(spec: ColumnSpec, formats: _ExportStyles) -> Callable[[Any], tuple[str, int]]:
    """A column's value → its cell's XML and the lines its text takes; chosen once per
    column, and called once per distinct value (:class:`sheet_xml.SheetWriter` keeps
    the rest)."""
    from medisup.excel.sheet_xml import date_cell, number_cell, text_cell

    kind = spec.kind
    if kind in _TEXT_KINDS:
        plain, quoted = formats.text, formats.text_quoted
    else:
        plain, quoted = formats.plain, formats.quoted
    room = column_width(spec) - 1 if spec.wrap else None
    wrap, wrap_quoted = formats.wrap, formats.wrap_quoted

    def text(value: Any) -> tuple[str, int]:
        if value.__class__ is not str:
            value = cell_text(value, kind)
        if not value:
            return _NO_CELL
        formula = value[0] in FORMULA_STARTS
        # Fits on one line for sure (every character at most two wide): not measured.
        if room is not None and (len(value) * 2 > room or "\n" in value):
            return (text_cell(value, wrap_quoted if formula else wrap),
                    text_lines(value, room))
        return text_cell(value, quoted if formula else plain), 1

    if spec.is_list:
        return text
    if kind == "date":
        date_style = formats.date

        def day(value: Any) -> tuple[str, int]:
            if isinstance(value, date):
                return date_cell(value, date_style), 1
            return text(value)

        return day
    if kind in ("decimal", "integer"):
        number_style = formats.money if kind == "decimal" else formats.integer

        def number(value: Any) -> tuple[str, int]:
            cls = value.__class__
            if cls is Decimal or cls is int or cls is float:
                return number_cell(float(value), number_style), 1
            return text(value)

        return number
    return text


class _Formats:
    """The cell formats of a template (xlsxwriter)."""

    def __init__(self, workbook: Any) -> None:
        add = workbook.add_format
        header = {"bold": True, "bg_color": HEADER_FILL, "border": 1, "align": "center",
                  "valign": "vcenter", "text_wrap": True}
        self.header = add(header)
        self.required_header = add({**header, "font_color": REQUIRED_COLOR})
        top = {"valign": "top"}
        self.date = add({**top, "num_format": "yyyy-mm-dd"})
        self.text = add({**top, "num_format": "@"})
        self.money = add({**top, "num_format": "#,##0.00"})
        self.integer = add({**top, "num_format": "0"})
        self.note = add({"text_wrap": True, "valign": "top"})
        self.note_required = add({"text_wrap": True, "valign": "top",
                                  "font_color": REQUIRED_COLOR, "bold": True})
        self.legend = add({"text_wrap": True, "valign": "vcenter", "font_color": REQUIRED_COLOR})


# --- print set-up and templates ---------------------------------------------------------------


PAPER_A4 = 9
PRINT_MARGINS = (0.4, 0.4, 0.5, 0.6)  # inches: left, right, top, bottom


def print_setup(sheet: Any, *, header_row: int, gridlines: bool = False) -> None:
    """Print an xlsxwriter sheet the way a bureau files it: A4 landscape, every column on
    the page width (as many pages down as it takes), the header row (0-based) repeated on
    each page, the title row above it only on the first, and 第 N 页，共 M 页 at the foot.
    ``gridlines``: print the cell grid (a table without borders of its own).
    :func:`export_print_setup` says the same for a streamed export."""
    from medisup.i18n import t

    left, right, top, bottom = PRINT_MARGINS
    sheet.set_paper(PAPER_A4)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_margins(left=left, right=right, top=top, bottom=bottom)
    sheet.set_footer("&C" + t("excel.print.footer"))
    if gridlines:
        sheet.hide_gridlines(0)  # shown on screen and printed


def export_print_setup(*, header_row: int, gridlines: bool = False) -> Any:
    """:func:`print_setup` for a :class:`sheet_xml.SheetWriter`."""
    from medisup.excel.sheet_xml import PrintSetup
    from medisup.i18n import t

    return PrintSetup(landscape=True, paper=PAPER_A4, fit_width=1,
                      title_rows=(header_row, header_row), margins=PRINT_MARGINS,
                      footer="&C" + t("excel.print.footer"), gridlines=gridlines)


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
