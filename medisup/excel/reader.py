"""Reading bureau workbooks and CSV files into a ``Table`` of normalised, numbered rows.

The row model is :mod:`medisup.excel.table`, header detection :mod:`medisup.excel.headers`,
safety checks and cell normalisation ``safety.py`` and ``normalise.py``. Over 400 lines:
the workbook and CSV front ends and the row pass (where the data ends, notes below it,
repeated headers, each cell cleaned by its column) are one reading of a sheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any

from medisup.collector import collector_paused
from medisup.excel.columns import ColumnSpec
from medisup.excel.errors import (
    EncryptedWorkbook,
    HeaderProblem,
    SheetProblem,
    UnsupportedFile,
)
from medisup.excel.headers import (
    Matcher,
    blank,
    check_columns,
    find_header,
    listing,
    map_header,
    where,
)
from medisup.excel.normalise import (
    Invalid,
    normalise_header,
    normaliser,
)
from medisup.excel.safety import (
    DEFAULT_LIMITS,
    WORKBOOK_SUFFIXES,
    Limits,
    check_file,
    check_grid_extent,
    read_csv_text,
)
from medisup.excel.table import (
    CellProblem,
    ColumnStore,
    Row,
    Table,
    visible,
)


def read_table(
    path: str | Path,
    columns: Sequence[ColumnSpec],
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    allow_empty: bool = False,
    mapping: Mapping[str, str] | None = None,
    needed: Sequence[str] = (),
) -> Table:
    """Read the table of ``columns`` from a .xlsx/.xlsm workbook or a .csv file.

    ``sheet`` picks a sheet by name (default: the first visible sheet with a header);
    ``header_row`` (1-based, as Excel numbers rows) skips header detection.  Rows keep
    the numbers the user sees.  Raises a ``WorkbookError`` for an unusable file;
    problems in cells are returned on the rows, never raised.

    ``mapping`` (``--map``): a workbook header → a column key, or ``-`` to ignore that
    column on purpose.  Columns the reader does not know are listed on the table
    (``ignored_headers``); when one of them looks like a ``needed`` column the file
    lacks (dates where a date column is needed, 6-digit codes for a department, ID
    numbers), ``UnmappedColumns`` is raised naming the ``--map`` that would read it.
    """
    path = Path(path)
    matcher = Matcher(columns, mapping or {}, needed)
    kind = check_file(path, limits)
    with collector_paused():
        if kind == "csv":
            grid, encoding = load_csv(path, limits)
            if not _has_values(grid):
                raise SheetProblem("excel.error.empty_file", path)
            return _read_grid(path, None, grid, matcher, header_row, limits, allow_empty, encoding)
        return _read_workbook(path, matcher, sheet, header_row, limits, allow_empty)


# --- workbook and CSV access ----------------------------------------------------------------


def _read_workbook(
    path: Path,
    matcher: Matcher,
    sheet: str | None,
    header_row: int | None,
    limits: Limits,
    allow_empty: bool,
) -> Table:
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    with _open_workbook(path) as workbook:
        names = list(workbook.sheet_names)
        if sheet is not None:
            name = _find_sheet(names, sheet)
            if name is None:
                raise SheetProblem(
                    "excel.error.sheet_not_found", path, sheet=sheet, sheets=listing(names)
                )
            grid = _sheet_grid(path, workbook, name)
            if not _has_values(grid):
                raise SheetProblem("excel.error.empty_sheet", path, sheet=name)
            return _read_grid(path, name, grid, matcher, header_row, limits, allow_empty)

        visible = [
            meta.name
            for meta in workbook.sheets_metadata
            if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
        ] or names
        first_failure: HeaderProblem | None = None
        for name in visible:
            grid = _sheet_grid(path, workbook, name)
            if not _has_values(grid):
                continue
            try:
                return _read_grid(path, name, grid, matcher, header_row, limits, allow_empty)
            except HeaderProblem as exc:
                # Another sheet may hold the table (a cover sheet or 说明 often comes first).
                if exc.key != "excel.error.no_header" or header_row is not None:
                    raise
                first_failure = first_failure or exc
        if first_failure is not None:
            raise first_failure
        raise SheetProblem("excel.error.empty_workbook", path)


def _open_workbook(path: Path) -> Any:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            return CalamineWorkbook.from_path(str(path))
        # A workbook saved under another name: calamine picks its parser by suffix.
        with open(path, "rb") as handle:
            return CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    except PasswordError:
        raise EncryptedWorkbook("excel.error.encrypted", path) from None
    except (CalamineError, OSError, ValueError) as exc:
        raise UnsupportedFile("excel.error.corrupt", path, reason=_first_line(exc)) from None
    except BaseException as exc:  # a panic in the parser on a damaged file
        _reraise_unless_panic(exc, path)


def _sheet_grid(path: Path, workbook: Any, name: str) -> list[list[Any]]:
    from python_calamine import CalamineError

    try:
        # skip_empty_area=False keeps row and column indexes equal to Excel's (minus one),
        # whatever empty rows and columns lie above and left of the data.
        return workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise UnsupportedFile("excel.error.corrupt", path, reason=_first_line(exc)) from None
    except BaseException as exc:  # a panic in the parser on a damaged file
        _reraise_unless_panic(exc, path)


def _reraise_unless_panic(exc: BaseException, path: Path):
    """Rust panics reach Python as ``PanicException`` (a ``BaseException``): a damaged file."""
    if type(exc).__name__ == "PanicException" or isinstance(exc, (RuntimeError, TypeError,
                                                                      UnicodeError)):
        raise UnsupportedFile("excel.error.corrupt", path, reason=_first_line(exc)) from None
    raise exc


def _find_sheet(names: list[str], wanted: str) -> str | None:
    if wanted in names:
        return wanted
    folded = normalise_header(wanted)
    matches = [name for name in names if normalise_header(name) == folded]
    return matches[0] if len(matches) == 1 else None


def load_csv(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[list[list[Any]], str]:
    """A CSV file's cells as a rectangular grid of strings, and the encoding found."""
    content, encoding = read_csv_text(path)
    # Excel writes commas; its "Unicode text" and some systems write tabs.  Title lines
    # above the header have neither, so judge by the first lines together.
    sample = content[:65536]
    delimiter = max(",\t;", key=sample.count)
    if sample.count(delimiter) == 0:
        delimiter = ","
    # Control characters shown escaped (\x07), as the error workbook can hold them and a
    # terminal must not receive them raw; such a value never passes a field's check anyway.
    content = visible(content)
    try:
        grid = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnsupportedFile("excel.error.corrupt", path, reason=_first_line(exc)) from None
    width = max(map(len, grid), default=0)
    check_grid_extent(path, len(grid), width, limits)
    unwrap = '="' in content
    for row in grid:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        if unwrap:
            # ="0123" is how other programs keep leading zeros when they write CSV for Excel.
            for i, cell in enumerate(row):
                if cell[:2] == '="' and cell[-1:] == '"':
                    row[i] = cell[2:-1]
    return grid, encoding


