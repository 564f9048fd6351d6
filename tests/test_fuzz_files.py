"""Hostile and damaged files: a few hundred generated workbooks and CSVs (bit flips,
truncation, huge dimensions, stray far cells, control characters, encodings) end in a
result or a one-line error — never a traceback, never more than a bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers_security import (
    SHEET,
    _far_cell,
    base_csv,
    base_workbook,
    fuzz_cases,
    rezip,
    run_case,
)

ROOT = Path(__file__).resolve().parent.parent
FUZZ_CASES = 300
MEMORY_MB = 1500  # address-space cap of the fuzzing process


def test_fuzzed_files_in_a_memory_capped_process(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "helpers_security.py"), str(FUZZ_CASES),
         str(tmp_path), str(MEMORY_MB)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0 and last.startswith("RESULT "), (
        f"process ended {done.returncode} during case {last!r}: {done.stderr[-500:]}")
    result = json.loads(last[len("RESULT "):])
    assert result["cases"] == FUZZ_CASES
    assert result["failures"] == []
    assert set(result["by_status"]) <= {"0", "1", "3"}
    assert result["slowest"] < 10 and result["peak_mb"] < 800


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_stray_cell_at_the_last_cell_is_refused_before_reading(tmp_path):
    path = _write(tmp_path, "far.xlsx", rezip(base_workbook(), _far_cell("XFD1048576")))
    assert run_case(path, tmp_path / "e.xlsx") == (3, "excel.error.too_many_cells")


def test_stray_cell_far_down_column_a_is_refused(tmp_path):
    path = _write(tmp_path, "far.xlsx", rezip(base_workbook(), _far_cell("A1048576")))
    assert run_case(path, tmp_path / "e.xlsx") == (3, "excel.error.too_many_cells")


def test_a_huge_declared_dimension_alone_reads_normally(tmp_path):
    from tests.helpers_security import _dimension

    path = _write(tmp_path, "dim.xlsx", rezip(base_workbook(), _dimension("A1:XFD1048576")))
    assert run_case(path, tmp_path / "e.xlsx") == (0, "ok")


def test_wide_csv_row_is_refused_before_padding(tmp_path):
    path = _write(tmp_path, "wide.csv", ("," * 20000 + "\n" + "a,b\n" * 200_000).encode())
    assert run_case(path, tmp_path / "e.xlsx") == (3, "excel.error.too_many_cells")


def test_utf32_csv_is_detected_by_its_bom(tmp_path):
    from medisup.excel import SUPERVISOR_COLUMNS, read_table

    for encoding in ("utf-32", "utf-32-be"):
        data = base_csv().encode(encoding)
        if encoding == "utf-32-be":
            data = b"\x00\x00\xfe\xff" + data
        table = read_table(_write(tmp_path, f"{encoding}.csv", data), SUPERVISOR_COLUMNS)
        assert table.encoding == "utf-32" and len(table.rows) == 2


@pytest.mark.parametrize("seed", range(30))
def test_bit_flipped_workbooks_never_end_in_an_internal_error(tmp_path, seed):
    import random

    rng = random.Random(seed)
    data = bytearray(base_workbook())
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    status, kind = run_case(_write(tmp_path, "flip.xlsx", bytes(data)), tmp_path / "e.xlsx")
    assert status in (0, 1, 3), kind


def test_cli_control_characters_with_errors_give_the_marked_workbook(cli, tmp_path):
    from openpyxl import load_workbook

    text = base_csv().replace("150102199001010019", "1501021990\x07\x1b[2J0101001")
    for encoding in ("utf-8", "utf-32"):
        path = _write(tmp_path, f"ctl-{encoding}.csv", text.encode(encoding))
        out = tmp_path / f"errors-{encoding}.xlsx"
        done = cli("import", "supervisors", str(path), "--errors", str(out), dept="150100")
        assert done.exit_code == 1, done.stderr
        assert "\x1b" not in done.stderr and "\\x1b" in done.stderr
        sheet = load_workbook(out).active
        values = [c.value for row in sheet.iter_rows() for c in row if c.value]
        assert any("\\x07" in str(v) for v in values)


def test_cli_damaged_workbook_is_one_line_exit_3(cli, tmp_path):
    data = bytearray(rezip(base_workbook(), lambda n, p: p))
    at = data.index(SHEET.encode()) + 200  # inside the sheet's compressed stream
    for offset in range(0, 40, 4):
        data[at + offset] ^= 0xFF
    path = _write(tmp_path, "damaged.xlsx", bytes(data))
    done = cli("import", "supervisors", str(path), dept="150100")
    assert done.exit_code == 3 and len(done.stderr.strip().splitlines()) == 1
    assert "内部错误" not in done.stderr


def test_generated_cases_are_deterministic():
    first = [(n, len(d)) for n, _, d in fuzz_cases(40)]
    assert first == [(n, len(d)) for n, _, d in fuzz_cases(40)]


@pytest.mark.parametrize("version", [84, 148])
def test_zip_claiming_an_unknown_version_is_a_damaged_file(tmp_path, version):
    """Found by the bench fuzzer: zipfile raises NotImplementedError ("zip file version
    14.8") while opening an archive whose central directory claims a newer version."""
    data = bytearray(base_workbook())
    at = data.index(b"PK\x01\x02")  # first central-directory header
    data[at + 6] = version  # "version needed to extract"
    status, kind = run_case(_write(tmp_path, "v.xlsx", bytes(data)), tmp_path / "e.xlsx")
    assert (status, kind) == (3, "excel.error.not_workbook")


def test_shared_string_table_claiming_billions_is_refused(tmp_path):
    """The parser reserves room for uniqueCount strings before reading one: 4e9 aborted it."""
    import io
    import re

    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    book.add_worksheet().write("A1", "姓名")
    book.close()
    data = rezip(out.getvalue(), lambda n, p: re.sub(rb'uniqueCount="\d+"',
                                                     b'uniqueCount="4000000000"', p)
                 if n == "xl/sharedStrings.xml" else p)
    assert run_case(_write(tmp_path, "sst.xlsx", data), tmp_path / "e.xlsx") == (
        3, "excel.error.too_many_strings")


def test_row_number_beyond_any_sheet_is_refused_not_a_crash(tmp_path):
    """Found by the bench fuzzer: a row numbered 4,000,000,000 broke the far-reference search."""
    data = rezip(base_workbook(), lambda n, p: p.replace(b'<row r="3"', b'<row r="4000000000"', 1)
                 if n == SHEET else p)
    status, kind = run_case(_write(tmp_path, "r.xlsx", data), tmp_path / "e.xlsx")
    assert (status, kind) == (3, "excel.error.too_many_cells")
