"""Output renderers: one per ``--format`` (table for people, JSON and CSV for scripts).

Data goes to stdout; messages and progress go to stderr (see :func:`err_console`).
JSON keys and CSV headers are the stable English column keys; tables show the
localised labels.

Over 400 lines: the table layout (which columns may wrap, the widths that fit a terminal,
the block fallback) and the streaming JSON/CSV writers draw the same rows; one module keeps
the three renderings of a row side by side.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from medisup.canonical import plain


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


# What a table cell holds decides whether it may wrap: codes, numbers, dates and amounts
# never break across lines (a lead number split as ``150102-2`` / ``026-0002`` is misread);
# names and free text fold.
CODE, DATE, AMOUNT, TEXT = "code", "date", "amount", "text"
_CODE_KEYS = frozenset({"number", "code", "phone", "hash", "anchor", "department", "items",
                        "certificate", "status", "gender", "age", "result", "criterion"})
_DATE_KEYS = frozenset({"due", "accept_by", "handle_by", "claim_by", "as_of", "date", "time",
                        "at", "term_start", "term_end", "expires", "since", "until"})


@dataclass(frozen=True)
class Column:
    """One output column: stable key for scripts, label for people.

    ``kind`` says whether a table may wrap the column's cells (``text``) or must keep
    each on one line (``code``, ``date``, ``amount``); left empty it is told from the key
    (``*_number``, ``*_code``, ``*_on``, ``*_date``, ``amount*`` …)."""

    key: str
    label: str
    justify: str = "left"
    kind: str = ""

    @property
    def fixed(self) -> bool:
        """Whether a cell of this column is never broken across lines."""
        return (self.kind or kind_of(self.key, self.justify)) != TEXT


def kind_of(key: str, justify: str = "left") -> str:
    """The kind of a column from its key (see :class:`Column`)."""
    if justify == "right" or "amount" in key or key.endswith(("_count", "_days")):
        return AMOUNT
    if key in _DATE_KEYS or key.endswith(("_on", "_date", "_at", "_from", "_to")):
        return DATE
    if key in _CODE_KEYS or key.endswith(("_number", "_code", "_phone", "_id", "id")) \
            or key.startswith(("id_", "status")):
        return CODE
    return TEXT


@cache
def out_console():
    from rich.console import Console

    # Piped tables get room for Chinese text instead of rich's 80-column default.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140
    return Console(soft_wrap=False, highlight=False, width=width)


def progress_bar():
    """A bar of rows on stderr (what is being done, the bar, ``N / M 行``, the time so far)
    that disappears when done; ``None`` when stderr is not a terminal (scripts see nothing)."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.fields[count]}"), TimeElapsedColumn(),
                    console=err_console(), transient=True)


@cache
def err_console():
    from rich.console import Console

    # soft_wrap: a message stays one line however narrow the terminal (scripts grep it).
    return Console(stderr=True, highlight=False, soft_wrap=True)


def cell_text(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        from medisup.i18n import t

        return t("common.yes") if value else t("common.no")
    if isinstance(value, list):
        return "、".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={cell_text(v)}" for k, v in value.items())
    return str(value)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def render_rows(
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    empty: str | None = None,
    styles: Sequence[str | None] | None = None,
) -> None:
    """Render a list of records (``styles``: a rich style per row of a table, e.g. red
    for an overdue lead; plain output carries the same meaning as a marker column)."""
    rows = list(rows)
    if fmt is OutputFormat.json:
        _write(json_text([{c.key: r.get(c.key) for c in columns} for r in rows]) + "\n")
        return
    if fmt is OutputFormat.csv:
        writer = _csv_writer()
        writer.writerow([c.key for c in columns])
        cell = _csv_cell()
        for r in rows:
            writer.writerow([cell(r.get(c.key)) for c in columns])
        sys.stdout.flush()
        return
    if not rows and empty:
        err_console().print(empty)
        return
    draw_table(columns, [[cell_text(r.get(c.key)) for c in columns] for r in rows],
               title=title, styles=styles)


# ---------------------------------------------------------------- table layout

# Simple heavy box: one space of padding each side of a cell, a one-space rule between
# columns and one at each edge.
_EDGE, _PER_COLUMN = 1, 3
# A wrapping column keeps at least this many cells (five Chinese characters) when the
# terminal is narrow; below that a table becomes one block per record.
_TEXT_MIN = 10
_BLOCK_RULE = "─"


def _width(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.split("\n")), default=0)