def _has_values(grid: list[list[Any]]) -> bool:
    return any(cell != "" and cell is not None for row in grid for cell in row)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# --- rows -----------------------------------------------------------------------------------

# A line under the table that is not data: 注：…, 填表说明：…, 制表人：…, 合计, 1、…
_NOTE_RE = re.compile(
    r"\s*(?:"
    r"(?:注|注意|备注|说明|填表说明|填报说明|填写说明|附注|填表人|填报人|制表人|制表|审核人|审核|"
    r"负责人|联系人|联系电话|填报单位|填表单位|单位|填表日期|填报日期|制表日期|日期|签字|签名|盖章)"
    r"\s*\d*\s*[:：]"
    r"|(?:合计|总计|小计)\s*[:：]?"
    r"|[(（]?\d{1,2}[)）]?\s*[、.．]\s*\S"
    r")"
)


def _data_end(body: list[list[Any]], left: int, matched: list[int], required: list[int]) -> int:
    """Where the data stops: trailing empty rows and the notes block below them are cut off."""
    end = len(body)
    while end:
        row = body[end - 1]
        if all(blank(row[i]) for i in matched) or _is_note(row, left, required):
            end -= 1
        else:
            break
    return end


def _is_note(row: Sequence[Any], left: int, required: list[int]) -> bool:
    filled = [i for i, value in enumerate(row) if not blank(value)]
    if not filled:
        return True
    first = row[filled[0]]
    if first.__class__ is str and _NOTE_RE.match(first):
        return True
    return filled[-1] < left + 2 and all(blank(row[i]) for i in required)


