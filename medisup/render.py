"""Output renderers: one per ``--format`` (table for people, JSON and CSV for scripts).

Data goes to stdout; messages and progress go to stderr (see :func:`err_console`).
JSON keys and CSV headers are the stable English column keys; tables show the
localised labels.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from medisup.canonical import plain


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass(frozen=True)
class Column:
    """One output column: stable key for scripts, label for people."""

    key: str
    label: str
    justify: str = "left"


@cache
def out_console():
    from rich.console import Console

    # Piped tables get room for Chinese text instead of rich's 80-column default.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140
    return Console(soft_wrap=False, highlight=False, width=width)


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
) -> None:
    """Render a list of records."""
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
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
    for c in columns:
        table.add_column(c.label, justify=c.justify, overflow="fold")
    for r in rows:
        table.add_row(*(_escape(cell_text(r.get(c.key))) for c in columns))
    out_console().print(table)


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
        out.write("[")
        for row in rows:
            doc = dict(zip(keys, row, strict=True))
            out.write((",\n  " if count else "\n  ") + _one_line(doc))
            count += 1
        out.write("\n]\n" if count else "]\n")
        out.flush()
        return count
    writer = _csv_writer(out)
    writer.writerow([c.key for c in columns])
    cell = _csv_cell()
    write = writer.writerow
    for row in rows:
        write([cell(v) for v in row])
        count += 1
    out.flush()
    return count


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
    date_type, general = date, cell_text

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
        if kind is tuple or kind is list:
            return "、".join([cell(v) for v in value])
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
