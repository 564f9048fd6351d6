"""What a clerk reads: the audit log in words (not codes), criteria with their labels,
dates typed as the workbooks write them, database messages without migration ids, and
progress counted in rows."""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import date

import pytest
from helpers_activities import activity, attend
from helpers_supervisors import apply, appoint, make_id

from medisup import i18n

TODAY = date(2026, 6, 15)  # tests/clock.py


@pytest.fixture
def narrow(monkeypatch):
    """Tables drawn 100 columns wide, as in a small terminal window."""
    from medisup.render import out_console

    monkeypatch.setenv("COLUMNS", "100")
    out_console.cache_clear()
    yield
    out_console.cache_clear()


def _display_width(line: str) -> int:
    from rich.cells import cell_len

    return cell_len(line)


@pytest.fixture
def history(seeded):
    """A department updated, a supervisor applying and serving, an activity attended."""
    from medisup.services import departments

    with seeded.uow("150100", command="dept update") as uow:
        departments.update(uow, "150102", quota=7)
    number = make_id("150102", "19800101", 201)
    pid = appoint(seeded, "150102", number)
    row = activity(seeded, held_on=date(2026, 6, 1), participants=[number])
    attend(seeded, row.number, attended=[number])
    return pid


# ---------------------------------------------------------------- audit log


def test_audit_table_shows_actions_objects_and_fields_in_words(history, cli, narrow):
    done = cli("audit", "log", "--limit", "0")
    assert done.exit_code == 0, done.stderr
    out = done.stdout
    for label in ("新增", "修改", "聘任", "申请", "登记出勤", "部门", "人员", "聘期", "活动"):
        assert label in out, label
    assert "名额：3 → 7" in out  # field label, old → new, one change a line
    assert f"出勤·人员 {history}：已邀请 → 到会" in out
    assert "状态：待审批 → 已聘任" in out
    for code in (" create ", " apply ", " attend ", "department_code", "attendance", "{'",
                 "': ", "quota"):
        assert code not in out, code
    assert max(_display_width(line) for line in out.splitlines()) <= 100


def test_audit_table_masks_personal_data_unless_revealed(seeded, cli, narrow):
    number = make_id("150102", "19830917", 357)
    apply(seeded, "150102", number, name="刘晓燕", phone="13987654321")
    masked = cli("audit", "log", "--entity", "person").stdout
    assert "身份证号：150102********" in masked and number not in masked
    assert "13987654321" not in masked and "1983-09-17" not in masked
    shown = cli("audit", "log", "--entity", "person", "--reveal").stdout
    assert number in shown and "13987654321" in shown


def test_audit_json_and_csv_keep_codes_whatever_the_language(history, cli):
    runs = {}
    for lang in ("zh", "en"):
        for fmt in ("json", "csv"):
            runs[lang, fmt] = cli("audit", "log", "--limit", "0", "-f", fmt,
                                  env={"MEDISUP_LANG": lang}).stdout
            i18n._language = None
    assert runs["zh", "json"] == runs["en", "json"]
    assert runs["zh", "csv"] == runs["en", "csv"]
    entries = json.loads(runs["zh", "json"])
    assert {"create", "update", "approve", "attend"} <= {e["action"] for e in entries}
    quota = next(e for e in entries if e["action"] == "update" and e["entity"] == "department")
    assert quota["before"]["quota"] == 3 and quota["after"]["quota"] == 7
    assert runs["zh", "csv"].startswith("id,at,operator,dept,command,action,entity,")


def test_every_action_and_object_the_services_write_has_a_label():
    """Each ``uow.audit("action", "entity", …)`` in the code has both labels, so a new
    action cannot reach the table as a bare code."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "medisup"
    call = re.compile(r"""\.audit\(\s*(?:"(\w+)"(?:\s+if\s+\w+\s+else\s+"(\w+)")?)\s*,\s*"(\w+)\"""")
    actions, entities = {"head_restored"}, {"audit_entry"}
    for path in root.rglob("*.py"):
        for first, second, entity in call.findall(path.read_text(encoding="utf-8")):
            actions.update(a for a in (first, second) if a)
            entities.add(entity)
    assert len(actions) > 20 and len(entities) > 12  # the scan finds the calls
    zh = i18n.catalogue("zh")
    assert sorted(a for a in actions if f"audit.action.{a}" not in zh) == []
    assert sorted(e for e in entities if f"audit.entity.{e}" not in zh) == []


def test_change_lines_open_nested_documents_one_level():
    from medisup.cli.audit import _Entry, change_lines

    lines = change_lines(_Entry("term"), {"terms": [{"number": 1, "terminated_on": None}]},
                         {"terms": [{"number": 1, "terminated_on": "2026-06-30"}],
                          "termination": {"effective_on": "2026-06-30", "note": None}})
    assert lines == ["聘期 1·解聘日期：— → 2026-06-30", "解聘·生效日期：2026-06-30"]
    people = change_lines(_Entry("person"), None, {"people": list(range(1, 41))})
    assert people == ["人员编号：1、2、3、4、5、6…（共 40 项）"]