def _read_grid(
    path: Path,
    sheet: str | None,
    grid: list[list[Any]],
    matcher: Matcher,
    header_row: int | None,
    limits: Limits,
    allow_empty: bool,
    encoding: str | None = None,
) -> Table:
    header_index = find_header(path, sheet, grid, matcher, header_row, limits.header_scan)
    header_cells = grid[header_index]
    positions, headers, ignored, last = map_header(path, sheet, header_cells, matcher)
    body = grid[header_index + 1 :]
    check_columns(path, sheet, header_cells, body, matcher, positions, ignored)
    # Keys in the order of the sheet's columns, so each row's problems read left to right.
    keys = sorted(positions, key=positions.__getitem__)
    positions = {key: positions[key] for key in keys}
    left = min((i for i, cell in enumerate(header_cells) if not blank(cell)), default=0)
    required_at = [positions[key] for key in matcher.required]
    del body[_data_end(body, left, list(positions.values()), required_at) :]
    rows, store, flagged = _normalise_rows(body, header_index + 2, keys, positions, headers,
                                           matcher)
    del body
    if flagged:
        rows = _without_repeated_headers(rows, header_cells, positions, store)
    if not rows and not allow_empty:
        raise SheetProblem("excel.error.no_rows", path, where=where(path, sheet))
    return Table(
        path=path,
        sheet_name=sheet,
        header_row=header_index + 1,
        headers=headers,
        positions=positions,
        columns={key: matcher.specs[key] for key in keys},
        ignored_headers=list(ignored.values()),
        rows=rows,
        last_column=last,
        encoding=encoding,
        store=store,
    )


