"""``medisup supervisor`` as a user runs it: exit codes, one-line errors naming field and
value, masked output, JSON for scripts, and nothing written after a failure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from clock import TODAY
from helpers_supervisors import appoint, make_credit_code, make_id

T = TODAY


def apply_args(number: str, *extra: str, dept: str = "150102") -> tuple[str, ...]:
    return ("supervisor", "apply", "--name", "王五", "--id-number", number,
            "--category", "参保群众", "--channel", "open", "--department", dept,
            "--phone", "13812345678", *extra)


def audit_count(cli) -> int:
    return len(json.loads(cli("audit", "log", "--limit", "0", "-f", "json").stdout))


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# ── apply ─────────────────────────────────────────────────────────────────


def test_apply_with_options_alone(cli):
    number = make_id()
    code = make_credit_code()
    result = cli(*apply_args(number, "--interest", f"新城区人民医院:{code}",
                             "--finding", "integrity=met:单位证明", "-f", "json"))
    assert result.exit_code == 0, result.stderr
    assert "已登记 王五（150102********" in result.stderr
    assert number not in result.stderr
    assert "尚不能聘任" in result.stderr and "第五条（二）" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["status"] == "pending" and doc["department_code"] == "150102"
    findings = {f["criterion"]: f for f in doc["findings"]}
    assert findings["integrity"]["note"] == "单位证明"
    assert findings["citizen"]["article"] == "第五条（一）"


def test_apply_explain_prints_each_finding_with_its_clause(cli):
    result = cli(*apply_args(make_id(), "--all-met", "--explain"))
    assert result.exit_code == 0, result.stderr
    for article in ("第五条（一）", "第五条（六）", "第十二条（一）"):
        assert article in result.stdout
    assert "资格审查" in result.stdout and "尚不能聘任" not in result.stderr


def test_apply_without_required_options_and_no_terminal_is_a_usage_error(cli):
    result = cli("supervisor", "apply", "--name", "王五")
    assert result.exit_code == 2
    line = one_line(result)
    assert "--id-number" in line and "--category" in line and "--channel" in line
    assert "--name" not in line


def test_no_input_forbids_prompts(cli, monkeypatch):
    from medisup.cli import common

    monkeypatch.setattr(common.sys.stdin, "isatty", lambda: True, raising=False)
    result = cli("--no-input", "supervisor", "apply", "--name", "王五")
    assert result.exit_code == 2 and "--channel" in result.stderr


@pytest.mark.parametrize("args, named", [
    (("--id-number", "150102199001010116"), "150102********0116"),  # masked
    (("--gender", "女"), "女"),
    (("--birth-date", "1990-02-01"), "1990-02-01"),
    (("--category", "宇航员"), "宇航员"),
    (("--channel", "抽签"), "抽签"),
    (("--interest", "某医院:91150102MA0N123450"), "91150102MA0N123450"),
    (("--finding", "integrity=perhaps"), "integrity=perhaps"),
    (("--applied-on", "2024-13-01"), "2024-13-01"),
])
def test_apply_bad_input_is_one_line_and_writes_nothing(cli, args, named):
    before = audit_count(cli)
    base = list(apply_args(make_id(birth="19900101")))
    option = args[0]
    if option in base:  # replace the option's value rather than repeat it
        index = base.index(option)
        base[index + 1] = args[1]
    else:
        base += list(args)
    result = cli(*base)
    assert result.exit_code == 1, result.stderr
    line = one_line(result)
    assert named in line and "无效" in line
    assert audit_count(cli) == before
    assert json.loads(cli("supervisor", "list", "-f", "json").stdout) == []


# ── approve / reject ──────────────────────────────────────────────────────


def test_approve_with_explain(cli):
    number = make_id()
    assert cli(*apply_args(number)).exit_code == 0
    result = cli("supervisor", "approve", number, "--all-met", "--explain")
    assert result.exit_code == 0, result.stderr
    assert "已聘任 王五" in result.stderr
    end = (T.replace(year=T.year + 2) - timedelta(days=1)) if not (T.month == 2 and T.day == 29) else None
    if end:
        assert f"{T.isoformat()} 至 {end.isoformat()}" in result.stderr
    assert "第五条（三）" in result.stdout


def test_approve_json_gives_the_term(cli):
    number = make_id()
    cli(*apply_args(number, "--all-met"))
    result = cli("supervisor", "approve", number, "--start", T.isoformat(), "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["number"] == 1 and doc["start_date"] == T.isoformat()
    assert any(f["criterion"] == "not_serving" for f in doc["findings"])


def test_approve_refused_is_exit_1_naming_the_clauses(cli):
    number = make_id()
    cli(*apply_args(number))
    result = cli("supervisor", "approve", number)
    assert result.exit_code == 1
    line = one_line(result)
    assert "不符合聘任条件" in line and "第五条（二）" in line
    shown = json.loads(cli("supervisor", "show", number, "-f", "json").stdout)
    assert shown["applications"][0]["status"] == "pending" and shown["terms"] == []


def test_quota_full_on_the_command_line(cli, seeded):
    for _ in range(3):
        appoint(seeded, "150102", make_id())
    number = make_id()
    cli(*apply_args(number, "--all-met"))
    result = cli("supervisor", "approve", number, dept="150102")
    assert result.exit_code == 1
    assert "名额已满" in one_line(result)


def test_reject(cli):
    number = make_id()
    cli(*apply_args(number))
    missing = cli("supervisor", "reject", "--yes", number)
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    result = cli("supervisor", "reject", "--yes", number, "--reason", "工作单位为定点医药机构")
    assert result.exit_code == 0 and "已驳回" in result.stderr
    shown = json.loads(cli("supervisor", "show", number, "-f", "json").stdout)
    assert shown["statuses"][0]["status"] == "rejected"


def test_unknown_person_names_the_masked_id(cli):
    number = make_id()
    result = cli("supervisor", "show", number)
    assert result.exit_code == 1
    line = one_line(result)
    assert number not in line and number[-4:] in line and "没有找到" in line


# ── renew / terminate / discipline ────────────────────────────────────────


def test_renew_under_gx_needs_the_consent_date(cli, seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number)
    result = cli("supervisor", "renew", number, dept="450102")
    assert result.exit_code == 1
    line = one_line(result)
    assert "本人同意续聘日期" in line and "--consent-date" in line
    done = cli("supervisor", "renew", number, "--consent-date", T.isoformat(), "-f", "json",
               dept="450102")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["consent_on"] == T.isoformat()


def test_renew_nm(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    result = cli("supervisor", "renew", number)
    assert result.exit_code == 0 and "第 2 聘期" in result.stderr


def test_terminate_with_referral(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    refused = cli("supervisor", "terminate", number, "--ground", "violation", "--yes")
    assert refused.exit_code != 0 and "第十二条（一）" in refused.stderr  # no recorded breach
    assert cli("supervisor", "discipline", number, "--rule", "secrecy").exit_code == 0
    result = cli("supervisor", "terminate", "--yes", number, "--ground", "violation",
                 "--note", "泄露案件信息", "--referral", "公安机关", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "第十二条（一）" in result.stderr and "公安机关" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["ground"] == "violation" and doc["referral"] == "公安机关"


def test_terminate_missing_ground_is_a_usage_error(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    result = cli("supervisor", "terminate", "--yes", number)
    assert result.exit_code == 2 and "--ground" in result.stderr


@pytest.mark.parametrize("args, fragment", [
    (("--ground", "retired"), "retired"),
    (("--ground", "resigned", "--effective", "2001-01-01"), "2001-01-01"),
    (("--ground", "resigned", "--effective", "yesterday"), "yesterday"),
])
def test_terminate_bad_input(cli, seeded, args, fragment):
    number = make_id()
    appoint(seeded, "150102", number)
    before = audit_count(cli)
    result = cli("supervisor", "terminate", "--yes", number, *args)
    assert result.exit_code == 1
    assert fragment in one_line(result)
    assert audit_count(cli) == before


def test_terminating_someone_not_serving(cli):
    number = make_id()
    cli(*apply_args(number))
    result = cli("supervisor", "terminate", "--yes", number, "--ground", "resigned")
    assert result.exit_code == 1 and "不在聘" in one_line(result)


def test_discipline(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    result = cli("supervisor", "discipline", number, "--rule", "gifts", "--note", "收受购物卡",
                 "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "第九条（三）" in result.stderr
    assert json.loads(result.stdout)["rule"] == "gifts"
    bad = cli("supervisor", "discipline", number, "--rule", "gossip")
    assert bad.exit_code == 1 and "gossip" in one_line(bad)


# ── interests ─────────────────────────────────────────────────────────────


def test_interests_add_list_remove(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    code = make_credit_code()
    added = cli("supervisor", "interests", number, "add", "--name", "新城区人民医院",
                "--credit-code", code)
    assert added.exit_code == 0, added.stderr
    listed = json.loads(cli("supervisor", "interests", number, "-f", "json").stdout)
    assert [(i["institution_name"], i["credit_code"]) for i in listed] == [("新城区人民医院", code)]
    removed = cli("supervisor", "interests", number, "remove", "--credit-code", code)
    assert removed.exit_code == 0
    listed = json.loads(cli("supervisor", "interests", number, "-f", "json").stdout)
    assert listed[0]["withdrawn_on"] == T.isoformat()
    assert json.loads(cli("supervisor", "interests", number, "list", "--active", "-f",
                          "json").stdout) == []
    assert cli("supervisor", "interests", number, "remove").exit_code == 2
    assert cli("supervisor", "interests", number, "drop").exit_code == 2
    bad = cli("supervisor", "interests", number, "add", "--name", "某医院", "--credit-code", "123")
    assert bad.exit_code == 1 and "123" in one_line(bad)


# ── list / show / update ──────────────────────────────────────────────────


def test_list_masks_unless_revealed_and_audits_the_reveal(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number, name="赵六")
    masked = cli("supervisor", "list", "--wide")
    assert masked.exit_code == 0
    assert "赵六" in masked.stdout and "在聘" in masked.stdout
    assert number not in masked.stdout and "138****5678" in masked.stdout
    shown = cli("supervisor", "list", "--reveal", "-f", "json")
    rows = json.loads(shown.stdout)
    assert rows[0]["id_number"] == number and rows[0]["phone"] == "13812345678"
    assert rows[0]["status"] == "serving" and rows[0]["categories"] == ["insured"]
    log = json.loads(cli("audit", "log", "--action", "reveal", "-f", "json").stdout)
    assert log[0]["entity"] == "person" and log[0]["command"] == "supervisor list"


def test_list_filters(cli, seeded):
    appoint(seeded, "150102", make_id(), name="甲")
    appoint(seeded, "150103", make_id(), name="乙", start=T - timedelta(days=2 * 366 + 5))
    names = lambda *args: [r["name"] for r in json.loads(  # noqa: E731
        cli("supervisor", "list", "-f", "json", *args).stdout)]
    assert names() == ["甲", "乙"]
    assert names("--department", "150103") == ["乙"]
    assert names("--status", "在聘") == ["甲"]
    assert names("--status", "expired") == ["乙"]
    assert names("--ending-before", T.isoformat()) == ["乙"]
    assert names("--ending-within", "800") == ["甲"]
    assert names("--as-of", (T - timedelta(days=60)).isoformat()) == ["乙"]
    assert names("--category", "参保群众", "--channel", "公开选聘") == ["甲", "乙"]
    bad = cli("supervisor", "list", "--status", "退休")
    assert bad.exit_code == 1 and "退休" in one_line(bad)
    csv = cli("supervisor", "list", "-f", "csv").stdout.splitlines()
    assert csv[0].startswith("person_id,id_number,name") and len(csv) == 3


def test_show_sections_in_json_and_table(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    cli("supervisor", "terminate", "--yes", number, "--ground", "resigned")
    doc = json.loads(cli("supervisor", "show", number, "-f", "json").stdout)
    assert doc["id_number"] == number[:6] + "********" + number[-4:]
    for key in ("statuses", "applications", "findings", "terms", "certificates",
                "terminations", "discipline", "interests"):
        assert key in doc
    assert doc["terminations"][0]["ground"] == "resigned"
    table = cli("supervisor", "show", number, "--explain")
    assert table.exit_code == 0
    for title in ("聘期", "资格审查", "解聘"):
        assert title in table.stdout
    # an empty history (no declared interests) is left out of the table, kept in JSON
    assert "利害关系申报" not in table.stdout and doc["interests"] == []
    assert "第十二条（五）" in table.stdout and "第五条（一）" in table.stdout


def test_update_contact_details(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    nothing = cli("supervisor", "update", number)
    assert nothing.exit_code == 2 and "--phone" in nothing.stderr
    result = cli("supervisor", "update", number, "--phone", "0471-6543210", "--category",
                 "expert", "--category", "人大代表")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(cli("supervisor", "show", number, "--reveal", "-f", "json").stdout)
    assert doc["phone"] == "0471-6543210" and doc["categories"] == ["expert", "npc_deputy"]
    bad = cli("supervisor", "update", number, "--email", "not-an-address")
    assert bad.exit_code == 1 and "not-an-address" in one_line(bad)
    log = json.loads(cli("audit", "log", "--entity", "person", "--action", "update",
                         "-f", "json").stdout)
    assert log[0]["before"]["phone"] == "138****5678"  # masked in the log unless revealed


def test_english_messages(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    result = cli("supervisor", "renew", make_id(), env={"MEDISUP_LANG": "en"})
    assert result.exit_code == 1 and "No person with ID number" in result.stderr
    shown = cli("supervisor", "list", env={"MEDISUP_LANG": "en"})
    assert "serving" in shown.stdout


def test_every_supervisor_command_has_help(cli):
    result = cli("supervisor", "--help")
    assert result.exit_code == 0
    for command in ("apply", "approve", "reject", "list", "show", "update", "renew",
                    "terminate", "discipline", "interests"):
        assert command in result.stdout
