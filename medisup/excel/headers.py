"""Finding a table's header in a bureau workbook: the header row among the first rows, each
header matched to a column by its name or an alias (in any order, running numbers and
columns to ignore set apart), a shifted column told by the shape of its values, and a
masked export refused before it is read as data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from medisup.excel.columns import ColumnSpec, column_letter
from medisup.excel.errors import HeaderProblem, UnmappedColumns
from medisup.excel.normalise import normalise_header, text
from medisup.excel.table import Table, visible
from medisup.i18n import t


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


class Matcher:
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
                                   fields=listing([*self.specs, IGNORE])))
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


def find_header(
    path: Path,
    sheet: str | None,
    grid: list[list[Any]],
    matcher: Matcher,
    forced: int | None,
    scan: int,
) -> int:

    if forced is not None:
        if not 1 <= forced <= len(grid):
            raise HeaderProblem(
                "excel.error.header_row_range",
                path,
                where=where(path, sheet),
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
            where=where(path, sheet),
            rows=scan,
            required=listing(wanted),
        )
    best = max(score for score, _ in scored)
    rows = [index for score, index in scored if score == best]
    if len(rows) > 1:
        raise HeaderProblem(
            "excel.error.ambiguous_header",
            path,
            where=where(path, sheet),
            first=rows[0] + 1,
            second=rows[1] + 1,
        )
    return rows[0]


def map_header(
    path: Path, sheet: str | None, cells: Sequence[Any], matcher: Matcher
) -> tuple[dict[str, int], dict[str, str], dict[int, str], int]:
    """Column key → index and header; the unknown headers by index; the last column.
    Required columns missing are left to the caller (an unknown column may hold one)."""

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
        listed = listing(
            [t("excel.header_at", header=text(cells[i]), column=column_letter(i)) for i in found]
        )
        raise HeaderProblem(
            "excel.error.duplicate_columns", path, where=where(path, sheet), columns=listed
        )
    return positions, headers, ignored, last


def check_columns(path: Path, sheet: str | None, cells: Sequence[Any], body: list[list[Any]],
                   matcher: Matcher, positions: dict[str, int], ignored: dict[int, str]) -> None:
    """Refuse a table that lacks a column the import needs when an unknown column looks
    like it (naming the ``--map`` that would read it), then one that lacks a required
    column; and a ``--map`` header the header row does not have."""
    from medisup.errors import UsageError

    present = {normalise_header(cell) for cell in cells if not blank(cell)}
    for header in matcher.mapping:
        if normalise_header(header) not in present:
            raise UsageError(t("excel.error.map_header", option="--map", header=visible(header),
                               where=where(path, sheet)))
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
        raise UnmappedColumns(t("excel.error.unmapped", where=where(path, sheet),
                                guesses=t("excel.list_separator").join(guesses)))
    missing = [matcher.specs[key].title for key in matcher.required if key not in positions]
    if missing:
        raise HeaderProblem(
            "excel.error.missing_columns",
            path,
            where=where(path, sheet),
            columns=listing(missing),
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
              if index < len(row) and not blank(row[index])][:_SAMPLE]
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


def blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def listing(items: Sequence[str]) -> str:

    return t("excel.list_separator").join(items)


def where(path: Path, sheet: str | None) -> str:

    if sheet is None:
        return t("excel.where.file", file=path.name)
    return t("excel.where.sheet", file=path.name, sheet=sheet)