def _normalise_rows(
    body: list[list[Any]],
    first_number: int,
    keys: list[str],
    positions: dict[str, int],
    headers: dict[str, str],
    matcher: Matcher,
) -> tuple[list[Row], ColumnStore, bool]:
    """Normalise column by column: a repetitive column's distinct values are cleaned once,
    and the loops over 100,000 cells run in C (``map``, ``zip``, ``set``) — this is what
    keeps an import close to calamine's own read time.

    The rows (without the empty ones), their cells by column (clean, and as read, where
    a repetitive column's equal cells become one object: a sheet of 100,000 rows holds
    a few distinct genders, not 100,000 copies), and whether any cell was refused."""
    from medisup.i18n import t

    if not body or not keys:  # no column of the table: no rows either
        return [], ColumnStore({key: [] for key in keys}, {key: [] for key in keys}), False
    wanted = [positions[key] for key in keys]
    if len(keys) * 2 >= len(body[0]):
        # Transposing the whole sheet in one C pass beats picking the columns first.
        every = list(zip(*body, strict=True))
        columns: list[Sequence[Any]] = [every[i] for i in wanted]
        del every
    else:
        columns = [tuple(map(itemgetter(i), body)) for i in wanted]
    cleaned: list[list[Any]] = []
    bad: dict[int, list[tuple[str, Any]]] = {}  # body index → [(key, Invalid | None)]
    for n, (key, column) in enumerate(zip(keys, columns, strict=True)):
        spec = matcher.specs[key]
        clean = normaliser(spec)
        sample = column[:1000]
        lookup = None
        # Measured: cleaning each distinct value once pays off below ~96% distinct.
        if len(set(sample)) * 25 < len(sample) * 24:
            distinct = set(column)
            kinds = set(map(type, distinct))
            # 1 == 1.0 == True share a set slot; a column holding booleans goes the slow way.
            if bool not in kinds:
                lookup = {value: clean(value) for value in distinct}
                if int not in kinds:  # equal cells are the same cell: keep one of them
                    same = {value: value for value in distinct}
                    columns[n] = list(map(same.__getitem__, column))
        if lookup is not None:
            out = list(map(lookup.__getitem__, column))
            refused = {value for value, result in lookup.items() if result.__class__ is Invalid}
            if refused:
                for i, value in enumerate(column):
                    if value in refused:
                        bad.setdefault(i, []).append((key, lookup[value]))
        else:
            out = list(map(clean, column))
            if Invalid in set(map(type, out)):
                for i, result in enumerate(out):
                    if result.__class__ is Invalid:
                        bad.setdefault(i, []).append((key, result))
        if spec.required and None in out:
            for i, result in enumerate(out):
                if result is None:
                    bad.setdefault(i, []).append((key, None))
        cleaned.append(out)

    # Rows with nothing in any column are no rows.
    required = [n for n, key in enumerate(keys) if matcher.specs[key].required]
    order = required + [n for n in range(len(keys)) if n not in required]
    empty = [i for i, value in enumerate(cleaned[order[0]]) if value is None]
    for n in order[1:]:
        if not empty:
            break
        column = cleaned[n]
        empty = [i for i in empty if column[i] is None]
    for i in empty:
        bad.pop(i, None)
    count = len(body)
    if empty:
        keep = [True] * count
        for i in empty:
            keep[i] = False
        cleaned = [list(compress(column, keep)) for column in cleaned]
        columns = [list(compress(column, keep)) for column in columns]
        at_of = {i: at for at, i in enumerate(compress(range(count), keep))}
        numbers: Sequence[int] = [first_number + i for i in compress(range(count), keep)]
    else:
        at_of = None
        numbers = range(first_number, first_number + count)
    store = ColumnStore(dict(zip(keys, cleaned, strict=True)), dict(zip(keys, columns, strict=True)))

    def stored(number: int, at: int) -> Row:
        return Row(number, None, None, None, (), None, at, store)

    rows = list(map(stored, numbers, range(len(numbers))))
    if bad:
        required_text = t("excel.expected.required")
        place = {key: n for n, key in enumerate(keys)}
        for i, found in bad.items():
            at = at_of[i] if at_of is not None else i
            row = rows[at]
            for key, result in sorted(found, key=lambda item: place[item[0]]):
                n = place[key]
                cleaned[n][at] = None
                expected = required_text if result is None else result.expected
                row.problems.append(
                    CellProblem(row.number, key, headers[key], columns[n][at], expected)
                )
    return rows, store, bool(bad)


def _without_repeated_headers(
    rows: list[Row], header_cells: Sequence[Any], positions: dict[str, int], store: ColumnStore
) -> list[Row]:
    """Drop copies of the header row inside the data (sheets laid out for printing repeat it)."""
    wanted = {key: normalise_header(header_cells[i]) for key, i in positions.items()}

    def repeats_header(row: Row) -> bool:
        filled = [(key, value) for key, value in row.raw.items() if not blank(value)]
        return len(filled) >= min(2, len(wanted)) and all(
            normalise_header(value) == wanted[key] for key, value in filled
        )

    kept = [row for row in rows if row.ok or not repeats_header(row)]
    if len(kept) != len(rows):
        store.keep(rows, kept)
    return kept
