"""The clerk's own workbook handed back with its errors: the bad cells filled red with a
comment, a 错误说明 column right after the data in the clerk's borders and font, wrapped,
and the same print set-up as the exports (A4 landscape, fitted to the width).

Written with openpyxl (it keeps the clerk's formatting, which xlsxwriter cannot read);
exports and templates are in :mod:`medisup.excel.writer`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from medisup.excel.errors import SheetProblem, UnsupportedFile
from medisup.excel.headers import error_column_names
from medisup.excel.normalise import normalise_header
from medisup.excel.reader import load_csv
from medisup.excel.safety import check_file, require_defused_openpyxl
from medisup.excel.table import CellProblem, Table
from medisup.excel.writer import (
    COMMENT_AUTHOR,
    ERROR_FILL,
    ERROR_FONT,
    FORMULA_STARTS,
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    PAPER_A4,
    sheet_title,
    text_lines,
)


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
        needed = text_lines(cell.value, room) * LINE_HEIGHT * size / 11 + 3
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
