"""Renderers: every output format renders lists and records; JSON and CSV are stable."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from medisup.render import Column, OutputFormat, render_record, render_rows

COLUMNS = [Column("code", "代码"), Column("day", "日期"), Column("amount", "金额"),
           Column("flag", "标记"), Column("items", "分类")]
ROWS = [{"code": "A1", "day": date(2026, 1, 5), "amount": Decimal("12.50"), "flag": True,
         "items": ["A1", "A2"]}]


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_renders_rows_and_records(fmt, capsys):
    render_rows(COLUMNS, ROWS, fmt, title="标题")
    render_record(COLUMNS, ROWS[0], fmt, sections={"history": (COLUMNS, ROWS)})
    out = capsys.readouterr().out
    assert "A1" in out and "2026-01-05" in out


def test_json_uses_stable_keys_and_iso_values(capsys):
    render_rows(COLUMNS, ROWS, OutputFormat.json)
    doc = json.loads(capsys.readouterr().out)
    assert doc == [{"code": "A1", "day": "2026-01-05", "amount": "12.50", "flag": True,
                    "items": ["A1", "A2"]}]


def test_csv_header_is_keys(capsys):
    render_rows(COLUMNS, ROWS, OutputFormat.csv)
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["code", "day", "amount", "flag", "items"]
    assert rows[1][:3] == ["A1", "2026-01-05", "12.50"]


def test_table_shows_labels(capsys):
    render_rows(COLUMNS, ROWS, OutputFormat.table)
    out = capsys.readouterr().out
    assert "代码" in out and "是" in out and "A1、A2" in out


def test_empty_table_message_goes_to_stderr(capsys):
    render_rows(COLUMNS, [], OutputFormat.table, empty="没有记录")
    captured = capsys.readouterr()
    assert captured.out == "" and "没有记录" in captured.err


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_and_json_do_not_depend_on_the_language(lang, capsys, monkeypatch):
    """CSV and JSON are for scripts: the same keys and values whatever MEDISUP_LANG says."""
    monkeypatch.setenv("MEDISUP_LANG", lang)
    render_rows(COLUMNS, ROWS, OutputFormat.csv)
    render_record(COLUMNS, ROWS[0], OutputFormat.csv)
    out = capsys.readouterr().out
    assert "A1,2026-01-05,12.50,true,A1、A2" in out and "flag,true" in out
    assert "是" not in out and "yes" not in out


def test_excel_csv_starts_with_a_byte_order_mark(cli, seeded):
    plain = cli("dept", "list", "--format", "csv")
    excel = cli("--excel", "dept", "list", "--format", "csv")
    assert plain.exit_code == excel.exit_code == 0
    assert not plain.stdout.startswith("\ufeff")
    assert excel.stdout == "\ufeff" + plain.stdout
