"""What the benchmarks share: valid ID numbers and credit codes made from a seeded random
generator, a fresh migrated database with its departments, the time stamp of the rows a
benchmark writes itself, and the INSERT statements of the tables several benchmarks fill.

Imported as ``fixtures`` by the scripts beside it (a script's own folder is on
``sys.path`` when it runs).  It imports nothing of medisup until a function needs it, so
a process that must stay free of medisup (the hand-written exporter of
``bench_export.py``) can still import the script that imports this module.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Inner Mongolia's bureau, Hohhot's and six of Hohhot's counties: (code, name, parent).
HOHHOT_DEPARTMENTS = [
    ("150000", "内蒙古自治区医疗保障局", None),
    ("150100", "呼和浩特市医疗保障局", "150000"),
    ("150102", "新城区医疗保障局", "150100"),
    ("150103", "回民区医疗保障局", "150100"),
    ("150104", "玉泉区医疗保障局", "150100"),
    ("150105", "赛罕区医疗保障局", "150100"),
    ("150121", "土默特左旗医疗保障局", "150100"),
    ("150122", "托克托县医疗保障局", "150100"),
]

# The INSERT of each table that several benchmarks fill by raw executemany, by table name.
INSERT = {
    "person_category": "INSERT INTO person_category (person_id, code) VALUES (?, ?)",
    "interest": "INSERT INTO interest (id, person_id, institution_name, credit_code,"
                " declared_on) VALUES (?, ?, ?, ?, ?)",
    "application": "INSERT INTO application (id, person_id, department_code, channel,"
                   " applied_on, status, decided_on, created_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "term": "INSERT INTO term (id, person_id, department_code, application_id, number,"
            " start_date, end_date, renewed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
}


def id_number(region: str, birth: date, seq: int) -> str:
    """A resident ID number (GB 11643): six-digit region, birth date, three-digit
    sequence (odd for a man) and its check digit."""
    from medisup.excel.normalise import id_check_digit

    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


def credit_code(rng: random.Random, region: str) -> str:
    """A company's unified social credit code (GB 32100) registered in ``region``: nine
    characters drawn from ``rng`` and its check character."""
    from medisup.excel.normalise import credit_code_check_char

    body = "91" + region + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


def new_database(path: Path, departments: Iterable[tuple], pack: str = "nm-2024") -> str:
    """A migrated SQLite database at ``path`` with ``departments`` added as ``medisup dept
    add`` adds them, in order; returns its URL.  Each department is (code, name, parent)
    or (code, name, parent, pack); a top one that names no pack gets ``pack``."""
    from medisup.config import Settings
    from medisup.db import make_engine, upgrade
    from medisup.services import departments as service
    from medisup.services.uow import unit_of_work

    url = f"sqlite:///{path}"
    # The audit key and the witness of the chain head belong beside the benchmark's own
    # database, not in the user's configuration folder.
    os.environ.setdefault("MEDISUP_CONFIG_DIR", str(Path(path).parent / "config"))
    engine = make_engine(url, create_dirs=True)
    upgrade(engine)
    engine.dispose()
    for code, name, parent, *own in departments:
        settings = Settings(operator="bench", dept=parent or code, database_url=url, lang="zh")
        with unit_of_work(settings, command="dept add") as uow:
            service.add(uow, code=code, name=name, parent=parent,
                        pack=own[0] if own else (pack if parent is None else None),
                        first=parent is None)
    return url


def timestamp() -> str:
    """Now (UTC), written as medisup writes its created_at and updated_at columns."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# ---------------------------------------------------------------- measuring processes


def compile_bytecode() -> None:
    """Compile medisup's modules as an installed package has them: with
    PYTHONDONTWRITEBYTECODE set (as on these machines) every process would otherwise
    compile them again, which an installed tool never does."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "medisup")],
                   check=True)


def child_cost(command: Sequence[str], env: dict[str, str] | None = None,
               stdout: Any = subprocess.DEVNULL, ok: Sequence[int] = (0,)) -> tuple[float, float]:
    """CPU seconds (user + system) and peak resident MB of one process run to its end,
    read from ``wait4``: a busy machine stretches wall time, far less the CPU a process
    uses.  Raises SystemExit when it ends with a status not in ``ok``."""
    process = subprocess.Popen(list(command), env=env, stdout=stdout, stderr=subprocess.PIPE)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.stderr.close() if process.stderr else None
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(command[:8])}… failed ({code}): {error.strip()[:500]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def interleaved(a: Sequence[str], b: Sequence[str], pairs: int, env: dict[str, str] | None = None,
                *, a_out: Path | None = None, b_out: Path | None = None,
                ok: Sequence[int] = (0,)) -> dict[str, float]:
    """``pairs`` turns of ``a`` then ``b`` (at least three), their standard output into
    ``a_out`` / ``b_out`` (else discarded): the median CPU seconds of each, the median of
    the per-pair ratios a/b, and a's largest peak memory."""
    cost_a, cost_b, ratios, peaks = [], [], [], []
    for _ in range(max(3, pairs)):
        with open(a_out or os.devnull, "wb") as out:
            seconds_a, peak = child_cost(a, env, out, ok)
        with open(b_out or os.devnull, "wb") as out:
            seconds_b, _ = child_cost(b, env, out, ok)
        cost_a.append(seconds_a)
        cost_b.append(seconds_b)
        ratios.append(seconds_a / max(seconds_b, 1e-3))
        peaks.append(peak)
    return {"medisup": statistics.median(cost_a), "reference": statistics.median(cost_b),
            "ratio": statistics.median(ratios), "peak_mb": max(peaks)}
