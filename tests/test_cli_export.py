"""``medisup export`` as a user runs it: summaries on stderr, the report on stdout for
scripts, exit codes, no overwrite without --force, audited reveals, templates, English."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from helpers_leads import HOSPITAL, HOSPITAL_CODE, add_supervisor, log_lead

from medisup.excel import LEAD_COLUMNS, SUPERVISOR_COLUMNS, read_table
from medisup.models import AuditEntry


@pytest.fixture
def sup(seeded):
    return add_supervisor(seeded, start=date(2025, 1, 1), end=date(2026, 12, 31),
                          interests=((HOSPITAL, HOSPITAL_CODE),))


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def reveals(env) -> list[AuditEntry]:
    from sqlmodel import select

    with env.uow(write=False) as uow:
        return list(uow.session.exec(select(AuditEntry).where(
            AuditEntry.action == "reveal", AuditEntry.entity == "export")))


@pytest.mark.parametrize("command", [(), ("supervisors",), ("leads",), ("template",)])
def test_every_export_command_has_help(cli, command):
    result = cli("export", *command, "--help")
    assert result.exit_code == 0
    assert "用法" in result.stdout


def test_export_help_in_a_real_subprocess():
    done = subprocess.run([sys.executable, "-m", "medisup", "export", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("supervisors", "leads", "template"):
        assert command in done.stdout


def test_masked_export_says_so_and_suggests_reveal(cli, sup, tmp_path):
    path = tmp_path / "名单.xlsx"
    result = cli("export", "supervisors", str(path), "--as-of", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert "已导出 1 行" in lines[0] and "已遮蔽" in lines[0] and "名单.xlsx" in lines[0]
    assert "--reveal" in lines[1] and "无法导回" in lines[1]
    row = read_table(path, SUPERVISOR_COLUMNS).rows[0]
    assert row.raw["id_number"] == sup[:6] + "********" + sup[-4:]


def test_revealed_export_in_json_and_audited(cli, seeded, sup, tmp_path):
    path = tmp_path / "full.xlsx"
    result = cli("export", "supervisors", str(path), "--reveal", "--status", "在聘",
                 "--as-of", "2026-01-01", "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {"kind": "supervisors", "table": "supervisors", "path": str(path),
                      "rows": 1, "masked": False}
    assert "审计" in result.stderr and "--reveal" not in result.stderr
    (row,) = read_table(path, SUPERVISOR_COLUMNS).rows
    assert row.values["id_number"] == sup and row.values["status"] == "在聘"
    (entry,) = reveals(seeded)
    assert entry.command == "export supervisors" and entry.entity_id == "full.xlsx"
    assert json.loads(entry.after)["rows"] == 1



def _finishes(env) -> list[AuditEntry]:
    from sqlmodel import select

    with env.uow(write=False) as uow:
        return list(uow.session.exec(select(AuditEntry).where(
            AuditEntry.action == "finish", AuditEntry.entity == "export")))


def test_a_finished_reveal_records_the_file_it_wrote(cli, seeded, sup, tmp_path):
    """The reveal is recorded before the file is written; once the file is in place a
    second entry names its rows and digest, so an unfinished export is told apart."""
    import hashlib

    path = tmp_path / "full.xlsx"
    result = cli("export", "supervisors", str(path), "--reveal", "--as-of", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    (entry,) = _finishes(seeded)
    after = json.loads(entry.after)
    assert entry.entity_id == "full.xlsx" and after["rows"] == 1
    assert after["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    (reveal,) = reveals(seeded)
    assert reveal.id < entry.id


def test_a_failed_reveal_leaves_the_reveal_without_a_finish(cli, seeded, sup, tmp_path,
                                                             monkeypatch):
    from medisup.services import exports

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports, "_write", broken)
    path = tmp_path / "full.xlsx"
    result = cli("export", "supervisors", str(path), "--reveal", "--as-of", "2026-01-01")
    assert result.exit_code != 0 and not path.exists()
    assert len(reveals(seeded)) == 1 and _finishes(seeded) == []


def test_filters_as_in_the_list(cli, sup, tmp_path):
    path = tmp_path / "x.xlsx"
    result = cli("export", "supervisors", str(path), "--status", "expired", "-f", "json",
                 "--as-of", "2026-01-01")
    assert json.loads(result.stdout)["rows"] == 0
    listed = cli("supervisor", "list", "--status", "expired", "--as-of", "2026-01-01",
                 "-f", "json")
    assert json.loads(listed.stdout) == []
    result = cli("export", "supervisors", str(tmp_path / "y.xlsx"), "--ending-within", "400",
                 "--department", "150102", "--as-of", "2026-01-01", "-f", "json")
    assert json.loads(result.stdout)["rows"] == 1


def test_existing_file_needs_force(cli, sup, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"keep me")
    result = cli("export", "supervisors", str(path))
    assert result.exit_code == 2
    assert "--force" in one_line(result) and "已存在" in one_line(result)
    assert path.read_bytes() == b"keep me"
    result = cli("export", "supervisors", str(path), "--force")
    assert result.exit_code == 0, result.stderr
    assert read_table(path, SUPERVISOR_COLUMNS).rows


@pytest.mark.parametrize("args,code,text", [
    (("supervisors", "roster.csv"), 2, ".xlsx"),
    (("supervisors", "no/such/folder/x.xlsx"), 2, "不存在"),
    (("supervisors", "x.xlsx", "--status", "retired"), 1, "retired"),
    (("supervisors", "x.xlsx", "--as-of", "2026-13-01"), 1, "--as-of"),
    (("leads", "x.xlsx", "--status", "done"), 1, "done"),
    (("template", "activities", "x.xlsx"), 2, "activities"),
])
def test_mistakes_are_one_line_and_write_nothing(cli, sup, tmp_path, monkeypatch, args, code,
                                                 text):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli("export", *args)
    assert result.exit_code == code
    assert text in one_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_outside_the_operators_scope(cli, sup, tmp_path):
    result = cli("export", "supervisors", str(tmp_path / "x.xlsx"), "--department", "150103",
                 dept="150102")
    assert result.exit_code == 1 and "150103" in one_line(result)


def test_lead_export_masked_then_revealed(cli, seeded, sup, tmp_path):
    number = log_lead(seeded, sup, received=date(2025, 3, 3)).number
    masked = cli("export", "leads", str(tmp_path / "m.xlsx"), "--as-of", "2026-01-01")
    assert masked.exit_code == 0, masked.stderr
    assert "线索内容已隐藏" in masked.stderr and "--reveal" in masked.stderr
    assert reveals(seeded) == []
    result = cli("export", "leads", str(tmp_path / "r.xlsx"), "--reveal", "--code", "A1",
                 "--since", "2025-01-01", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 1
    (row,) = read_table(tmp_path / "r.xlsx", LEAD_COLUMNS).rows
    assert row.values["number"] == number and row.values["supervisor_id_number"] == sup
    assert row.values["description"] == "该院虚构住院病历套取医保基金"
    (entry,) = reveals(seeded)
    assert json.loads(entry.after)["leads"] == [number]


def test_templates(cli, tmp_path):
    result = cli("export", "template", "supervisors", str(tmp_path / "s.xlsx"))
    assert result.exit_code == 0, result.stderr
    assert "模板" in one_line(result)
    result = cli("export", "template", "LEADS", str(tmp_path / "l.xlsx"), "-f", "json",
                 dept="450100")
    assert json.loads(result.stdout) == {"kind": "template", "table": "leads",
                                         "path": str(tmp_path / "l.xlsx"), "rows": 0,
                                         "masked": False}
    table = read_table(tmp_path / "l.xlsx", LEAD_COLUMNS, allow_empty=True)
    assert table.rows == [] and "items" in table.positions


def test_english(cli, sup, tmp_path):
    path = tmp_path / "roster.xlsx"
    result = cli("export", "supervisors", str(path), "--reveal", env={"MEDISUP_LANG": "en"})
    assert result.exit_code == 0, result.stderr
    assert "Exported 1 rows" in result.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    assert sheet["A2"].value == "Name" and sheet["A1"].value.startswith("Supervisors (150000")
    (row,) = read_table(path, SUPERVISOR_COLUMNS).rows
    assert row.values["id_number"] == sup
    result = cli("export", "supervisors", str(path), env={"MEDISUP_LANG": "en"})
    assert result.exit_code == 2 and "--force" in one_line(result)


def test_a_revealed_export_imports_back_unchanged(cli, seeded, tmp_path):
    from datetime import timedelta

    from helpers_supervisors import apply, appoint, make_credit_code, make_id

    from medisup.services import supervisors

    today = date.today()
    # Work units without a space between Chinese characters: import reads "社区 主任"
    # as "社区主任" (a stray alignment space), which would count as a change.
    unit = {"work_unit": "某社区主任"}
    serving, ended, pending = make_id(), make_id(), make_id()
    apply(seeded, "150102", serving, name="在聘人", applied_on=today - timedelta(days=40),
          channel="invited", recommending_body="市人大常委会",
          categories=["npc_deputy", "expert"], ethnicity="蒙古族", email="z@example.com",
          address="呼和浩特市新城区中山东路1号", background="law",
          interests=[f"某某医院:{make_credit_code()}", "某药店"], **unit)
    with seeded.uow("150102") as uow:
        supervisors.approve(uow, serving, start=today - timedelta(days=30),
                            on=today - timedelta(days=30))
    appoint(seeded, "150103", ended, name="解聘人")
    with seeded.uow("150103") as uow:
        supervisors.terminate(uow, ended, ground="resigned", effective=today - timedelta(days=2))
        supervisors.update(uow, ended, unit)
    apply(seeded, "150102", pending, name="申请人", applied_on=today - timedelta(days=3), **unit)
    reporter = make_id()
    appoint(seeded, "150102", reporter, name="李四", start=date(2025, 6, 1))
    with seeded.uow("150102") as uow:
        supervisors.update(uow, reporter, unit)
    log_lead(seeded, reporter, codes=("A1", "A5"), amount="12800.5", received=date(2025, 9, 1))

    roster, ledger = tmp_path / "roster.xlsx", tmp_path / "leads.xlsx"
    assert cli("export", "supervisors", str(roster), "--reveal", dept="150100").exit_code == 0
    assert cli("export", "leads", str(ledger), "--reveal", dept="150100").exit_code == 0
    for kind, path, rows in (("supervisors", roster, 4), ("leads", ledger, 1)):
        result = cli("import", kind, str(path), "--dry-run", "-f", "json", dept="150100")
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        assert (report["created"], report["updated"], report["rejected"]) == (0, 0, 0), report
        assert report["unchanged"] == rows
