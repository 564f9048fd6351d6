"""A bureau's round trip: import the sample roster and ledger, export them unmasked, and
import the exports back — nothing changes; a masked export is refused on import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ROSTER = SAMPLES / "呼和浩特市监督员花名册.xlsx"
LEDGER = SAMPLES / "线索登记台账-2026Q1.xlsx"


@pytest.fixture
def loaded(cli):
    """The sample roster and ledger imported into the seeded tree (acting as 150000)."""
    cli("dept", "update", "150102", "--quota", "15")
    cli("dept", "update", "150103", "--quota", "15")
    roster = cli("import", "supervisors", str(ROSTER))
    assert roster.exit_code == 0, roster.stderr
    ledger = cli("import", "leads", str(LEDGER))
    assert ledger.exit_code == 0, ledger.stderr
    return cli


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_unmasked_supervisor_export_imports_back_unchanged(loaded, tmp_path):
    target = tmp_path / "roster-export.xlsx"
    assert loaded("export", "supervisors", str(target), "--reveal").exit_code == 0
    before = _json(loaded("supervisor", "list", "--reveal", "-f", "json"))
    again = loaded("import", "supervisors", str(target), "-f", "json")
    report = _json(again)
    assert report["created"] == 0 and report["updated"] == 0
    assert report["unchanged"] == len(before) == 36
    assert _json(loaded("supervisor", "list", "--reveal", "-f", "json")) == before


def test_unmasked_lead_export_imports_back_unchanged(loaded, tmp_path):
    target = tmp_path / "leads-export.xlsx"
    assert loaded("export", "leads", str(target), "--reveal").exit_code == 0
    before = _json(loaded("lead", "list", "--reveal", "-f", "json"))
    report = _json(loaded("import", "leads", str(target), "-f", "json"))
    assert report["created"] == 0 and report["updated"] == 0 and report["unchanged"] == 10
    assert _json(loaded("lead", "list", "--reveal", "-f", "json")) == before


def test_masked_export_cannot_be_imported_back(loaded, tmp_path):
    target = tmp_path / "masked.xlsx"
    result = loaded("export", "supervisors", str(target))
    assert result.exit_code == 0 and "--reveal" in result.stderr
    back = loaded("import", "supervisors", str(target))
    assert back.exit_code == 1
    assert "150" in back.stderr and "****" in back.stderr
