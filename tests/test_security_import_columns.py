"""Columns an import does not know are never dropped without a word: each one is named
(stderr and the JSON report); one that looks like a column the import needs and did not
find stops it (exit 1, nothing written) with the ``--map`` that would read it; and
``--map 'HEADER=field'`` does read it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from helpers_supervisors import make_id
from sqlmodel import func, select
from test_import_supervisors import HEADERS, roster, row

from medisup.models import ImportBatch, Lead, Person, Term


def count(env, model) -> int:
    with env.uow(write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()


def nothing_written(env) -> bool:
    return count(env, Person) == 0 and count(env, ImportBatch) == 0 and count(env, Lead) == 0


def renamed(headers: list[str], old: str, new: str) -> list[str]:
    return [new if h == old else h for h in headers]


def people(n: int = 3) -> list[list]:
    return [row(make_id(seq=k * 2 + 1), seq=k) for k in range(1, n + 1)]


# ---------------------------------------------------------------- warnings


def test_every_unknown_column_is_named_on_stderr_and_in_the_json_report(cli, seeded, tmp_path):
    headers = [*HEADERS, "照片", "备用\x7f"]
    rows = [[*r, "有", "x"] for r in people()]
    path = roster(tmp_path / "名册.xlsx", rows, headers)
    result = cli("import", "supervisors", str(path), "-f", "json")
    assert result.exit_code == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if "照片" in line]
    assert len(warning) == 1 and "备用" in warning[0] and "\x7f" not in result.stderr
    assert "--map" in warning[0]
    report = json.loads(result.stdout)
    assert [h.rstrip("\x7f") for h in report["ignored_columns"]] == ["照片", "备用"]
    assert report["created"] == 3


def test_the_running_number_is_known_and_not_reported(cli, seeded, tmp_path):
    path = roster(tmp_path / "名册.xlsx", people())  # 序号 is the first header
    result = cli("import", "supervisors", str(path), "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ignored_columns"] == []
    assert "未识别" not in result.stderr


# ---------------------------------------------------------------- look-alikes refused

ROSTER_CASES = [
    # (header renamed, new header, how the cells are written, field suggested)
    ("聘期起始", "开始日期", None, "term_start"),
    ("聘期起始", "起聘时间", "text", "term_start"),
    ("聘期起始", "任职起", "compact", "term_start"),
    ("所属部门代码", "区划", None, "department"),
    ("所属部门代码", "单位编码", "number", "department"),
    ("公民身份号码", "证件", None, "id_number"),
    ("公民身份号码", "身份证件号", None, "id_number"),
]


def _cells(rows: list[list], column: int, how: str | None) -> list[list]:
    out = []
    for r in rows:
        r = list(r)
        value = r[column]
        if how == "text" and isinstance(value, date):
            r[column] = f"{value.year}年{value.month}月{value.day}日"
        elif how == "compact" and isinstance(value, date):
            r[column] = value.strftime("%Y%m%d")
        elif how == "number":
            r[column] = int(value)
        out.append(r)
    return out


@pytest.mark.parametrize(("old", "new", "how", "field"), ROSTER_CASES)
def test_a_roster_column_that_looks_needed_is_refused_with_the_map_to_use(
        cli, seeded, tmp_path, old, new, how, field):
    headers = renamed(HEADERS, old, new)
    rows = _cells(people(), HEADERS.index(old), how)
    path = roster(tmp_path / "名册.xlsx", rows, headers)
    result = cli("import", "supervisors", str(path))
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert f"--map '{new}={field}'" in lines[0] and f"--map '{new}=-'" in lines[0]
    assert nothing_written(seeded)

    mapped = cli("import", "supervisors", str(path), "--map", f"{new}={field}", "-f", "json")
    assert mapped.exit_code == 0, mapped.stderr
    assert json.loads(mapped.stdout)["created"] == 3
    if field == "term_start":
        assert count(seeded, Term) == 3


def test_a_date_column_set_aside_on_purpose_imports_applications(cli, seeded, tmp_path):
    headers = renamed(HEADERS, "聘期起始", "填表日期")
    path = roster(tmp_path / "名册.xlsx", people(), headers)
    assert cli("import", "supervisors", str(path)).exit_code == 1
    result = cli("import", "supervisors", str(path), "--map", "填表日期=-", "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["created"] == 3 and report["ignored_columns"] == ["填表日期"]
    assert count(seeded, Term) == 0  # pending applications, as the user said


def test_an_unknown_column_unlike_anything_needed_only_warns(cli, seeded, tmp_path):
    headers = [*HEADERS, "入党日期"]  # a date, but every needed column is there
    rows = [[*r, date(2001, 7, 1)] for r in people()]
    path = roster(tmp_path / "名册.xlsx", rows, headers)
    result = cli("import", "supervisors", str(path))
    assert result.exit_code == 0, result.stderr
    assert "入党日期" in result.stderr


LEAD_CASES = [
    ("反映人身份证号", "举报人证件", "supervisor_id_number"),
    ("受理日期", "收到时间", "received_on"),
]


@pytest.mark.parametrize(("old", "new", "field"), LEAD_CASES)
def test_a_ledger_column_that_looks_needed_is_refused_with_the_map_to_use(
        cli, seeded, tmp_path, old, new, field):
    from helpers_leads import add_supervisor
    from test_import_leads import HEADERS as LEAD_HEADERS
    from test_import_leads import lead, ledger

    sup = add_supervisor(seeded, start=date.today() - timedelta(days=300),
                         end=date.today() + timedelta(days=300))
    path = ledger(tmp_path / "台账.xlsx", [lead(sup, day=date.today() - timedelta(days=9))],
                  renamed(LEAD_HEADERS, old, new))
    result = cli("import", "leads", str(path), dept="150100")
    assert result.exit_code == 1, result.stderr
    assert f"--map '{new}={field}'" in result.stderr
    assert count(seeded, Lead) == 0
    mapped = cli("import", "leads", str(path), "--map", f"{new}={field}", dept="150100")
    assert mapped.exit_code == 0, mapped.stderr
    assert count(seeded, Lead) == 1


# ---------------------------------------------------------------- --map itself


@pytest.mark.parametrize(("given", "named"), [
    ("开始日期=no_such_field", "no_such_field"),
    ("不存在的表头=term_start", "不存在的表头"),
    ("没有等号", "没有等号"),
    ("=term_start", "=term_start"),
])
def test_a_wrong_map_is_a_usage_error_naming_it(cli, seeded, tmp_path, given, named):
    headers = renamed(HEADERS, "聘期起始", "开始日期")
    path = roster(tmp_path / "名册.xlsx", people(), headers)
    result = cli("import", "supervisors", str(path), "--map", given)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--map" in lines[0] and named in lines[0]
    assert nothing_written(seeded)


def test_a_mapped_header_is_not_reported_as_ignored(cli, seeded, tmp_path):
    headers = renamed(HEADERS, "聘期起始", "开始日期")
    path = roster(tmp_path / "名册.xlsx", people(), headers)
    result = cli("import", "supervisors", str(path), "--map", "开始日期=term_start",
                 "--dry-run", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ignored_columns"] == []
    assert nothing_written(seeded)

