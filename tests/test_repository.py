"""The repository holds sources only: no environment, cache or build output is tracked."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = re.compile(
    r"(^|/)(\.venv|venv|__pycache__|\.pytest_cache|\.ruff_cache|build|dist|demo-output|"
    r"bench-output|[^/]*\.egg-info)/|\.py[co]$|\.db(-wal|-shm|-journal)?$"
)


def _tracked() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [p for p in out.stdout.decode("utf-8").split("\0") if p]


def test_no_environment_cache_or_build_output_is_tracked():
    offenders = [p for p in _tracked() if FORBIDDEN.search(p)]
    assert offenders == [], f"{len(offenders)} generated files tracked, e.g. {offenders[:5]}"


def test_the_clone_stays_small():
    files = _tracked()
    size = sum((ROOT / p).stat().st_size for p in files if (ROOT / p).is_file())
    assert len(files) < 1000
    assert size < 40 * 1024 * 1024, f"tracked files weigh {size / 1e6:.1f} MB"


def test_dependencies_install_through_the_lock():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = dict(line.split("==", 1) for line in lock.splitlines()
                if line and not line.startswith("#"))
    for name in ("typer", "sqlmodel", "SQLAlchemy", "alembic", "openpyxl", "pytest"):
        assert name in pins, f"{name} is not pinned in requirements.lock"
    assert "-c requirements.lock" in (ROOT / "Makefile").read_text(encoding="utf-8")