def table_widths(columns: Sequence[Column], texts: Sequence[Sequence[str]],
                 width: int | None) -> list[int] | None:
    """The width of each column of a table drawn in ``width`` cells (``None``: as wide as
    the content needs), or ``None`` when it cannot be drawn without breaking a code,
    date or amount, or squeezing a text column below five characters — then the records
    are drawn as blocks."""
    natural, minimum = [], []
    for i, c in enumerate(columns):
        longest = max((_width(row[i]) for row in texts), default=0)
        header = _width(c.label)
        if c.fixed:
            natural.append(max(longest, header, 1))
            minimum.append(natural[-1])
        else:
            natural.append(max(longest, header, 1))
            minimum.append(min(natural[-1], max(_TEXT_MIN, min(header, 8))))
    overhead = _EDGE * 2 + _PER_COLUMN * len(columns) - 1
    if width is None or sum(natural) + overhead <= width:
        return natural
    room = width - overhead - sum(minimum)
    if room < 0:
        return None
    widths = list(minimum)
    # Share what is left among the wrapping columns, the most cramped first.
    wanting = [i for i, c in enumerate(columns) if natural[i] > widths[i]]
    while room > 0 and wanting:
        share = max(1, room // len(wanting))
        for i in list(wanting):
            extra = min(share, natural[i] - widths[i], room)
            widths[i] += extra
            room -= extra
            if widths[i] >= natural[i]:
                wanting.remove(i)
            if room <= 0:
                break
    return widths


def _target_width() -> int | None:
    """The terminal's width (``COLUMNS`` first); ``None`` (as wide as the table needs)
    when stdout is piped to a file or a program: a file gets one record a line."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return None


def _console(width: int):
    """A console ``width`` cells wide on stdout (colour only on a terminal)."""
    from rich.console import Console

    return Console(soft_wrap=False, highlight=False, width=width)


def draw_table(columns: Sequence[Column], texts: Sequence[Sequence[str]], *,
               title: str | None = None, styles: Sequence[str | None] | None = None,
               width: int | None = -1) -> None:
    """Draw rows of cell texts as a table that fits the terminal, or as one block per
    record when it cannot fit without breaking a code, date or amount."""
    from rich import box
    from rich.table import Table

    width = _target_width() if width == -1 else width
    widths = table_widths(columns, texts, width)
    if widths is None:
        draw_blocks(columns, texts, title=title, styles=styles, width=width)
        return
    table = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
    for c, w in zip(columns, widths, strict=True):
        table.add_column(_escape(c.label), justify=c.justify, width=w, no_wrap=c.fixed,
                         overflow="fold")
    for n, row in enumerate(texts):
        table.add_row(*(_escape(text) for text in row),
                      style=styles[n] if styles else None)
    if width is None:  # piped: one record a line, as wide as the table needs
        width = max(sum(widths) + _EDGE * 2 + _PER_COLUMN * len(columns) - 1,
                    _width(title or ""))
    _console(width).print(table)


def draw_blocks(columns: Sequence[Column], texts: Sequence[Sequence[str]], *,
                title: str | None = None, styles: Sequence[str | None] | None = None,
                width: int | None = None) -> None:
    """One record per block, a field a line (``标签  值``), for a terminal too narrow
    for the table; empty fields are left out."""
    from rich import box
    from rich.table import Table

    console = _console(width or 80)
    if title:
        console.print(_escape(title))
    label_width = max((_width(c.label) for c in columns), default=0)
    for n, row in enumerate(texts):
        style = styles[n] if styles else None
        head = f" {row[0]} " if row else ""
        rule = _BLOCK_RULE * 2 + head + _BLOCK_RULE * max(
            2, min(width or 40, 40) - 2 - _width(head))
        console.print(_escape(rule), style=style or "dim", crop=False)
        grid = Table(box=box.SIMPLE, show_header=False, show_edge=False, pad_edge=False,
                     padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True, width=label_width)
        grid.add_column(overflow="fold")
        for i, (c, text) in enumerate(zip(columns, row, strict=True)):
            if text and i:  # the first field heads the block
                grid.add_row(_escape(c.label), _escape(text), style=style)
        console.print(grid)


def stream_rows(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    fmt: OutputFormat,
) -> int:
    """Write ``rows`` (values in ``columns`` order) as JSON or CSV while they arrive, so
    no list of every row is ever built; returns how many were written.  The text is the
    same as :func:`render_rows` writes for the same rows."""
    if fmt is OutputFormat.table:
        raise ValueError("tables are drawn a page at a time: use render_rows")
    out = sys.stdout
    count = 0
    if fmt is OutputFormat.json:
        keys = [c.key for c in columns]
        parts = ["["]
        for row in rows:
            doc = dict(zip(keys, row, strict=True))
            parts.append((",\n  " if count else "\n  ") + _one_line(doc))
            count += 1
            if len(parts) >= _STREAM_ROWS:
                out.write("".join(parts))
                parts.clear()
        parts.append("\n]\n" if count else "]\n")
        out.write("".join(parts))
        out.flush()
        return count
    if _csv_bom:
        out.write("\ufeff")
    # Rows go through a buffer written out every few thousand: standard output may be
    # unbuffered (PYTHONUNBUFFERED) or line-buffered, a system call per row otherwise.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in columns])
    cell = _csv_cell()
    write = writer.writerow
    # Text, nothing and dates are what most cells hold: the writer takes them as they are
    # (None as an empty cell, a date as its ISO form); the rest go through ``cell``.
    as_is = {str, type(None), date}
    for row in rows:
        write([v if v.__class__ in as_is else cell(v) for v in row])
        count += 1
        if not count % _STREAM_ROWS:
            out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue())
    out.flush()
    return count


_STREAM_ROWS = 2000  # rows a stream holds before writing them out


# ``medisup --excel``: CSV starts with a UTF-8 byte-order mark, which Excel needs to read
# Chinese text as UTF-8 when the file is opened by double-click.
_csv_bom = False


def set_csv_bom(on: bool) -> None:
    global _csv_bom
    _csv_bom = on


def _csv_writer(out=None):
    out = out or sys.stdout
    if _csv_bom:
        out.write("\ufeff")
    return csv.writer(out, lineterminator="\n")


def _csv_cell():
    """The text of a CSV cell: the same whatever the user's language (CSV is for scripts
    and spreadsheets): ``true``/``false``, ISO dates, plain decimals, lists joined with
    ``、``.  The common types are tested first: a stream writes millions of cells."""
    yes, no = "true", "false"
    date_type, decimal_type, general = date, Decimal, cell_text

    def cell(value: Any) -> str:
        kind = value.__class__
        if kind is str:
            return value
        if value is None:
            return ""
        if kind is bool:
            return yes if value else no
        if kind is date_type:
            return value.isoformat()
        if kind is decimal_type:
            return format(value, "f")
        if kind is tuple or kind is list:
            return "、".join([v if v.__class__ is str else cell(v) for v in value])
        if kind is dict:
            return "; ".join(f"{k}={cell(v)}" for k, v in value.items())
        return general(value)

    return cell


def _json_default(value: Any) -> Any:
    converted = plain(value)
    if converted is value:
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")
    return converted


@cache
def _compact() -> Callable[[Any], str]:
    # Without ``indent`` the json module uses its C encoder: ten times the speed on the
    # ten thousand items of a province's review.
    return json.JSONEncoder(ensure_ascii=False, default=_json_default).encode


def _one_line(value: Any) -> str:
    try:
        return _compact()(value)
    except TypeError:  # a key that is not text (a date, say): the slow, thorough way
        return _compact()(plain(value))


def json_text(value: Any, level: int = 0) -> str:
    """The JSON the commands print: objects laid out a key a line, and inside every array
    one element a line (a record, a finding) — readable, greppable, and written at the
    speed of the C encoder however many records there are."""
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, Mapping) and value:
        return "{\n" + ",\n".join(f"{inner}{_one_line(str(k))}: {json_text(v, level + 1)}"
                                   for k, v in value.items()) + f"\n{pad}}}"
    if isinstance(value, list | tuple) and value:
        return "[\n" + ",\n".join(inner + _one_line(v) for v in value) + f"\n{pad}]"
    return _one_line(value)


def page_footer(text: str) -> None:
    """The line under a paged table (how many in all, which are shown, how to see more)."""
    err_console().print(_escape(text), style="dim")


def render_record(
    fields: Sequence[Column],
    record: Mapping[str, Any],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    sections: Mapping[str, tuple[Sequence[Column], Sequence[Mapping[str, Any]]]] | None = None,
    section_titles: Mapping[str, str] | None = None,
) -> None:
    """Render one record (``show``), optionally with nested lists (history, terms …).

    JSON nests each section under its key; CSV prints the record as key,value lines
    followed by one block per section; a table prints a field grid and one table per
    section.
    """
    sections = sections or {}
    if fmt is OutputFormat.json:
        doc = {c.key: record.get(c.key) for c in fields}
        for key, (cols, rows) in sections.items():
            doc[key] = [{c.key: r.get(c.key) for c in cols} for r in rows]
        _write(json_text(doc) + "\n")
        return
    if fmt is OutputFormat.csv:
        writer = _csv_writer()
        cell = _csv_cell()
        writer.writerow(["field", "value"])
        for c in fields:
            writer.writerow([c.key, cell(record.get(c.key))])
        for key, (cols, rows) in sections.items():
            writer.writerow([])
            writer.writerow([key])
            writer.writerow([c.key for c in cols])
            for r in rows:
                writer.writerow([cell(r.get(c.key)) for c in cols])
        sys.stdout.flush()
        return
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=box.SIMPLE, show_header=False, title_justify="left")
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for c in fields:
        grid.add_row(c.label, _escape(cell_text(record.get(c.key))))
    out_console().print(grid)
    for key, (cols, rows) in sections.items():
        if not rows:  # an empty history table is noise for a person reading
            continue
        from medisup.i18n import has, t

        label = (section_titles or {}).get(key) or (
            t(f"section.{key}") if has(f"section.{key}") else key)
        render_rows(cols, rows, fmt, title=label)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def message(text: str, *, style: str | None = None) -> None:
    """A message for the user on stderr."""
    err_console().print(_escape(text), style=style)


def success(text: str) -> None:
    message(text, style="green")


def warning(text: str) -> None:
    message(text, style="yellow")
