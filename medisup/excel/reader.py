"""Reading bureau workbooks and CSV files into a ``Table`` of normalised, numbered rows
(the row model is :mod:`medisup.excel.table`; safety checks and cell normalisation are
``safety.py`` and ``normalise.py``).

Over 600 lines: header detection (finding the header row, matching headers to columns,
telling a shifted column by the shape of its values) and the CSV and workbook front ends
are one module; header detection is the next to stand apart."""

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
from medisup.excel.columns import ColumnSpec, column_letter
from medisup.excel.errors import (
    EncryptedWorkbook,
    HeaderProblem,
    SheetProblem,
    UnmappedColumns,
    UnsupportedFile,
)
from medisup.excel.normalise import (
    Invalid,
    normalise_header,
    normaliser,
    text,
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
    matcher = _Matcher(columns, mapping or {}, needed)
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
    matcher: _Matcher,
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
                    "excel.error.sheet_not_found", path, sheet=sheet, sheets=_listing(names)
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


def _listing(items: Sequence[str]) -> str:
    from medisup.i18n import t

    return t("excel.list_separator").join(items)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _where(path: Path, sheet: str | None) -> str:
    from medisup.i18n import t

    if sheet is None:
        return t("excel.where.file", file=path.name)
    return t("excel.where.sheet", file=path.name, sheet=sheet)


# --- headers --------------------------------------------------------------------------------


def error_column_names() -> frozenset[str]:
    """The 错误说明 header in every language, normalised (the reader ignores that column)."""
    from medisup.i18n import LANGUAGES, catalogue

    return frozenset(
        normalise_header(catalogue(lang).get("excel.error_column", "错误说明"))
        for lang in LANGUAGES
    )


def derived_column_names() -> frozenset[str]:
    """Headers of what an export adds beside the import columns (a lead's deadlines,
    whether it is overdue), in every language, normalised: read as nothing, silently."""
    from medisup.excel.columns import LEAD_DEADLINE_COLUMNS

    return frozenset(
        normalise_header(name) for spec in LEAD_DEADLINE_COLUMNS for name in spec.names())


# An ID number as a masked export writes it: 150102********1234.
_MASKED_ID = re.compile(r"^\s*[0-9]{6}\*{4,}[0-9xX]{4}\s*$")


def _masked(table: Table, key: str) -> list[tuple[int, str]]:
    """(row number, cell) of each masked ID number in column ``key``, when most of its
    filled cells are masked; otherwise none."""
    values = table.column(key)
    empty = values.count(None)
    filled = len(values) - empty  # valid ID numbers: not masked
    if not empty:
        return []
    masked: list[tuple[int, str]] = []
    raw = table.raw_column(key)
    rows = table.rows
    for at in [i for i, value in enumerate(values) if value is None]:
        value = raw[at]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        filled += 1
        if isinstance(value, str) and _MASKED_ID.match(value):
            masked.append((rows[at].number, value.strip()))
    return masked if len(masked) * 2 > filled else []


def refuse_masked_export(table: Table, key: str) -> None:
    """Refuse, in one message, a masked export being imported back: its ID numbers (and
    the birth dates and phones beside them) cannot be read, and a message per row would
    bury the one thing to do — export again with ``--reveal``."""
    from medisup.excel.errors import MaskedExport

    if key not in table.positions:
        return
    masked = _masked(table, key)
    if masked:
        row, example = masked[0]
        raise MaskedExport(table.path, count=len(masked), row=row, example=example)


# The field name in ``--map 'HEADER=-'`` that sets a column aside on purpose.
IGNORE = "-"


class _Matcher:
    """Maps header cells to column keys.

    Every name of every column (canonical header, aliases, catalogue titles) is
    normalised into one table; a name claimed by two columns is a programming error.
    """

    def __init__(self, columns: Sequence[ColumnSpec], mapping: Mapping[str, str] | None = None,
                 needed: Sequence[str] = ()) -> None:
        if not columns:
            raise ValueError("read_table needs at least one column spec")
        self.specs: dict[str, ColumnSpec] = {}
        self.index: dict[str, str] = {}
        for spec in columns:
            if spec.key in self.specs:
                raise ValueError(f"column key {spec.key!r} given twice")
            self.specs[spec.key] = spec
        for spec in columns:
            for name in spec.names():
                owner = self.index.setdefault(normalise_header(name), spec.key)
                if owner != spec.key:
                    raise ValueError(f"header {name!r} names both {owner!r} and {spec.key!r}")
        self.required = [spec.key for spec in columns if spec.required]
        self.needed = [key for key in dict.fromkeys([*self.required, *needed])
                       if key in self.specs]
        # --map: what the user said a header means wins over every alias.
        self.mapped: dict[str, str | None] = {}
        self.mapping = dict(mapping or {})
        for header, key in self.mapping.items():
            if key != IGNORE and key not in self.specs:
                from medisup.errors import UsageError
                from medisup.i18n import t

                raise UsageError(t("excel.error.map_field", option="--map", field=visible(key),
                                   fields=_listing([*self.specs, IGNORE])))
            self.mapped[normalise_header(header)] = None if key == IGNORE else key

    def key_of(self, cell: Any) -> str | None:
        if cell == "" or cell is None:
            return None
        name = normalise_header(cell)
        if name in self.mapped:
            return self.mapped[name]
        return self.index.get(name)

    def set_aside(self, cell: Any) -> bool:
        """A header the user set aside on purpose (``--map 'HEADER=-'``)."""
        name = normalise_header(cell)
        return name in self.mapped and self.mapped[name] is None

    def keys_in(self, row: Sequence[Any]) -> set[str]:
        return {key for key in map(self.key_of, row) if key is not None}


def _find_header(
    path: Path,
    sheet: str | None,
    grid: list[list[Any]],
    matcher: _Matcher,
    forced: int | None,
    scan: int,
) -> int:

    if forced is not None:
        if not 1 <= forced <= len(grid):
            raise HeaderProblem(
                "excel.error.header_row_range",
                path,
                where=_where(path, sheet),
                row=forced,
                rows=len(grid),
            )
        return forced - 1
    needed = min(2, len(matcher.specs))
    required = set(matcher.required)
    scored: list[tuple[tuple[bool, int], int]] = []
    for index in range(min(scan, len(grid))):
        keys = matcher.keys_in(grid[index])
        if len(keys) >= needed:
            scored.append(((required <= keys, len(keys)), index))
    if not scored:
        wanted = [matcher.specs[key].title for key in (matcher.required or list(matcher.specs))]
        raise HeaderProblem(
            "excel.error.no_header",
            path,
            where=_where(path, sheet),
            rows=scan,
            required=_listing(wanted),
        )
    best = max(score for score, _ in scored)
    rows = [index for score, index in scored if score == best]
    if len(rows) > 1:
        raise HeaderProblem(
            "excel.error.ambiguous_header",
            path,
            where=_where(path, sheet),
            first=rows[0] + 1,
            second=rows[1] + 1,
        )
    return rows[0]


def _map_header(
    path: Path, sheet: str | None, cells: Sequence[Any], matcher: _Matcher
) -> tuple[dict[str, int], dict[str, str], dict[int, str], int]:
    """Column key → index and header; the unknown headers by index; the last column.
    Required columns missing are left to the caller (an unknown column may hold one)."""
    from medisup.i18n import t

    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: dict[int, str] = {}
    repeated: dict[str, list[int]] = {}
    skip = error_column_names() | derived_column_names()
    last = -1
    for index, cell in enumerate(cells):
        shown = text(cell)
        if shown is None:
            continue
        last = index
        key = matcher.key_of(cell)
        if key is None:
            if normalise_header(cell) not in skip:
                ignored[index] = shown
        elif key in positions:
            repeated.setdefault(key, [positions[key]]).append(index)
        else:
            positions[key] = index
            headers[key] = shown
    if repeated:
        found = next(iter(repeated.values()))
        listed = _listing(
            [t("excel.header_at", header=text(cells[i]), column=column_letter(i)) for i in found]
        )
        raise HeaderProblem(
            "excel.error.duplicate_columns", path, where=_where(path, sheet), columns=listed
        )
    return positions, headers, ignored, last


def _check_columns(path: Path, sheet: str | None, cells: Sequence[Any], body: list[list[Any]],
                   matcher: _Matcher, positions: dict[str, int], ignored: dict[int, str]) -> None:
    """Refuse a table that lacks a column the import needs when an unknown column looks
    like it (naming the ``--map`` that would read it), then one that lacks a required
    column; and a ``--map`` header the header row does not have."""
    from medisup.errors import UsageError
    from medisup.i18n import t

    present = {normalise_header(cell) for cell in cells if not _blank(cell)}
    for header in matcher.mapping:
        if normalise_header(header) not in present:
            raise UsageError(t("excel.error.map_header", option="--map", header=visible(header),
                               where=_where(path, sheet)))
    guesses: list[str] = []
    taken: set[int] = set()
    for key in matcher.needed:
        if key in positions:
            continue
        spec = matcher.specs[key]
        shape = _shape_of(spec)
        if shape is None:
            continue
        for index, header in ignored.items():
            if index in taken or matcher.set_aside(cells[index]):
                continue
            if _looks_like(shape, body, index):
                taken.add(index)
                guesses.append(t("excel.error.unmapped_guess", header=visible(header),
                                 shape=t(f"excel.shape.{shape}"), title=spec.title,
                                 field=key, ignore=IGNORE))
                break
    if guesses:
        raise UnmappedColumns(t("excel.error.unmapped", where=_where(path, sheet),
                                guesses=t("excel.list_separator").join(guesses)))
    missing = [matcher.specs[key].title for key in matcher.required if key not in positions]
    if missing:
        raise HeaderProblem(
            "excel.error.missing_columns",
            path,
            where=_where(path, sheet),
            columns=_listing(missing),
        )


# What a needed column's cells look like, to recognise it under a header we do not know.
_ID_RE = re.compile(r"\d{17}[\dXx]")
_DIVISION_RE = re.compile(r"[1-9]\d{5}")
_SAMPLE = 200


def _shape_of(spec: ColumnSpec) -> str | None:
    if spec.kind == "id_number" and not spec.multi:
        return "id_number"
    if spec.kind == "date":
        return "date"
    if spec.key == "department":
        return "division"
    return None


def _looks_like(shape: str, body: list[list[Any]], index: int) -> bool:
    """Whether most filled cells of column ``index`` (in the first rows) have ``shape``."""
    filled = [row[index] for row in body[:_SAMPLE * 4]
              if index < len(row) and not _blank(row[index])][:_SAMPLE]
    if not filled:
        return False
    hits = sum(map(_SHAPES[shape], filled))
    return hits * 5 >= len(filled) * 4


def _is_date(value: Any) -> bool:
    from datetime import date

    from medisup.excel.normalise import parse_date

    if isinstance(value, date):
        return True
    if value.__class__ is str:
        return isinstance(parse_date(value.strip(), True), date)
    if value.__class__ is int and 19000101 <= value <= 20991231:
        return isinstance(parse_date(value), date)
    return False


def _is_id(value: Any) -> bool:
    if value.__class__ is float:  # a number Excel rounded: 1.50102E+17
        return 1e16 <= value < 1e18
    return bool(_ID_RE.fullmatch(str(value).strip()))


def _is_division(value: Any) -> bool:
    if value.__class__ is float and value == int(value):
        value = int(value)
    return bool(_DIVISION_RE.fullmatch(str(value).strip()))


_SHAPES = {"date": _is_date, "id_number": _is_id, "division": _is_division}


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


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def _data_end(body: list[list[Any]], left: int, matched: list[int], required: list[int]) -> int:
    """Where the data stops: trailing empty rows and the notes block below them are cut off."""
    end = len(body)
    while end:
        row = body[end - 1]
        if all(_blank(row[i]) for i in matched) or _is_note(row, left, required):
            end -= 1
        else:
            break
    return end


def _is_note(row: Sequence[Any], left: int, required: list[int]) -> bool:
    filled = [i for i, value in enumerate(row) if not _blank(value)]
    if not filled:
        return True
    first = row[filled[0]]
    if first.__class__ is str and _NOTE_RE.match(first):
        return True
    return filled[-1] < left + 2 and all(_blank(row[i]) for i in required)


def _read_grid(
    path: Path,
    sheet: str | None,
    grid: list[list[Any]],
    matcher: _Matcher,
    header_row: int | None,
    limits: Limits,
    allow_empty: bool,
    encoding: str | None = None,
) -> Table:
    header_index = _find_header(path, sheet, grid, matcher, header_row, limits.header_scan)
    header_cells = grid[header_index]
    positions, headers, ignored, last = _map_header(path, sheet, header_cells, matcher)
    body = grid[header_index + 1 :]
    _check_columns(path, sheet, header_cells, body, matcher, positions, ignored)
    # Keys in the order of the sheet's columns, so each row's problems read left to right.
    keys = sorted(positions, key=positions.__getitem__)
    positions = {key: positions[key] for key in keys}
    left = min((i for i, cell in enumerate(header_cells) if not _blank(cell)), default=0)
    required_at = [positions[key] for key in matcher.required]
    del body[_data_end(body, left, list(positions.values()), required_at) :]
    rows, store, flagged = _normalise_rows(body, header_index + 2, keys, positions, headers,
                                           matcher)
    del body
    if flagged:
        rows = _without_repeated_headers(rows, header_cells, positions, store)
    if not rows and not allow_empty:
        raise SheetProblem("excel.error.no_rows", path, where=_where(path, sheet))
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
    matcher: _Matcher,
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
        filled = [(key, value) for key, value in row.raw.items() if not _blank(value)]
        return len(filled) >= min(2, len(wanted)) and all(
            normalise_header(value) == wanted[key] for key, value in filled
        )

    kept = [row for row in rows if row.ok or not repeats_header(row)]
    if len(kept) != len(rows):
        store.keep(rows, kept)
    return kept