# ---------------------------------------------------------------- supervisor show


def test_supervisor_show_gives_each_criterion_its_pack_label(seeded, cli):
    from medisup.packs import load_pack

    number = make_id("150102", "19900101", 123)
    apply(seeded, "150102", number)
    done = cli("supervisor", "show", number, "-f", "json", dept="150102")
    assert done.exit_code == 0, done.stderr
    findings = {f["criterion"]: f["label"] for f in json.loads(done.stdout)["findings"]}
    pack = load_pack("nm-2024")
    for item in pack.criteria:
        assert findings[item.code] == item.text(short=True)
    table = cli("supervisor", "show", number, dept="150102").stdout
    short = min((item.text(short=True) for item in pack.criteria), key=len)
    assert short in table


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("text", ["2026-01-05", "2026/1/5", "2026.1.5", "2026年1月5日",
                                  "20260105", "２０２６-01-05", " 2026-01-05 "])
def test_command_line_dates_take_the_workbook_forms(text):
    from medisup.cli.common import parse_date

    assert parse_date(text, "--since") == date(2026, 1, 5)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2026-1", "无", "tomorrow"])
def test_a_bad_date_is_one_line_naming_option_value_and_forms(cli, text):
    done = cli("audit", "log", "--since", text)
    assert done.exit_code == 1  # a value error, as before the forms were widened
    message = done.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "--since" in message and text in message and "2026/1/5" in message


def test_audit_log_since_accepts_a_chinese_date(history, cli):
    done = cli("audit", "log", "--since", "2026年6月15日", "-f", "json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)


# ---------------------------------------------------------------- db messages


def test_db_messages_name_the_file_and_a_version_number(seeded, cli, tmp_path):
    from medisup.db import HEAD_REVISION, REVISIONS

    version = f"版本 {len(REVISIONS)}"
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0
    assert version in upgraded.stderr and HEAD_REVISION not in upgraded.stderr
    assert "sqlite:" not in upgraded.stderr
    debug = cli("--debug", "db", "upgrade")
    assert HEAD_REVISION in debug.stderr
    scripted = json.loads(cli("db", "upgrade", "-f", "json").stdout)
    assert scripted["after"] == HEAD_REVISION
    current = cli("db", "current")
    assert version in current.stdout and HEAD_REVISION not in current.stdout
    backup = cli("db", "backup", str(tmp_path / "copy.db"))
    assert backup.exit_code == 0
    assert "sqlite-online-backup" not in backup.stderr and "方式" not in backup.stderr
    assert "KB" in backup.stderr or "MB" in backup.stderr


def test_init_of_a_new_file_says_created(tmp_path, bare_cli):
    from medisup.db import HEAD_REVISION

    path = tmp_path / "new.db"
    done = bare_cli("--db", f"sqlite:///{path}", "init", "--code", "150000", "--name",
                    "内蒙古自治区医疗保障局", "--pack", "nm-2024", "--no-save")
    assert done.exit_code == 0, done.stderr
    assert f"已创建数据库 {path}" in done.stderr and HEAD_REVISION not in done.stderr


# ---------------------------------------------------------------- progress


def test_import_progress_counts_the_sheets_rows():
    from medisup.cli.imports import RowCounter

    count = RowCounter()
    assert count("read", 0, 1) == (0, None)  # no "0/1": reading has no count yet
    assert count("check", 0, 20_000) == (0, 20_000)
    assert count("check", 20_000, 20_000) == (20_000, 20_000)
    # a roster's write counts people, applications and terms: shown as the same rows
    assert count("write", 20_000, 40_001) == (10_000, 20_000)
    assert count("write", 40_001, 40_001) == (20_000, 20_000)


def test_exports_report_rows_written(seeded, tmp_path):
    from medisup.services import exports

    for n in range(3):
        appoint(seeded, "150102", make_id("150102", "19800101", 300 + 2 * n))
    seen: list[tuple[int, int]] = []
    with seeded.uow("150100") as uow:
        report = exports.export_supervisors(uow, tmp_path / "s.xlsx",
                                            progress=lambda *a: seen.append(a))
    assert seen and seen[-1] == (report.rows, report.rows) and report.rows >= 3
    seen.clear()
    with seeded.uow("150100") as uow:
        report = exports.export_leads(uow, tmp_path / "l.xlsx",
                                      progress=lambda *a: seen.append(a))
    assert seen[-1] == (report.rows, report.rows)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_export_bar_only_for_large_workbooks_on_a_terminal(monkeypatch):
    from medisup.cli import exports as export_cli

    with export_cli._progress() as tick:  # stderr is not a terminal under pytest
        assert tick is None
    from rich.console import Console

    from medisup import render

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(render, "err_console", lambda: Console(
        file=terminal, force_terminal=True, force_interactive=True, width=100))
    with export_cli._progress() as tick:
        tick(100, 200)
    assert "行" not in terminal.getvalue()  # a small export: no bar
    with export_cli._progress() as tick:
        tick(5_000, 20_000)
        tick(20_000, 20_000)
    assert "20,000/20,000 行" in terminal.getvalue()
