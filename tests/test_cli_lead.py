"""``medisup lead`` as a user runs it: every command, exit codes, one-line errors that
name field and value, nothing written after a failure, masked and revealed output."""

from __future__ import annotations

import json

import pytest
from helpers_leads import (
    GX_HOSPITAL,
    GX_HOSPITAL_CODE,
    HOSPITAL,
    HOSPITAL_CODE,
    PHARMACY_CODE,
    add_supervisor,
    count_rows,
)

from medisup.models import AuditEntry, Lead


@pytest.fixture
def sup(seeded):
    return add_supervisor(seeded, interests=((HOSPITAL, HOSPITAL_CODE),))


def log_args(sup, *extra, received="2024-09-27", code="A1", credit=HOSPITAL_CODE,
             kind="medical_institution", name=HOSPITAL, amount="12800"):
    args = ["lead", "log", "--supervisor", sup, "--received", received, "--channel", "电话",
            "--target-kind", kind, "--target-name", name, "--code", code,
            "--description", "该院虚构住院病历套取医保基金", "--amount", amount]
    if credit:
        args += ["--credit-code", credit]
    return [*args, *extra]


def logged(cli, sup, **kw) -> str:
    dept = kw.pop("dept", "150100")
    result = cli(*log_args(sup, "-f", "json", **kw), dept=dept)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["number"]


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# ── help and taxonomy ─────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "command",
    [(), ("taxonomy",), ("log",), ("list",), ("show",), ("update",), ("extend",), ("check",),
     ("reward",), ("reward", "compute"), ("reward", "override"), ("reward", "notify"),
     ("reward", "claim"), ("reward", "cancel")],
)
def test_every_lead_command_has_help(cli, command):
    result = cli("lead", *command, "--help")
    assert result.exit_code == 0 and "--help" in result.stdout


def test_taxonomy_tree_for_the_operators_pack(cli):
    result = cli("lead", "taxonomy", dept="150102")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "nm-2024" in out and "A 涉及对定点医疗机构及其工作人员的监督" in out
    assert "A1 虚构医药服务、伪造文书票据" in out and "第八条（一）1" in out
    assert "E1" in out and "F1" not in out


def test_taxonomy_json_and_csv(cli):
    doc = json.loads(cli("lead", "taxonomy", "--pack", "gx-trial", "-f", "json").stdout)
    assert doc["pack"] == "gx-trial"
    subjects = {s["code"]: s for s in doc["subjects"]}
    assert list(subjects) == ["A", "B", "C", "D", "E", "F", "G"]
    assert subjects["F"]["targets"] == ["agency"]
    assert [i["code"] for i in subjects["F"]["items"]] == ["F1", "F2", "F3", "F4", "F5"]
    assert [i["code"] for i in subjects["G"]["items"]] == ["G1", "G2"]
    assert "沿用内蒙古办法第八条（一）1" in subjects["A"]["items"][0]["article"]
    lines = cli("lead", "taxonomy", "--pack", "nm-2024", "-f", "csv").stdout.splitlines()
    assert lines[0] == "subject,subject_label,subject_article,targets,code,label,short,article"
    assert len(lines) == 1 + 25


def test_taxonomy_unknown_pack(cli):
    result = cli("lead", "taxonomy", "--pack", "hn-2025")
    assert result.exit_code == 1 and "hn-2025" in one_line(result)


# ── log ───────────────────────────────────────────────────────────────────


def test_log_by_options(cli, sup):
    result = cli(*log_args(sup), dept="150100")
    assert result.exit_code == 0, result.stderr
    assert "已登记线索 150102-2024-0001" in result.stderr
    assert "受理期限 2024-10-23" in result.stderr and "办结期限 2024-11-13" in result.stderr
    assert "已标记回避" in result.stderr and HOSPITAL in result.stderr
    assert result.stdout == ""


def test_log_json_masks_reporter_and_description(cli, sup):
    result = cli(*log_args(sup, "-f", "json", code="A1,A5"), dept="150100")
    doc = json.loads(result.stdout)
    assert doc["number"] == "150102-2024-0001"
    assert [i["code"] for i in doc["items"]] == ["A1", "A5"]
    assert doc["description"] == "******" and doc["supervisor_id_number"] != sup
    assert doc["amount_involved"] == "12800.00" and doc["conflict"] is True
    assert {"items", "events", "extensions", "rewards"} <= set(doc)


def test_log_without_options_in_a_script_is_a_usage_error(cli, sup):
    result = cli("lead", "log", "--supervisor", sup)
    assert result.exit_code == 2
    line = one_line(result)
    for option in ("--on", "--channel", "--target-kind", "--code", "--description"):
        assert option in line
    assert count_rows(cli_env(cli), Lead) == 0


