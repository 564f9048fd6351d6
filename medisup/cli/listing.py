"""What every list command shares: which columns a table shows (``--columns``, ``--wide``),
how rows are ordered (``--sort``) and the count line under the table.

A list declares all its columns and the few it shows by default — chosen to fit a
100-column terminal, name first.  ``--wide`` shows them all; ``--columns a,b,c`` (keys
or their Chinese labels) picks and orders them, for tables and for JSON/CSV alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer

from medisup.errors import UsageError
from medisup.i18n import t
from medisup.paging import Page
from medisup.render import Column

ColumnsOption = Annotated[str | None, typer.Option(
    "--columns", help=t("list.opt.columns"), show_default=False)]
WideOption = Annotated[bool, typer.Option("--wide", help=t("list.opt.wide"))]


def _bad(option: str, value: object, expected: str) -> UsageError:
    """A wrong option value is a usage error (exit 2): option, value, what is expected."""
    return UsageError(t("cli.bad_parameter", option=option,
                        problem=t("list.bad_value", value=value, expected=expected)))


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，、\s]+", text) if part.strip()]


def pick(columns: Sequence[Column], default: Sequence[str] | None, chosen: str | None = None,
         wide: bool = False) -> list[Column]:
    """The columns to show: ``--columns`` (keys or labels, in the order given), else all of
    them with ``--wide`` or when ``default`` is ``None``, else the default keys."""
    by_key = {c.key: c for c in columns}
    if chosen is not None:
        by_label = {c.label: c for c in columns}
        picked: list[Column] = []
        for word in _split(chosen):
            column = by_key.get(word) or by_label.get(word) or by_key.get(word.lower())
            if column is None:
                raise _bad("--columns", word, t(
                    "list.expect_column", keys=t("list.sep").join(
                        f"{c.key}（{c.label}）" if c.label != c.key else c.key
                        for c in columns)))
            if column not in picked:
                picked.append(column)
        if not picked:
            raise _bad("--columns", chosen, t("list.expect_some_column"))
        return picked
    if wide or default is None:
        return list(columns)
    return [by_key[k] for k in default]


def check_sort(value: str | None, allowed: Sequence[str], default: str) -> str:
    """A ``--sort`` value: one of ``allowed`` (a leading ``-`` reverses it)."""
    if value is None:
        return default
    key = value.strip()
    if key.lstrip("-") not in allowed:
        raise _bad("--sort", value, t("list.expect_sort", keys=t("list.sep").join(allowed)))
    return key


def check_limit(option: str, value: int | None, *, allow_zero: bool = True) -> None:
    """Page sizes and page numbers: whole numbers from 1 (0 = the default) to a million."""
    if value is None:
        return
    low = 0 if allow_zero else 1
    if not low <= value <= 1_000_000:
        raise _bad(option, value, t("list.expect_count", low=low))


LimitOption = Annotated[int, typer.Option("--limit", help=t("list.opt.limit"),
                                          show_default=False)]
PageOption = Annotated[int, typer.Option("--page", help=t("list.opt.page"), show_default=False)]
AllOption = Annotated[bool, typer.Option("--all", help=t("list.opt.all"))]
SortOption = Annotated[str | None, typer.Option("--sort", help=t("list.opt.sort"),
                                                show_default=False)]
DEFAULT_PAGE = 50


Window = Page  # a page of a short list, cut in memory


def _sort_key(value: Any) -> tuple:
    # Empty values last, whatever their neighbours' type.
    if value is None or value == "":
        return (1, "")
    if isinstance(value, list | tuple):
        value = "、".join(map(str, value))
    return (0, value)


def window(records: Sequence[Mapping[str, Any]], *, sort: str | None, sortable: Sequence[str],
           limit: int, page: int, all_: bool, table: bool) -> Window:
    """A short list (departments, certificates, activities …) sorted and cut to a page:
    tables show 50 at a time unless ``--all``; JSON/CSV all unless ``--limit``/``--page``."""
    check_limit("--limit", limit)
    check_limit("--page", page)
    rows = list(records)
    if sort is not None:
        key = check_sort(sort, sortable, sort)
        field = key.lstrip("-")
        filled = [r for r in rows if _sort_key(r.get(field))[0] == 0]
        filled.sort(key=lambda r: _sort_key(r.get(field)), reverse=key.startswith("-"))
        rows = filled + [r for r in rows if _sort_key(r.get(field))[0] == 1]  # empty last
    paged = not all_ and (table or bool(limit or page))
    per_page = (limit or DEFAULT_PAGE) if paged else None
    number = page or 1
    shown = rows[(number - 1) * per_page:number * per_page] if per_page else rows
    return Window(shown, len(rows), number, per_page)


def footer(shown: Window, unit: str) -> None:
    """The count line under a table: ``共 38 人，显示 1–20；--page 2 下一页 / --all 全部``."""
    from medisup.render import page_footer

    if not shown.rows:
        return
    text = t("list.footer", total=shown.total, unit=t(f"list.unit.{unit}"),
             first=shown.first, last=shown.last)
    if shown.more:
        text += t("list.next", next=shown.page + 1)
    page_footer(text)
