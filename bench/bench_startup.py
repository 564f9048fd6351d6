"""Start-up: ``medisup --help`` against ``python -c "import typer"`` (target ≤ 2.0×) and
``medisup dept list`` on a small database against ``python -c "import sqlmodel"``
(target ≤ 1.2×), each a whole process against a whole process.

Run as ``python bench/bench_startup.py [--pairs 7]``; exits non-zero when a target is
missed.  The two sides take turns and the median of the per-pair ratios of CPU time
(user + system, from ``wait4``) counts, so a busy machine slows both alike; the load
average is printed.  medisup's modules are compiled first, as an installed package has
them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from fixtures import HOHHOT_DEPARTMENTS, compile_bytecode, interleaved, new_database

HELP_RATIO = 2.0
READ_RATIO = 1.2


def main(pairs: int) -> bool:
    compile_bytecode()
    folder = Path(tempfile.mkdtemp(prefix="medisup-startup-"))
    url = new_database(folder / "small.db", HOHHOT_DEPARTMENTS)
    env = dict(os.environ, MEDISUP_CONFIG_DIR=str(folder / "config"),
               MEDISUP_DATA_DIR=str(folder / "data"), MEDISUP_LANG="zh", COLUMNS="100")
    medisup = [sys.executable, "-m", "medisup"]
    jobs = [
        ("medisup --help", [*medisup, "--help"], 'python -c "import typer"',
         [sys.executable, "-c", "import typer"], HELP_RATIO),
        ("dept list (8 departments)", [*medisup, "--db", url, "--dept", "150000", "dept", "list"],
         'python -c "import sqlmodel"', [sys.executable, "-c", "import sqlmodel"], READ_RATIO),
    ]
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores; "
          f"{max(3, pairs)} interleaved pairs, CPU seconds", flush=True)
    rows, ok = [], True
    for work, command, reference, ref_command, target in jobs:
        figures = interleaved(command, ref_command, pairs, env)
        met = figures["ratio"] <= target
        ok &= met
        rows.append(f"| {work} | {figures['medisup']:.3f} s | "
                    f"{reference} {figures['reference']:.3f} s | {figures['ratio']:.2f}× | "
                    f"≤ {target}× | {'met' if met else 'MISSED'} |")
        print(rows[-1], flush=True)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    print("\n| work | medisup (CPU) | reference (CPU) | ratio | target | |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    print("\n".join(rows))
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--rows", type=int, help="ignored (bench/run.py passes a size)")
    sys.exit(0 if main(parser.parse_args().pairs) else 1)
