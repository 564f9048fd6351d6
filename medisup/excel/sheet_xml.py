"""A streaming xlsx writer for the large exports: one worksheet written as SpreadsheetML
text, row by row, and packed with :mod:`zipfile`.

Why not xlsxwriter, which the templates still use: for a roster of a hundred thousand
people its per-cell Python path (a checked call, a cell object, attribute escaping, a
formatted write for every cell) was three quarters of an export's time.  Here each row's
XML is joined once, and each distinct value's cell text is built and escaped once and
then reused from a small per-column cache (genders, statuses, dates and categories
repeat; ID numbers do not, and cost one escape each).

What is written is what the exports need and no more: inline strings (no shared-string
table to hold in memory), numbers, dates as serial numbers under a date format, a fixed
style table, column widths and default styles, row heights, a frozen header, one merged
title, an auto filter, and the print set-up (paper, orientation, fit to width, repeated
rows as ``_xlnm.Print_Titles``, margins, footer, grid lines).  Widths and heights are
rounded to whole pixels as xlsxwriter rounds them, so a sheet looks as it did.

Inline strings rather than a shared-string table: the table would hold every distinct
string of the sheet in memory until the end (370,000 of them in 100,000 rows); calamine
reads both equally fast, LibreOffice within a few per cent, openpyxl a third slower.

The rows go first to a temporary file (in ``tmpdir``: an export's private stage) and are
copied into the package when the sheet is closed, so the ``<dimension>`` at the top of the
sheet is known and memory stays flat; the copy costs a small part of the compression.

Over 400 lines: cells, styles, the sheet and the package parts around it are one file
format, each part naming the others' indexes and references; apart they would be
fragments of one layout.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from medisup.excel.columns import column_letter

MAX_TEXT = 32767  # characters (UTF-16 units) in one cell: Excel's limit
MAX_ROW_HEIGHT = 409.0
# Deflate level: 1 and 2 take half the time of zlib's default 6 on a sheet's XML, for a
# file a quarter larger (100,000 rows: 0.6 s and 14.8 MB at 2, 1.6 s and 11.7 MB at 6).
COMPRESSLEVEL = 2
CACHE_LIMIT = 4096  # distinct values remembered per column before the cache starts over
_FLUSH_ROWS = 256  # rows joined into one write
_SHEET_PART = "xl/worksheets/sheet1.xml"

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Excel's own escape for characters XML cannot carry (_x0007_), and for text that merely
# looks like one, whose underscore is escaped (_x005F_x0007_): it reads back unchanged.
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_LOOKS_ESCAPED = re.compile("(_x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


# ---------------------------------------------------------------- cells


def escape_text(value: str) -> str:
    """``value`` as the text of a ``<t>`` element: & < > escaped, control characters (a
    carriage return too, which XML would turn into a line feed) as Excel's ``_xHHHH_``."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    value = _LOOKS_ESCAPED.sub(r"_x005F\1", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda found: f"_x{ord(found.group()):04X}_", value)


