"""The foundation as a user runs it: init, dept, pack, db, errors and languages."""

from __future__ import annotations

import json

from medisup import config


def test_init_creates_database_and_first_department(bare_cli, empty_db_url):
    result = bare_cli("--db", empty_db_url, "init", "--code", "150000",
                      "--name", "内蒙古自治区医疗保障局", "--pack", "nm-2024", dept=None)
    assert result.exit_code == 0, result.stderr
    assert "已登记首个部门 150000" in result.stderr
    # the department is saved as the operator's own in the configuration file
    assert config.config_file_values().get("dept") == "150000"
    listing = bare_cli("--db", empty_db_url, "dept", "list", "-f", "json", dept=None)
    assert listing.exit_code == 0, listing.stderr
    assert [d["code"] for d in json.loads(listing.stdout)] == ["150000"]
    again = bare_cli("--db", empty_db_url, "init", dept=None)
    assert again.exit_code == 0 and "已有 1 个部门" in again.stderr


def test_init_without_first_department_in_script_is_refused(bare_cli, empty_db_url):
    result = bare_cli("--db", empty_db_url, "--no-input", "init", "--code", "150000", dept=None)
    assert result.exit_code == 1
    assert "--name" in result.stderr and "--pack" in result.stderr


def test_init_with_bad_code_writes_nothing(bare_cli, empty_db_url, tmp_path):
    result = bare_cli("--db", empty_db_url, "init", "--code", "15000", "--name", "x",
                      "--pack", "nm-2024", dept=None)
    assert result.exit_code == 1
    assert "15000" in result.stderr
    if empty_db_url.startswith("sqlite"):
        assert not (tmp_path / "medisup.db").exists()


def test_init_with_unknown_pack(bare_cli, empty_db_url):
    result = bare_cli("--db", empty_db_url, "init", "--code", "150000", "--name", "x",
                      "--pack", "hn-2025", dept=None)
    assert result.exit_code == 1 and "hn-2025" in result.stderr


def test_dept_add_list_show(cli):
    added = cli("dept", "add", "150104", "玉泉区医疗保障局", "--parent", "150100", "--quota", "8")
    assert added.exit_code == 0, added.stderr
    shown = cli("dept", "show", "150104", "-f", "json")
    doc = json.loads(shown.stdout)
    assert doc["parent_code"] == "150100" and doc["pack"] == "nm-2024" and doc["quota"] == 8
    listing = cli("dept", "list", "--under", "150100", "-f", "csv")
    lines = listing.stdout.strip().splitlines()
    assert lines[0].startswith("code,name,level") and len(lines) == 5


def test_dept_table_shows_labels(cli):
    result = cli("dept", "list", dept="150100")
    assert "呼和浩特市医疗保障局" in result.stdout and "市级" in result.stdout


def test_dept_errors_are_one_line(cli):
    for args, code in [
        (("dept", "add", "1501", "x"), 1),
        (("dept", "add", "150102", "重复", "--parent", "150100"), 1),
        (("dept", "add", "450103", "青秀区", "--parent", "450100"), 1),  # outside 150000
        (("dept", "show", "999999"), 1),
    ]:
        result = cli(*args)
        assert result.exit_code == code, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr


def test_missing_department_setting_is_usage_error(cli):
    result = cli("dept", "list", dept=None)
    assert result.exit_code == 2 and "MEDISUP_DEPT" in result.stderr


def test_unknown_option_is_usage_error(cli):
    result = cli("dept", "list", "--colour")
    assert result.exit_code == 2 and "--colour" in result.stderr


def test_english(cli):
    result = cli("dept", "add", "1501", "x", env={"MEDISUP_LANG": "en"})
    assert "expected a 6-digit" in result.stderr


def test_debug_shows_traceback(cli):
    result = cli("--debug", "dept", "show", "999999")
    assert result.exit_code == 1 and "Traceback" in result.stderr