def cli_env(cli):
    from conftest import Env

    return Env(cli.url)


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"code": "A10"}, "线索分类", "A10"),
        ({"code": "B1"}, "线索分类代码", "B1"),
        ({"kind": "pharmacy", "credit": PHARMACY_CODE}, "线索分类代码", "A1"),
        ({"amount": "-100"}, "涉案金额", "-100"),
        ({"amount": "abc"}, "涉案金额", "abc"),
        ({"received": "2024-13-01"}, "--on", "2024-13-01"),
        ({"credit": None}, "统一社会信用代码", ""),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(cli, sup, changes, field, value):
    audit_before = count_rows(cli_env(cli), AuditEntry)
    result = cli(*log_args(sup, **changes), dept="150100")
    assert result.exit_code == 1
    line = one_line(result)
    assert field in line and f"“{value}”" in line
    assert count_rows(cli_env(cli), Lead) == 0
    assert count_rows(cli_env(cli), AuditEntry) == audit_before


def test_lead_from_a_supervisor_not_serving(cli, seeded):
    former = add_supervisor(seeded, end=__import__("datetime").date(2024, 6, 30))
    result = cli(*log_args(former), dept="150100")
    assert result.exit_code == 1
    assert "2024-09-27" in one_line(result) and "不在聘期内" in result.stderr
    assert count_rows(seeded, Lead) == 0


def test_unknown_supervisor(cli, sup):
    result = cli(*log_args("150102199001011234"), dept="150100")
    assert result.exit_code == 1 and "150102********1234" in one_line(result)


def test_errors_in_english(cli, sup):
    result = cli(*log_args(sup, amount="abc"), dept="150100", env={"MEDISUP_LANG": "en"})
    assert result.exit_code == 1
    assert "amount involved" in one_line(result) and "abc" in result.stderr


# ── list, show, reveal ────────────────────────────────────────────────────


def test_list_masks_and_reveal_is_audited(cli, sup):
    number = logged(cli, sup)
    table = cli("lead", "list", "--wide", dept="150100")
    assert table.exit_code == 0, table.stderr
    assert number in table.stdout and sup not in table.stdout
    assert sup[:6] + "********" + sup[-4:] in table.stdout
    assert "虚构住院" not in table.stdout and "回避" in table.stdout

    masked = json.loads(cli("lead", "list", "-f", "json", dept="150100").stdout)
    assert masked[0]["description"] == "******"
    assert masked[0]["supervisor_phone"] == "138****5678"

    revealed = cli("lead", "list", "--reveal", "-f", "json", dept="150100")
    doc = json.loads(revealed.stdout)
    assert doc[0]["description"] == "该院虚构住院病历套取医保基金"
    assert doc[0]["supervisor_id_number"] == sup
    log = json.loads(cli("audit", "log", "--action", "reveal", "-f", "json").stdout)
    assert log[0]["entity"] == "lead" and log[0]["after"] == {"leads": [number]}
    assert log[0]["command"] == "lead list"


def test_list_filters_and_overdue(cli, sup):
    first = logged(cli, sup)
    second = logged(cli, sup, received="2024-10-08")
    cli("lead", "update", first, "--to", "in_progress", "--unit", "稽核科", "--on", "2024-09-30",
        dept="150100")

    def numbers(*args):
        result = cli("lead", "list", "-f", "json", *args, dept="150100")
        assert result.exit_code == 0, result.stderr
        return [r["number"] for r in json.loads(result.stdout)]

    # Lists are newest first (the table pages from the newest; scripts get the same order).
    assert numbers() == [second, first]
    assert numbers("--status", "in_progress") == [first]
    assert numbers("--since", "2024-10-01") == [second]
    assert numbers("--code", "A1", "--subject", "A", "--target", "某某") == [second, first]
    assert numbers("--supervisor", sup, "--conflict") == [second, first]
    # 8 Oct + 15 working days (Saturday 12 October worked) = 28 Oct; first closes by 15 Nov.
    assert numbers("--overdue", "--as-of", "2024-10-28") == []
    assert numbers("--overdue", "--as-of", "2024-10-29") == [second]
    assert numbers("--overdue", "--as-of", "2024-11-18") == [second, first]
    assert numbers("--limit", "1") == [second]
    assert numbers("--limit", "1", "--page", "2") == [first]
    csv = cli("lead", "list", "-f", "csv", dept="150100").stdout.splitlines()
    assert csv[0].startswith("number,department_code,received_on") and len(csv) == 3
    bad = cli("lead", "list", "--status", "done", dept="150100")
    assert bad.exit_code == 1 and "done" in one_line(bad)


