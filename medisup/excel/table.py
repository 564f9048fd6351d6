"""The rows a workbook or CSV file is read into: a ``Table`` of numbered ``Row`` objects
whose cleaned values and raw cells are kept column by column (equal cells stored once), and
the ``CellProblem`` each cell that cannot be used becomes.

Apart from :mod:`medisup.excel.reader`, which finds the header and fills a table: checkers,
the error workbook and the import pipeline use this model without the reading code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, Any

from medisup.excel.columns import ColumnSpec
from medisup.excel.normalise import display_value, normalise_header
from medisup.i18n import t

if TYPE_CHECKING:
    from pathlib import Path

# The running-number column of a bureau table: known, and nothing to import.
RUNNING_NUMBER = frozenset({"序号", "行号", "no", "no.", "#"})

# Columns whose values are personal data: quoted masked in messages and JSON reports.
PERSONAL_COLUMNS = frozenset({"id_number", "phone", "supervisor_id_number", "participants"})
_IDENTIFYING = re.compile(r"[0-9０-９xX\s\-－+()（）转#]+")


def mask_personal_text(text: str) -> str:
    """``150102197005059996`` → ``150102********9996``; ``13812345678`` → ``138****5678``;
    anything shorter keeps no more than its last two characters."""
    text = text.strip()
    if len(text) >= 15:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) >= 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return "*" * max(len(text) - 2, 1) + text[-2:] if len(text) > 2 else "*" * len(text)


@dataclass(frozen=True, slots=True)
class CellProblem:
    """One problem in one row (and usually one cell): renders as one localised line."""

    row: int
    column_key: str | None
    header: str | None
    value: Any
    expected: str

    @property
    def message(self) -> str:
        """第 12 行，列“身份证号”：值“1.50102E+17”——…"""

        if self.header is None:
            return t("excel.problem.row", row=self.row, expected=self.expected)
        shown = self.shown_value
        if not shown.strip():
            return t(
                "excel.problem.cell_empty", row=self.row, header=self.header, expected=self.expected
            )
        return t(
            "excel.problem.cell",
            row=self.row,
            header=self.header,
            value=shown,
            expected=self.expected,
        )

    @property
    def shown_value(self) -> str:
        """The cell as a message quotes it: an ID number or phone masked, as everywhere else
        outside the clerk's own error workbook (which keeps what they typed)."""
        shown = visible(display_value(self.value))
        # Only what could identify someone: seven digits or more (a number Excel already
        # rounded, such as 1.50102E+17, is shown as the clerk sees it).
        if (self.column_key in PERSONAL_COLUMNS and _IDENTIFYING.fullmatch(shown.strip())
                and sum(c.isdigit() for c in shown) >= 7):
            return mask_personal_text(shown)
        return shown

    @property
    def note(self) -> str:
        """The same problem without the row number, for the row's own 错误说明 cell."""

        if self.header is None:
            return self.expected
        shown = visible(display_value(self.value))
        if not shown.strip():
            return t("excel.problem.note_empty", header=self.header, expected=self.expected)
        return t("excel.problem.note", header=self.header, value=shown, expected=self.expected)

    def __str__(self) -> str:
        return self.message


class Row:
    """One data row: its number as Excel shows it, clean values, and what is wrong with it.

    ``values`` has a key for every column found in the file (``None`` for an empty or
    invalid cell); columns absent from the file are absent from ``values``.  ``raw``
    holds the cells as read.  The reader keeps both column by column on the table (see
    :meth:`Table.column`) and builds a row's dicts only when asked, so a large sheet
    costs no dict per row.
    """

    __slots__ = ("number", "problems", "_values", "_raw", "_cells", "_positions", "_at",
                 "_store")

    def __init__(
        self,
        number: int,
        values: dict[str, Any] | None = None,
        raw: dict[str, Any] | None = None,
        problems: list[CellProblem] | None = None,
        cells: Sequence[Any] = (),
        positions: dict[str, int] | None = None,
        at: int = -1,
        store: ColumnStore | None = None,
    ) -> None:
        self.number = number
        self.problems = [] if problems is None else problems
        self._values = values
        self._raw = raw
        self._cells = cells
        self._positions = positions
        self._at = at
        self._store = store

    @property
    def values(self) -> dict[str, Any]:
        """The clean values by column key."""
        if self._values is None:
            store = self._store
            self._values = store.values_at(self._at) if store is not None else {}
        return self._values

    @values.setter
    def values(self, values: dict[str, Any]) -> None:
        self._values = values

    @property
    def raw(self) -> dict[str, Any]:
        """The cells as read, before normalisation, by column key."""
        if self._raw is None:
            if self._store is not None:
                self._raw = self._store.raw_at(self._at)
            else:
                cells = self._cells
                width = len(cells)
                positions = self._positions or {}
                self._raw = {key: cells[i] if i < width else "" for key, i in positions.items()}
        return self._raw

    @property
    def ok(self) -> bool:
        return not self.problems

    def __repr__(self) -> str:
        return f"Row({self.number}, {self.values!r}, problems={len(self.problems)})"


