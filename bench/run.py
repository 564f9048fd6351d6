"""`make bench`: the speed and memory targets, each measured side by side in one run.

- bench_startup.py `medisup --help` ≤ 2 × `python -c "import typer"`; `dept list` on a
                   small database ≤ 1.2 × `python -c "import sqlmodel"` (CPU, whole processes)
- bench_import.py  100,000-row supervisor workbook: import ≤ 1.8 × (calamine read +
                   executemany into one table, a process of its own), peak memory < 350 MB
- bench_export.py  100,000 supervisors, masked and --reveal: ≤ 5 s CPU and ≤ 200 MB, beside a
                   hand-written exporter (sqlite3 query + bare xlsxwriter), whole processes
- bench_lists.py   10k / 100k / 1M leads: a list page < 0.5 s (flat growth), the CSV of a
                   subtree streamed < 100 MB at ≤ 2 × the sqlite3 shell, check < 1 s
- bench_excel.py   the workbook adapter alone: read_table vs calamine, write_rows vs xlsxwriter
- bench_certificates.py  1,000 certificates: issue --pending --combined PDF in under 15 s
- bench_fuzz.py    1,000 generated hostile/damaged workbooks and CSVs: exit 0/1/3 only,
                   each < 10 s, peak memory < 800 MB in an address-space-capped process
- bench_reviews.py 100,000 supervisors and 1,000,000 leads: review annual < 3 s and < 500 MB,
                   review renewals / terminations < 1 s each
- bench_reliability.py  kill -9 at 20 random moments of a 50,000-row import, a 50,000-row
                   export --reveal and a 1,000-certificate batch (all-or-nothing, audit
                   verify, no stage or plaintext left, the next run completes); 2 and 4
                   writers × 500 leads with a reader, on SQLite and a throwaway PostgreSQL:
                   no failure at all

Each script runs in its own process (peak memory is per process) and exits non-zero when
it misses its target; this runner reports them all and fails if any failed.
Pass a row count to run smaller (e.g. ``python bench/run.py 20000``).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_startup.py", "bench_import.py", "bench_export.py", "bench_excel.py", "bench_lists.py", "bench_reviews.py",
           "bench_certificates.py", "bench_fuzz.py", "bench_reliability.py")


def main() -> int:
    rows = sys.argv[1:2]
    failed = []
    for script in SCRIPTS:
        path = HERE / script
        if not path.exists():
            continue
        args = [sys.executable, str(path)]
        if rows:
            if script == "bench_excel.py":
                args += rows
            elif script not in ("bench_certificates.py", "bench_fuzz.py"):  # fixed sizes
                args += ["--rows", rows[0]]
        print(f"\n== {script} ==", flush=True)
        started = time.perf_counter()
        done = subprocess.run(args)
        print(f"-- {script}: exit {done.returncode}, {time.perf_counter() - started:.1f} s wall")
        if done.returncode != 0:
            failed.append(script)
    print("\nall targets met" if not failed else f"\ntargets missed in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