def test_show_sections_and_reveal(cli, sup):
    number = logged(cli, sup)
    shown = cli("lead", "show", number, dept="150100")
    assert shown.exit_code == 0, shown.stderr
    for title in ("线索分类", "办理记录", "已登记", "虚构医药服务"):
        assert title in shown.stdout
    assert "虚构住院" not in shown.stdout
    doc = json.loads(cli("lead", "show", number, "--reveal", "-f", "json").stdout)
    assert doc["description"].startswith("该院") and doc["conflict_with"] == HOSPITAL
    assert [e["to_status"] for e in doc["events"]] == ["received"]
    assert doc["items"][0]["code"] == "A1"
    log = json.loads(cli("audit", "log", "--action", "reveal", "-f", "json").stdout)
    assert log[0]["entity_id"] == number
    missing = cli("lead", "show", "150102-2024-0099")
    assert missing.exit_code == 1 and "150102-2024-0099" in one_line(missing)


# ── update and extend ─────────────────────────────────────────────────────


def test_update_through_every_step(cli, sup):
    number = logged(cli, sup)
    steps = [
        ("--to", "in_progress", "--unit", "基金监管科", "--on", "2024-09-30"),
        ("--to", "已查实", "--verified-amount", "50000", "--on", "2024-10-20"),
        ("--to", "closed", "--recovered-amount", "48000", "--on", "2024-11-01"),
    ]
    for step in steps:
        result = cli("lead", "update", number, *step, dept="150100")
        assert result.exit_code == 0, result.stderr
    assert "已于 2024-11-01 转为“已办结”" in result.stderr
    doc = json.loads(cli("lead", "show", number, "-f", "json").stdout)
    assert doc["status"] == "closed" and doc["recovered_amount"] == "48000.00"
    assert [e["to_status"] for e in doc["events"]] == [
        "received", "in_progress", "verified", "closed"]
    assert doc["handling_unit"] == "基金监管科" and doc["closed_on"] == "2024-11-01"


def test_update_out_of_order_is_refused(cli, sup):
    number = logged(cli, sup)
    before = count_rows(cli_env(cli), AuditEntry)
    result = cli("lead", "update", number, "--to", "closed", dept="150100")
    assert result.exit_code == 1
    line = one_line(result)
    assert "已登记" in line and "已办结" in line and "办理中" in line
    assert count_rows(cli_env(cli), AuditEntry) == before
    missing = cli("lead", "update", number, dept="150100")
    assert missing.exit_code == 2 and "--to" in one_line(missing)


def test_update_outcome_only(cli, sup):
    number = logged(cli, sup)
    cli("lead", "update", number, "--to", "in_progress", "--unit", "稽核科", dept="150100")
    cli("lead", "update", number, "--to", "verified", dept="150100")
    result = cli("lead", "update", number, "--verified-amount", "3000", dept="150100")
    assert result.exit_code == 0, result.stderr
    bad = cli("lead", "update", number, "--recovered-amount", "5000", dept="150100")
    assert bad.exit_code == 1 and "5000" in one_line(bad)


def test_extend(cli, sup):
    number = logged(cli, sup)
    cli("lead", "update", number, "--to", "in_progress", "--unit", "稽核科", "--on", "2024-09-30",
        dept="150100")
    result = cli("lead", "extend", number, "--days", "10", "--approved-by", "王局长",
                 "--reason", "案情复杂", "--on", "2024-11-01", dept="150100")
    assert result.exit_code == 0, result.stderr
    assert "办结期限改为 2024-11-29" in result.stderr
    too_many = cli("lead", "extend", number, "--days", "25", "--approved-by", "王局长",
                   "--reason", "再延", "--on", "2024-11-02", dept="150100")
    assert too_many.exit_code == 1 and "25" in one_line(too_many)
    doc = json.loads(cli("lead", "show", number, "-f", "json").stdout)
    assert [x["working_days"] for x in doc["extensions"]] == [10]


# ── rewards ───────────────────────────────────────────────────────────────


def gx_verified(cli, seeded, amount="100000") -> str:
    person = add_supervisor(seeded, dept="450102", name="韦五")
    number = logged(cli, person, dept="450100", name=GX_HOSPITAL, credit=GX_HOSPITAL_CODE,
                    received="2024-03-01")
    for step in (("--to", "in_progress", "--unit", "基金监管科", "--on", "2024-03-04"),
                 ("--to", "verified", "--verified-amount", amount, "--on", "2024-04-01")):
        result = cli("lead", "update", number, *step, dept="450100")
        assert result.exit_code == 0, result.stderr
    return number


