"""The annual review as a workbook: one sheet per section, styled headers, frozen panes,
and a chart of leads by subject on the leads sheet (written atomically)."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medisup.excel.writer import display_width, sheet_title

if TYPE_CHECKING:
    from collections.abc import Sequence

    from medisup.services.reviews.sections import Section


def write_annual(sections: Sequence[Section], out: Path) -> Path:
    """Write the annual review's sections (as ``review annual`` prints them) to ``out``,
    a sheet each (replaced only once the new file is complete)."""
    import xlsxwriter

    from medisup.errors import InvalidValue
    from medisup.i18n import t

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise InvalidValue("--out", str(out), t("review.expect_xlsx"))
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidValue("--out", str(out), t("review.expect_folder"))
    handle, temp = tempfile.mkstemp(suffix=".xlsx", dir=folder)
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(temp, {"strings_to_numbers": False,
                                          "strings_to_formulas": False,
                                          "strings_to_urls": False})
        title_fmt = book.add_format({"bold": True, "font_size": 14})
        header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                  "text_wrap": True, "valign": "vcenter"})
        money = book.add_format({"num_format": "#,##0.00"})
        for section in sections:
            sheet = book.add_worksheet(sheet_title(t(f"review.section.{section.key}")))
            sheet.write_string(0, 0, section.title, title_fmt)
            for index, (_key, label, _kind) in enumerate(section.columns):
                sheet.write_string(1, index, label, header)
                width = max([display_width(label)] + [
                    display_width(str(r.get(_key) if r.get(_key) is not None else ""))
                    for r in section.rows])
                sheet.set_column(index, index, min(60, width + 2))
            sheet.freeze_panes(2, 0)
            for number, row in enumerate(section.rows, start=2):
                for index, (key, _label, _kind) in enumerate(section.columns):
                    _write(sheet, number, index, row.get(key), money)
            if section.key == "leads" and section.rows:
                subject = t("review.dim.subject")
                picked = [i for i, r in enumerate(section.rows) if r["dimension"] == subject]
                if picked:
                    chart = book.add_chart({"type": "column"})
                    first, last = picked[0] + 2, picked[-1] + 2
                    name = sheet.get_name()
                    chart.add_series({"name": subject,
                                      "categories": [name, first, 1, last, 1],
                                      "values": [name, first, 2, last, 2]})
                    chart.set_title({"name": section.title})
                    chart.set_legend({"none": True})
                    sheet.insert_chart(1, len(section.columns) + 1, chart)
        book.close()
        os.replace(temp, out)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return out


def _write(sheet: Any, row: int, col: int, value: Any, money: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), money)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    else:  # strings are written as strings: a leading = + - @ never becomes a formula
        sheet.write_string(row, col, str(value))
