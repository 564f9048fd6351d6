"""Helpers for the tampering, file-safety and fuzzing tests: a keyed, seeded chain and
raw SQL edits made behind the tool's back."""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import sys
import time
import zipfile
from pathlib import Path

from sqlalchemy import text


def keyed_env(db_url: str):
    """A database whose chain is keyed from its first entry (as after ``medisup init``)."""
    from medisup.services.audit_key import ensure_key
    from tests.conftest import Env, seed_departments

    ensure_key()
    env = Env(db_url)
    seed_departments(env)
    return env


def sql(env, *statements: str, **params) -> list:
    from medisup.db import make_engine

    engine = make_engine(env.url)
    out = []
    try:
        with engine.begin() as conn:
            for statement in statements:
                result = conn.execute(text(statement), params)
                out.append(result.fetchall() if result.returns_rows else None)
    finally:
        engine.dispose()
    return out


def report(env, **kwargs):
    from medisup.services import audit

    with env.uow(write=False) as uow:
        return audit.verify(uow.session, url=env.url, **kwargs)


def rechain(env, key: bytes | None, *, start: int = 1) -> None:
    """Recompute every hash from ``start`` on, as a forger who can write the file would."""
    import hmac

    from medisup.db import make_engine
    from medisup.services.audit import GENESIS

    engine = make_engine(env.url)
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT * FROM audit_entry ORDER BY id")).mappings().all()
        prev = GENESIS
        for row in rows:
            if row["id"] < start:
                prev = row["hash"]
                continue
            payload = json.dumps(
                [row["id"], row["at"], row["operator"], row["dept"], row["command"],
                 row["action"], row["entity"], row["entity_id"], row["before"], row["after"],
                 row["batch_id"], prev], ensure_ascii=False, separators=(",", ":")).encode()
            digest = (hmac.new(key, payload, hashlib.sha256).hexdigest() if key
                      else hashlib.sha256(payload).hexdigest())
            conn.execute(text("UPDATE audit_entry SET prev_hash=:p, hash=:h WHERE id=:i"),
                         {"p": prev, "h": digest, "i": row["id"]})
            prev = digest
        conn.execute(text("UPDATE counter SET value=:v, head=:h WHERE name='audit'"),
                     {"v": len(rows), "h": prev})
    engine.dispose()


# ---------------------------------------------------------------- file fuzzing

FUZZ_HEADERS = ["序号", "姓名", "性别", "公民身份号码", "人员类别", "手机号", "聘任方式",
                "推荐单位", "所属部门代码", "聘期起始", "利益关系机构"]
FUZZ_ROWS = [
    [1, "王建国", "男", "150102199001010019", "参保群众", "13812345678", "公开选聘", "",
     "150103", "2024-01-05", ""],
    [2, "李\x07秀英", "女", "150102199001010027", "人大代表", "13912345678", "公开选聘", "",
     "150103", "2024/1/5", "某医院"],
]
SHEET = "xl/worksheets/sheet1.xml"