def test_reward_life_in_gx(cli, seeded):
    number = gx_verified(cli, seeded)
    result = cli("lead", "reward", "compute", number, "--level", "grade2", "--insider",
                 dept="450100")
    assert result.exit_code == 0, result.stderr
    assert "4500.00 元" in result.stderr and "广西办法第十二条" in result.stderr
    doc = json.loads(cli("lead", "reward", "override", number, "--amount", "5000", "--reason",
                         "集体研究", "-f", "json", dept="450100").stdout)
    assert doc["amount"] == "5000.00" and doc["computed"] == "4500.00"
    notified = cli("lead", "reward", "notify", number, "--on", "2024-04-10", dept="450100")
    assert "领取期限 2024-06-10" in notified.stderr
    late = cli("lead", "reward", "claim", number, "--on", "2024-06-11", dept="450100")
    assert late.exit_code == 1 and "2024-06-10" in one_line(late)
    claimed = cli("lead", "reward", "claim", number, "--on", "2024-06-01", dept="450100")
    assert claimed.exit_code == 0, claimed.stderr
    shown = json.loads(cli("lead", "show", number, "-f", "json", dept="450100").stdout)
    assert [(r["status"], r["amount"]) for r in shown["rewards"]] == [("claimed", "5000.00")]


def test_reward_bad_input(cli, seeded):
    number = gx_verified(cli, seeded)
    no_level = cli("lead", "reward", "compute", number, dept="450100")
    assert no_level.exit_code == 1 and "奖励等级" in one_line(no_level)
    cli("lead", "reward", "compute", number, "--level", "grade1", dept="450100")
    no_reason = cli("lead", "reward", "override", number, "--amount", "10", dept="450100")
    assert no_reason.exit_code == 2 and "--reason" in one_line(no_reason)
    bad_amount = cli("lead", "reward", "override", number, "--amount", "十元", "--reason", "x",
                     dept="450100")
    assert bad_amount.exit_code == 1 and "十元" in one_line(bad_amount)


def test_nm_has_no_reward_rule(cli, sup):
    number = logged(cli, sup)
    cli("lead", "update", number, "--to", "in_progress", "--unit", "稽核科", dept="150100")
    cli("lead", "update", number, "--to", "verified", "--verified-amount", "1000", dept="150100")
    result = cli("lead", "reward", "compute", number, "--level", "grade1", dept="150100")
    assert result.exit_code == 1
    assert "本办法未规定对社会监督员反映线索的奖励" in one_line(result)


# ── check ─────────────────────────────────────────────────────────────────


def test_check_clean_and_with_findings(cli, seeded, sup):
    number = logged(cli, sup)
    # The lead came in in 2024 and is still open: overdue is the only finding.
    open_late = cli("lead", "check")
    assert open_late.exit_code == 1 and "线索超期" in open_late.stdout
    assert [f["kind"] for f in json.loads(cli("lead", "check", "-f", "json").stdout)] == [
        "overdue"]
    clean = cli("lead", "check", "--department", "150103")
    assert clean.exit_code == 0 and "未发现问题" in clean.stderr

    from datetime import date

    from sqlmodel import select

    from medisup.models import Term

    with seeded.uow("150000") as uow:
        term = uow.session.exec(select(Term)).one()
        term.terminated_on = date(2024, 9, 1)
        uow.session.add(term)
    found = cli("lead", "check")
    assert found.exit_code == 1
    assert number in found.stdout and "反映人不在聘期内" in found.stdout
    doc = [f for f in json.loads(cli("lead", "check", "-f", "json").stdout)
           if f["kind"] != "overdue"]
    assert doc == [{"kind": "not_serving", "number": number,
                    "detail": "监督员 张三 在收到线索之日（2024-09-27）不在聘期内"}]
    assert cli("lead", "check", "--department", "150103").exit_code == 0


def test_check_command_is_exposed_for_the_root_app():
    from medisup.cli import lead

    assert lead.check_command is lead.check


def test_reward_refused_for_breach_of_agreement_in_gx(cli, seeded):
    """GX Art. 6(四) 违约 (G2) is not fraud: Art. 12 gives no reward, one line, nothing written."""
    from medisup.models import Reward

    person = add_supervisor(seeded, dept="450102", name="韦五")
    number = logged(cli, person, dept="450100", name=GX_HOSPITAL, credit=GX_HOSPITAL_CODE,
                    received="2024-03-01", code="G2")
    for step in (("--to", "in_progress", "--unit", "基金监管科", "--on", "2024-03-04"),
                 ("--to", "verified", "--verified-amount", "1000", "--on", "2024-04-01")):
        assert cli("lead", "update", number, *step, dept="450100").exit_code == 0
    result = cli("lead", "reward", "compute", number, "--level", "grade3", dept="450100")
    line = one_line(result)
    assert result.exit_code == 1 and "G2" in line and "第十二条" in line
    assert count_rows(seeded, Reward) == 0
