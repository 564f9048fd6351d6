"""Fuzzing of the file readers: 1,000 generated workbooks and CSVs (bit flips, truncation,
huge dimensions, stray far cells, control characters, encodings, wide CSV rows), each read
as an import reads it, the error workbook written when rows are wrong.

Run as ``python bench/bench_fuzz.py [--rows 1000]``.  The cases run in a child process whose
address space is capped (1.5 GB), so an allocation the readers should have refused ends
that process instead of the machine.  Targets: no case ends other than with exit status
0, 1 or 3 (and a one-line message), none over 10 s, peak memory < 800 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMORY_MB = 1500


def main(cases: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "helpers_security.py"), str(cases), folder,
             str(MEMORY_MB)],
            capture_output=True, text=True, cwd=ROOT,
        )
        wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("RESULT "):
        return {"cases": cases, "crashed_on": lines[-1] if lines else "?", "exit": done.returncode,
                "stderr": done.stderr[-400:], "wall": wall}
    result = json.loads(lines[-1][len("RESULT "):])
    result["wall"] = wall
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000, help="number of generated cases")
    count = max(parser.parse_args().rows, 1000)
    figures = main(count)
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    ok = ("crashed_on" not in figures and not figures["failures"]
          and figures["slowest"] < 10 and figures["peak_mb"] < 800)
    print(f"fuzz: {figures.get('cases')} cases, "
          f"{len(figures.get('failures', [])) if 'failures' in figures else 'crash'} failures, "
          f"slowest {figures.get('slowest', 0):.2f} s, peak {figures.get('peak_mb', '?')} MB, "
          f"{figures['wall']:.1f} s wall -> {'target met' if ok else 'TARGET MISSED'}")
    sys.exit(0 if ok else 1)