def base_workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(FUZZ_HEADERS)
    for row in FUZZ_ROWS:
        sheet.append([v.replace("\x07", "") if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    # fixed timestamps, so the same seed flips the same bits on any day
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    fixed = io.BytesIO()
    with zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                part = re.sub(rb">[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z?<", b">2026-01-01T00:00:00Z<",
                              part)
            dst.writestr(zipfile.ZipInfo(info.filename, (2026, 1, 1, 0, 0, 0)), part,
                         compress_type=zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


def base_csv() -> str:
    lines = [",".join(FUZZ_HEADERS)]
    lines += [",".join(str(v) for v in row) for row in FUZZ_ROWS]
    return "\r\n".join(lines) + "\r\n"


def rezip(data: bytes, edit) -> bytes:
    """The workbook with ``edit(name, bytes) -> bytes | None`` applied to each part."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = edit(info.filename, src.read(info.filename))
            if part is not None:
                dst.writestr(zipfile.ZipInfo(info.filename, info.date_time), part,
                             compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _sheet_edit(fn):
    return lambda name, part: fn(part) if name == SHEET else part


def _far_cell(ref: str):
    def edit(part: bytes) -> bytes:
        row = re.sub(r"[A-Z]+", "", ref)
        cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
        return part.replace(b"</sheetData>", cell + b"</sheetData>")
    return _sheet_edit(edit)


def _dimension(ref: str):
    return _sheet_edit(lambda part: re.sub(rb'<dimension ref="[^"]*"/>',
                                           f'<dimension ref="{ref}"/>'.encode(), part))


def _control_cells(part: bytes) -> bytes:
    return part.replace(b"<t>", b"<t>_x0007__x001B_[31m", 1)


def _stray_row_ref(part: bytes) -> bytes:
    return part.replace(b'<c r="A2"', b'<c r="A999999"', 1)


def _with_shared_strings_count(count: bytes = b'uniqueCount="4000000000"') -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": False})
    sheet = book.add_worksheet()
    for c, header in enumerate(FUZZ_HEADERS):
        sheet.write(0, c, header)
    book.close()
    return rezip(out.getvalue(), lambda n, p: re.sub(rb'uniqueCount="\d+"', count, p)
                 if n == "xl/sharedStrings.xml" else p)


def fuzz_cases(count: int, seed: int = 15):
    """``count`` (name, suffix, bytes) cases: bit flips, truncation, huge dimension, stray
    far cells, control characters, encodings, wide CSV rows — deterministic per seed."""
    rng = random.Random(seed)
    book, csv_text = base_workbook(), base_csv()
    strings_book = _with_shared_strings_count(b'uniqueCount="3"')
    far_refs = ["XFD1048576", "A1048576", "XFD1", "ZZ99999", "T200000", "AAA1000"]
    encodings = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-32", "utf-16-le",
                 "utf-32-be", "big5", "latin-1"]
    fixed = [
        *[(f"far-{r}", ".xlsx", rezip(book, _far_cell(r))) for r in far_refs],
        *[(f"dimension-{d}", ".xlsx", rezip(book, _dimension(d)))
          for d in ("A1:XFD1048576", "A1:A1", "ZZZ9:A1", "garbage")],
        ("control-xlsx", ".xlsx", rezip(book, _sheet_edit(_control_cells))),
        ("stray-row-ref", ".xlsx", rezip(book, _sheet_edit(_stray_row_ref))),
        ("no-sheet", ".xlsx", rezip(book, lambda n, p: None if n == SHEET else p)),
        ("sst-count", ".xlsx", _with_shared_strings_count()),
        ("wide-csv", ".csv", ("," * 20000 + "\n" + "a,b\n" * 200_000).encode()),
        ("empty", ".csv", b""), ("nul", ".csv", b"\x00" * 100), ("bom-only", ".csv", b"\xff\xfe"),
    ]
    for enc in encodings:
        try:
            fixed.append((f"enc-{enc}", ".csv", csv_text.encode(enc)))
        except UnicodeEncodeError:
            fixed.append((f"enc-{enc}", ".csv", csv_text.encode(enc, errors="replace")))
    for i in range(count):
        if i < len(fixed):
            yield fixed[i]
            continue
        kind = rng.choice(["flip", "flip", "truncate", "csv-flip", "csv-control", "csv-wide",
                           "far", "dimension", "csv-quote", "zip-member", "number"])
        if kind == "flip":
            data = bytearray(book)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            yield f"{i}-flip", ".xlsx", bytes(data)
        elif kind == "truncate":
            yield f"{i}-truncate", ".xlsx", book[: rng.randrange(1, len(book))]
        elif kind == "csv-flip":
            data = bytearray(csv_text.encode(rng.choice(encodings[:5])))
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            yield f"{i}-csv-flip", ".csv", bytes(data)
        elif kind == "csv-control":
            chars = "".join(chr(rng.randrange(32)) for _ in range(4)) + "\x7f\x1b[2J"
            text_ = csv_text.replace("王建国", "王" + chars, 1)
            yield f"{i}-csv-control", ".csv", text_.encode(rng.choice(["utf-8", "utf-32", "gb18030"]))
        elif kind == "csv-wide":
            width, rows = rng.randint(100, 30_000), rng.randint(10, 3_000)
            yield f"{i}-csv-wide", ".csv", (csv_text + "," * width + "\n" + "x,y\n" * rows).encode()
        elif kind == "far":
            ref = f"{rng.choice(['A', 'Z', 'AB', 'XFD', 'MM'])}{rng.choice([1, 9999, 1048576, rng.randrange(1, 1048577)])}"
            yield f"{i}-far-{ref}", ".xlsx", rezip(book, _far_cell(ref))
        elif kind == "dimension":
            ref = f"A1:{rng.choice(['XFD', 'ZZ', 'B'])}{rng.randrange(1, 1048577)}"
            yield f"{i}-dim", ".xlsx", rezip(book, _dimension(ref))
        elif kind == "number":  # any numeric attribute of any part set absurdly high
            source = rng.choice([book, strings_book])
            parts = zipfile.ZipFile(io.BytesIO(source)).namelist()
            victim = rng.choice([n for n in parts if n.endswith(".xml")])
            huge = str(rng.choice([2**31, 2**32 + 1, 10**12, 4_000_000_000, 10**19])).encode()
            nth = rng.randrange(6)

            def edit(name, part, victim=victim, huge=huge, nth=nth):
                if name != victim:
                    return part
                spots = list(re.finditer(rb'(\w+)="([0-9]+)"', part))
                if not spots:
                    return part
                m = spots[nth % len(spots)]
                return part[: m.start(2)] + huge + part[m.end(2):]
            yield f"{i}-number-{victim}", ".xlsx", rezip(source, edit)
        elif kind == "csv-quote":
            text_ = csv_text.replace(",", rng.choice(['"', '",', ',"', "\t", ";"]), rng.randint(1, 9))
            yield f"{i}-csv-quote", ".csv", text_.encode()
        else:
            victim = rng.choice(["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml",
                                 "xl/_rels/workbook.xml.rels", SHEET, "xl/sharedStrings.xml"])
            yield f"{i}-zip-{victim}", ".xlsx", rezip(
                book, lambda n, p, v=victim: p[: len(p) // 2] if n == v else p)


def run_case(path: Path, out: Path) -> tuple[int, str]:
    """Read ``path`` as an import does (and write the error workbook when rows are wrong);
    returns (exit status, problem kind) — status 0/1/3 by design, -1 for anything else."""
    from medisup.errors import MedisupError
    from medisup.excel import SUPERVISOR_COLUMNS, read_table, write_error_workbook

    try:
        table = read_table(path, SUPERVISOR_COLUMNS)
        problems = table.problems
        if problems:
            write_error_workbook(path, out, table, problems)
            from openpyxl import load_workbook

            load_workbook(out).close()
            return 1, "rows"
        return 0, "ok"
    except MedisupError as exc:
        if "\n" in exc.message.strip() or not exc.message.strip():
            return -1, "not one line"
        return int(exc.exit_status), getattr(exc, "key", type(exc).__name__)
    except Exception as exc:
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        return -1, f"{type(exc).__name__}: {str(exc)[:80]} at {Path(where.filename).name}:{where.lineno}"


def fuzz_main(count: int, folder: str, seed: int = 15, time_limit: float = 10.0) -> dict:
    """Run ``count`` cases in this process; the caller bounds its memory (RLIMIT_AS)."""
    import resource

    results = {"cases": 0, "failures": [], "slowest": 0.0, "by_status": {}}
    base = Path(folder)
    for name, suffix, data in fuzz_cases(count, seed):
        path = base / f"case{suffix}"
        path.write_bytes(data)
        print(name, flush=True)  # the last line names the case if the process dies
        started = time.perf_counter()
        status, kind = run_case(path, base / "errors.xlsx")
        took = time.perf_counter() - started
        results["cases"] += 1
        results["slowest"] = max(results["slowest"], took)
        results["by_status"][str(status)] = results["by_status"].get(str(status), 0) + 1
        if status not in (0, 1, 2, 3) or took > time_limit:
            results["failures"].append([name, status, kind, round(took, 2)])
    results["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return results


if __name__ == "__main__":  # python tests/helpers_security.py COUNT FOLDER [MEMORY_MB]
    import json
    import resource

    if len(sys.argv) > 3:
        limit = int(sys.argv[3]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    print("RESULT " + json.dumps(fuzz_main(int(sys.argv[1]), sys.argv[2])), flush=True)