class ColumnStore:
    """A table's cells column by column, shared by its rows: the clean values and the
    cells as read, each a sequence aligned with ``Table.rows``, by column key."""

    __slots__ = ("clean", "raw")

    def __init__(self, clean: dict[str, list[Any]], raw: dict[str, Sequence[Any]]) -> None:
        self.clean = clean
        self.raw = raw

    def values_at(self, at: int) -> dict[str, Any]:
        return {key: column[at] for key, column in self.clean.items()}

    def raw_at(self, at: int) -> dict[str, Any]:
        return {key: column[at] for key, column in self.raw.items()}

    def keep(self, rows: list[Row], kept: list[Row]) -> None:
        """Only the ``kept`` rows (in order) of ``rows``, which this store holds."""
        ids = set(map(id, kept))
        mask = [id(row) in ids for row in rows]
        self.clean = {key: list(compress(c, mask)) for key, c in self.clean.items()}
        self.raw = {key: list(compress(c, mask)) for key, c in self.raw.items()}
        for at, row in enumerate(kept):
            row._at = at


@dataclass(slots=True, eq=False)
class Table:
    """What ``read_table`` found: where the table is, its columns and its rows."""

    path: Path
    sheet_name: str | None
    header_row: int
    headers: dict[str, str]  # key → header text as written in the file
    positions: dict[str, int]  # key → 0-based column index
    columns: dict[str, ColumnSpec]
    ignored_headers: list[str]
    rows: list[Row]
    last_column: int  # 0-based index of the right-most header cell
    encoding: str | None = None  # set for CSV files
    store: ColumnStore | None = None  # the rows' cells by column, when the reader made them

    @property
    def is_csv(self) -> bool:
        return self.encoding is not None

    @property
    def unknown_headers(self) -> list[str]:
        """The ignored headers a user should hear about: all but the running number
        (序号) nearly every bureau table starts with, which holds nothing to import."""
        return [h for h in self.ignored_headers if normalise_header(h) not in RUNNING_NUMBER]

    @property
    def problems(self) -> list[CellProblem]:
        """Every problem of every row, in row order."""
        return [problem for row in self.rows for problem in row.problems]

    def column(self, key: str) -> list[Any]:
        """The clean values of column ``key``, one per row in order (all ``None`` for a
        column the file lacks).  The reader's own list: read it, do not change it."""
        store = self.store
        if store is not None and key in store.clean:
            return store.clean[key]
        if key not in self.positions:
            return [None] * len(self.rows)
        return [row.values.get(key) for row in self.rows]

    def raw_column(self, key: str) -> Sequence[Any]:
        """The cells of column ``key`` as read, one per row in order (see :meth:`column`)."""
        store = self.store
        if store is not None and key in store.raw:
            return store.raw[key]
        return [row.raw.get(key) for row in self.rows]

    def problem(self, row: Row | int, key: str | None, expected: str) -> CellProblem:
        """A problem a service found in ``row`` (and column ``key``), with header and value filled in."""
        number = row.number if isinstance(row, Row) else row
        if key is None or key not in self.positions:
            return CellProblem(number, key, None, None, expected)
        if not isinstance(row, Row):
            value = None
        elif row._raw is None and row._store is not None and key in row._store.raw:
            value = row._store.raw[key][row._at]  # without building the row's raw dict
        else:
            value = row.raw.get(key)
        return CellProblem(number, key, self.headers[key], value, expected)

    def duplicates(self, key: str) -> list[CellProblem]:
        """Rows repeating an earlier row's value in column ``key``, each naming the earlier row."""

        if key not in self.positions:
            return []
        values = self.column(key)
        filled = len(values) - values.count(None)
        if len(set(values)) - (filled < len(values)) == filled:
            return []  # every value once: the usual case, found without a loop
        header = self.headers[key]
        raw = self.raw_column(key)
        first_seen: dict[Any, int] = {}
        found = []
        for at, (row, value) in enumerate(zip(self.rows, values, strict=True)):
            if value is None:
                continue
            first = first_seen.setdefault(value, row.number)
            if first != row.number:
                expected = t("excel.expected.duplicate", row=first)
                found.append(CellProblem(row.number, key, header, raw[at], expected))
        return found


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _escape_control(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def visible(text: str) -> str:
    """``text`` with control characters shown escaped (for messages and the error workbook)."""
    return _CONTROL.sub(_escape_control, text) if _CONTROL.search(text) else text