def escape_attribute(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def clip_text(value: str) -> str:
    """At most :data:`MAX_TEXT` UTF-16 units, which is all a cell holds (as xlsxwriter did:
    the rest is dropped rather than the workbook refused by Excel)."""
    if len(value) <= MAX_TEXT // 2:
        return value
    units = value.encode("utf-16-le")
    if len(units) <= 2 * MAX_TEXT:
        return value
    return units[:2 * MAX_TEXT].decode("utf-16-le", "ignore")


def text_cell(value: str, style: int) -> str:
    """The XML of a text cell after its reference (``<c r="E3``): inline, so nothing is
    kept for a shared-string table; leading or trailing spaces preserved."""
    if len(value) > MAX_TEXT // 2:
        value = clip_text(value)
    if _NEEDS_ESCAPE.search(value) is not None:
        value = escape_text(value)
    # Judged on the XML text: a trailing tab counts, an escaped control character not.
    if value[:1].isspace() or value[-1:].isspace():
        return f'" s="{style}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    return f'" s="{style}" t="inlineStr"><is><t>{value}</t></is></c>'


def number_cell(value: float, style: int) -> str:
    """The XML of a number cell after its reference."""
    return f'" s="{style}"><v>{value:.16G}</v></c>'


def date_cell(value: date, style: int) -> str:
    """The XML of a date (or date and time) after its reference: Excel's serial number."""
    return f'" s="{style}"><v>{excel_serial(value):.16G}</v></c>'


def blank_cell(style: int) -> str:
    return f'" s="{style}"/>'


_EPOCH = date(1899, 12, 30).toordinal()
_MARCH_1900 = date(1900, 3, 1)


def excel_serial(value: date) -> float:
    """Days since Excel's epoch, counting its phantom 29 February 1900, as Excel does."""
    if isinstance(value, datetime):
        day = value.date()
        fraction = (value.hour * 3600 + value.minute * 60 + value.second
                    + value.microsecond / 1e6) / 86400
    else:
        day, fraction = value, 0
    days = day.toordinal() - _EPOCH
    if day < _MARCH_1900:
        days -= 1
    return days + fraction if fraction else days


def width_xml(width: float) -> str:
    """A column width in characters as Excel stores it: whole pixels of Calibri 11 (7 per
    digit) plus 5 of padding, back in characters (12 → 12.7109375)."""
    pixels = int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5
    return f"{pixels * 256 // 7 / 256:.16g}"


def height_xml(points: float) -> str:
    """A row height in points, rounded to whole pixels (28 → 27.75)."""
    return f"{int(min(points, MAX_ROW_HEIGHT) * 4 / 3 + 0.5) * 0.75:.16g}"


# ---------------------------------------------------------------- styles


@dataclass(frozen=True, slots=True)
class Style:
    """A cell format: what the exports use of Excel's font, fill, border and alignment."""

    bold: bool = False
    size: float = 11
    color: str | None = None  # RRGGBB
    fill: str | None = None  # RRGGBB, solid
    border: bool = False  # thin, all round
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False
    num_format: str | None = None
    quote_prefix: bool = False  # text that stays text when edited (a leading = or +)


_BUILTIN_FORMATS = {"0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "@": 49}


class Styles:
    """The workbook's cell formats, each given its index (``s="…"``) when first added."""

    def __init__(self) -> None:
        self._index: dict[Style, int] = {Style(): 0}

    def add(self, style: Style) -> int:
        return self._index.setdefault(style, len(self._index))

    def xml(self) -> str:
        styles = list(self._index)
        formats: dict[str, int] = {}
        fonts: dict[tuple[bool, float, str | None], int] = {}
        fills: dict[str, int] = {}
        xfs = []
        for style in styles:
            if style.num_format is None:
                fmt = 0
            else:
                fmt = _BUILTIN_FORMATS.get(style.num_format) or formats.setdefault(
                    style.num_format, 164 + len(formats))
            font = fonts.setdefault((style.bold, style.size, style.color), len(fonts))
            fill = 0 if style.fill is None else fills.setdefault(style.fill, 2 + len(fills))
            border = int(style.border)
            attrs = (f'numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="{border}" '
                     'xfId="0"')
            attrs += "".join(
                f' {name}="1"' for name, used in (
                    ("applyNumberFormat", fmt), ("applyFont", font), ("applyFill", fill),
                    ("applyBorder", border), ("quotePrefix", style.quote_prefix),
                    ("applyAlignment", style.horizontal or style.vertical or style.wrap))
                if used)
            align = "".join(f' {name}="{value}"' for name, value in (
                ("horizontal", style.horizontal), ("vertical", style.vertical),
                ("wrapText", "1" if style.wrap else None)) if value)
            xfs.append(f"<xf {attrs}><alignment{align}/></xf>" if align else f"<xf {attrs}/>")
        font_xml = "".join(
            "<font>" + ("<b/>" if bold else "") + f'<sz val="{size:g}"/>'
            + (f'<color rgb="FF{color}"/>' if color else '<color theme="1"/>')
            + '<name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
            for bold, size, color in fonts)
        fill_xml = ('<fill><patternFill patternType="none"/></fill>'
                    '<fill><patternFill patternType="gray125"/></fill>' + "".join(
                        f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
                        '<bgColor indexed="64"/></patternFill></fill>' for rgb in fills))
        thin = "".join(f'<{side} style="thin"><color auto="1"/></{side}>'
                       for side in ("left", "right", "top", "bottom"))
        format_xml = "".join(f'<numFmt numFmtId="{number}" formatCode="{escape_attribute(code)}"/>'
                             for code, number in formats.items())
        return (
            f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
            + (f'<numFmts count="{len(formats)}">{format_xml}</numFmts>' if formats else "")
            + f'<fonts count="{len(fonts)}">{font_xml}</fonts>'
            + f'<fills count="{len(fills) + 2}">{fill_xml}</fills>'
            + '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            + f"<border>{thin}<diagonal/></border></borders>"
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            + f'</cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            + '</cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>')


# ---------------------------------------------------------------- the sheet


@dataclass(frozen=True, slots=True)
class Column:
    """A column's width in characters and the style of its empty cells (``None``: none)."""

    width: float
    style: int | None = None


@dataclass(frozen=True, slots=True)
class PrintSetup:
    """How the sheet prints.  ``title_rows``: the 0-based rows repeated on every page."""

    landscape: bool = False
    paper: int | None = None  # 9 = A4
    fit_width: int | None = None  # pages across; with it, as many pages down as it takes
    title_rows: tuple[int, int] | None = None
    margins: tuple[float, float, float, float] = (0.7, 0.7, 0.75, 0.75)  # l, r, top, bottom
    footer: str | None = None  # Excel's codes: &C centre, &P page, &N pages
    gridlines: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """A column the rows fill: ``render`` makes a value's cell (:func:`text_cell` …) and
    the lines of text it needs, called once per distinct value; ``("", 1)`` for none."""

    key: str
    render: Callable[[Any], tuple[str, int]]


class SheetWriter:
    """One workbook of one worksheet, its rows streamed.  Rows are numbered from 0 as in
    xlsxwriter; write them in order, then :meth:`close` (or leave the ``with`` block)."""

    def __init__(self, path: str | Path, sheet_name: str, columns: Sequence[Column],
                 styles: Styles, *, tmpdir: str | Path | None = None,
                 compresslevel: int = COMPRESSLEVEL) -> None:
        self.path = Path(path)
        self.name = sheet_name
        self.columns = tuple(columns)
        self.styles = styles
        self.compresslevel = compresslevel
        self.next_row = 0
        self.frozen_rows = 0
        self.merged: list[str] = []
        self.filter: str | None = None
        self.printing = PrintSetup()
        self._last_col = max(len(self.columns) - 1, 0)
        self._body: IO[bytes] = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in close()
            prefix="sheet-", suffix=".xml", dir=tmpdir)
        self._closed = False

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self._body.close()

    # --- rows

    def _row_open(self, height: float | None, style: int | None) -> str:
        """A ``<row>`` tag's attributes after its number."""
        attrs = '"'
        if style is not None:
            attrs += f' s="{style}" customFormat="1"'
        if height is not None:
            attrs += f' ht="{height_xml(height)}" customHeight="1"'
        return attrs + ">"

    def write_row(self, cells: Sequence[tuple[int, str]], *, height: float | None = None,
                  style: int | None = None) -> int:
        """One row of ``(column, cell XML)`` pairs (from :func:`text_cell` …); returns its
        0-based number."""
        number = self.next_row
        n = str(number + 1)
        xml = "".join(f'<c r="{column_letter(col)}{n}{cell}' for col, cell in cells)
        self._body.write(f'<row r="{n}{self._row_open(height, style)}{xml}</row>'.encode())
        self.next_row += 1
        return number

    def write_records(self, records: Iterable[Mapping[str, Any]], fields: Sequence[Field], *,
                      height: Callable[[int], float], style: int | None = None) -> int:
        """A row per record, a cell per field (none for a missing or empty value); a row
        whose text needs more than one line is given ``height(lines)`` points and the row
        style ``style``.  Returns how many rows were written."""
        plan = [(field.key, f'<c r="{column_letter(col)}', {}, field.render)
                for col, field in enumerate(fields)]
        opens: dict[int, str] = {1: self._row_open(None, None)}
        write = self._body.write
        chunk: list[str] = []
        add = chunk.append
        first = number = self.next_row + 1
        for record in records:
            get = record.get
            lines = 1
            n = str(number)
            cells = []
            for key, prefix, cache, render in plan:
                value = get(key)
                if value is None:
                    continue
                # Cached by value; a number under its type too: 1, 1.0 and True are equal
                # keys but not the same text.
                cls = value.__class__
                try:
                    cell = cache.get(value if cls is str or cls is date else (cls, value))
                    if cell is None:
                        cell = render(value)
                        if len(cache) >= CACHE_LIMIT:
                            cache.clear()
                        cache[value if cls is str or cls is date else (cls, value)] = cell
                except TypeError:  # unhashable (a list): made each time
                    cell = render(value)
                xml, need = cell
                if xml:
                    cells.append(f"{prefix}{n}{xml}")
                    if need > lines:
                        lines = need
            row_open = opens.get(lines)
            if row_open is None:
                row_open = opens[lines] = self._row_open(height(lines), style)
            add(f'<row r="{n}{row_open}{"".join(cells)}</row>')
            number += 1
            if len(chunk) >= _FLUSH_ROWS:
                write("".join(chunk).encode())
                chunk.clear()
        if chunk:
            write("".join(chunk).encode())
        self.next_row = number - 1
        return number - first

    # --- the sheet's other parts

    def merge(self, row: int, first_col: int, last_col: int) -> None:
        self.merged.append(f"{column_letter(first_col)}{row + 1}:"
                           f"{column_letter(last_col)}{row + 1}")

    def freeze(self, rows: int) -> None:
        """Keep the first ``rows`` rows in view while scrolling."""
        self.frozen_rows = rows

    def autofilter(self, first_row: int, last_row: int) -> None:
        self.filter = f"A{first_row + 1}:{column_letter(self._last_col)}{last_row + 1}"

    def print_setup(self, setup: PrintSetup) -> None:
        self.printing = setup

    # --- the package

    def close(self) -> None:
        """Write the package: the sheet (its head, the streamed rows, its tail) and the
        few small parts around it."""
        if self._closed:
            return
        self._closed = True
        try:
            self._body.flush()
            size = self._body.tell()
            head, tail = self._head().encode(), self._tail().encode()
            with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED,
                                 compresslevel=self.compresslevel) as package:
                for name, text in self._parts():
                    package.writestr(name, text)
                total = len(head) + size + len(tail)
                with package.open(_SHEET_PART, "w",
                                  force_zip64=total > zipfile.ZIP64_LIMIT // 2) as out:
                    out.write(head)
                    self._body.seek(0)
                    shutil.copyfileobj(self._body, out, 1 << 20)
                    out.write(tail)
        finally:
            self._body.close()

    def _head(self) -> str:
        last_row = max(self.next_row, 1)
        fit = ('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
               if self.printing.fit_width is not None else "")
        if self.frozen_rows:
            top = f"A{self.frozen_rows + 1}"
            view = (f'<pane ySplit="{self.frozen_rows}" topLeftCell="{top}" '
                    'activePane="bottomLeft" state="frozen"/>'
                    f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
        else:
            view = ""
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width_xml(column.width)}"'
            + (f' style="{column.style}"' if column.style is not None else "")
            + ' customWidth="1"/>'
            for i, column in enumerate(self.columns, start=1))
        return (
            f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">{fit}'
            f'<dimension ref="A1:{column_letter(self._last_col)}{last_row}"/>'
            f'<sheetViews><sheetView tabSelected="1" workbookViewId="0">{view}</sheetView>'
            '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")

    def _tail(self) -> str:
        p = self.printing
        left, right, top, bottom = p.margins
        setup = "".join(f' {name}="{value}"' for name, value in (
            ("paperSize", p.paper),
            ("fitToWidth", p.fit_width if p.fit_width not in (None, 1) else None),
            ("fitToHeight", 0 if p.fit_width is not None else None),
            ("orientation", "landscape" if p.landscape else None)) if value is not None)
        return (
            "</sheetData>"
            + (f'<autoFilter ref="{self.filter}"/>' if self.filter else "")
            + (f'<mergeCells count="{len(self.merged)}">'
               + "".join(f'<mergeCell ref="{ref}"/>' for ref in self.merged)
               + "</mergeCells>" if self.merged else "")
            + ('<printOptions gridLines="1"/>' if p.gridlines else "")
            + f'<pageMargins left="{left}" right="{right}" top="{top}" bottom="{bottom}" '
            'header="0.3" footer="0.3"/>'
            + (f"<pageSetup{setup}/>" if setup else "")
            + (f"<headerFooter><oddFooter>{escape_text(p.footer)}</oddFooter></headerFooter>"
               if p.footer else "")
            + "</worksheet>")

    def _parts(self) -> list[tuple[str, str]]:
        from xlsxwriter.theme import THEME_XML_2007  # the theme xlsxwriter writes: same fonts

        quoted = "'" + self.name.replace("'", "''") + "'"
        names = []
        if self.filter:
            first, last = self.filter.split(":")
            names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" '
                         f'hidden="1">{escape_text(quoted)}!{_absolute(first)}:'
                         f"{_absolute(last)}</definedName>")
        if self.printing.title_rows is not None:
            first_row, last_row = self.printing.title_rows
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="0">'
                         f"{escape_text(quoted)}!${first_row + 1}:${last_row + 1}"
                         "</definedName>")
        workbook = (
            f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            '<bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name="{escape_attribute(self.name)}" sheetId="1" r:id="rId1"/>'
            "</sheets>"
            + (f"<definedNames>{''.join(names)}</definedNames>" if names else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
        office = "http://schemas.openxmlformats.org/officeDocument/2006"
        part = "application/vnd.openxmlformats-officedocument"
        types = (
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{part}.spreadsheetml.'
            'sheet.main+xml"/>'
            f'<Override PartName="/{_SHEET_PART}" ContentType="{part}.spreadsheetml.'
            'worksheet+xml"/>'
            f'<Override PartName="/xl/theme/theme1.xml" ContentType="{part}.theme+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{part}.spreadsheetml.'
            'styles+xml"/></Types>')
        root_rels = (
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{office}/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>")
        book_rels = (
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{office}/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{office}/relationships/theme" '
            'Target="theme/theme1.xml"/>'
            f'<Relationship Id="rId3" Type="{office}/relationships/styles" '
            'Target="styles.xml"/></Relationships>')
        return [("[Content_Types].xml", types), ("_rels/.rels", root_rels),
                ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", book_rels),
                ("xl/theme/theme1.xml", THEME_XML_2007), ("xl/styles.xml", self.styles.xml())]


def _absolute(ref: str) -> str:
    """A1 → $A$1."""
    letters = ref.rstrip("0123456789")
    return f"${letters}${ref[len(letters):]}"
