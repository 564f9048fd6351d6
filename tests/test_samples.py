"""The scripts in samples/ run as the README says: the cron-ready review script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from helpers_supervisors import appoint, make_id

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "samples" / "annual-review.sh"


def _run(env, out: Path, **extra: str) -> subprocess.CompletedProcess:
    medisup = Path(sys.executable).parent / "medisup"
    environ = {**os.environ, "MEDISUP": str(medisup), "MEDISUP_DATABASE_URL": env.url,
               "MEDISUP_DEPT": "450000", "MEDISUP_REVIEW_DIR": str(out), **extra}
    return subprocess.run(["bash", str(SCRIPT)], env=environ, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_annual_review_script_writes_reports_and_applies_once(seeded, tmp_path):
    # A gx-trial supervisor whose term ended unrenewed: dismissed automatically (GX Art. 8).
    appoint(seeded, "450102", make_id("450102", "19800101"), "韦小宝", start=date(2024, 1, 1),
            applied_on=date(2023, 12, 1))
    out = tmp_path / "审查结果"
    first = _run(seeded, out, AS_OF="2026-03-01", REVIEW_YEAR="2025", APPLY="1")
    assert first.returncode == 1, first.stderr  # findings: the dismissal, the missed meeting
    names = sorted(p.name for p in out.iterdir())
    assert names == ["年度审查-2025.json", "年度审查-2025.xlsx", "续聘审查-2026-03-01.json",
                     "解聘审查-2026-03-01.json"]
    applied = json.loads((out / "解聘审查-2026-03-01.json").read_text(encoding="utf-8"))["applied"]
    assert [a["effective_on"] for a in applied] == ["2026-01-01"]

    second = _run(seeded, out, AS_OF="2026-03-01", REVIEW_YEAR="2025", APPLY="1")
    again = json.loads((out / "解聘审查-2026-03-01.json").read_text(encoding="utf-8"))
    assert again["applied"] == []  # idempotent: nothing left to do
    assert second.returncode in (0, 1)
