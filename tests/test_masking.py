"""Masked output cannot give back a masked ID number: the hidden eight digits are the birth
date, so no masked list, show, CSV, JSON or workbook carries more than the birth year."""

from __future__ import annotations

from datetime import date

from helpers_supervisors import appoint, make_id


def _forms(born: date) -> list[str]:
    return [born.isoformat(), born.strftime("%Y%m%d"), f"{born.year}/{born.month}/{born.day}",
            f"{born.year}年{born.month}月{born.day}日"]


def test_no_masked_output_restores_the_hidden_digits(cli, seeded, tmp_path):
    from openpyxl import load_workbook

    born = date(1963, 9, 8)
    id_number = make_id("150102", born.strftime("%Y%m%d"))
    appoint(seeded, "150102", id_number, "张丽娟", start=date(2026, 1, 1),
            applied_on=date(2025, 12, 1))
    outputs = []
    for fmt in ("table", "csv", "json"):
        outputs.append(cli("supervisor", "list", "--format", fmt, "--all", dept="150102").stdout)
        outputs.append(cli("supervisor", "show", id_number, "--format", fmt, dept="150102").stdout)
    path = tmp_path / "名单.xlsx"
    assert cli("export", "supervisors", str(path), dept="150102").exit_code == 0
    book = load_workbook(path)
    outputs.append("\n".join(str(c.value) for row in book.active.iter_rows() for c in row
                             if c.value is not None))
    text = "\n".join(outputs)
    assert id_number[6:14] not in text
    assert "150102********" in text  # the masked ID is there
    for form in _forms(born):
        assert form not in text, form
    assert "1963" in text  # the year alone leaves 365 candidates for the hidden digits

    revealed = cli("supervisor", "show", id_number, "--format", "json", "--reveal", dept="150102")
    assert born.isoformat() in revealed.stdout
