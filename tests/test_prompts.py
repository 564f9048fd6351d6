"""Wizards as a clerk meets them, driven through prompt_toolkit's pipe input: a typo
refused at its question, one answer changed from the summary, a refused save that keeps
every answer, Ctrl-C at any question writing nothing, destructive commands that confirm,
and questionary's own words in Chinese."""

from __future__ import annotations

import json

import pytest
import typer
from helpers_leads import add_supervisor
from helpers_supervisors import appoint, make_id
from helpers_wizard import (
    CANCEL,
    CHANGE,
    CTRL_C,
    DOWN,
    ENTER,
    FIX,
    GIVE_UP,
    SAVE,
    SPACE,
    erase,
    terminal,
)

ABORTED = "已取消，未写入任何内容。"


def people(cli) -> list:
    return json.loads(cli("supervisor", "list", "-f", "json").stdout)


def audit_count(cli) -> int:
    return len(json.loads(cli("audit", "log", "--limit", "0", "-f", "json").stdout))


def apply_keys(number: str, *, phone: str = "") -> list[str]:
    """One answer per question of `supervisor apply --department 150102 --all-met`."""
    return [
        "王五" + ENTER,          # 姓名
        number + ENTER,          # 身份证号
        phone + ENTER,           # 联系电话
        SPACE + ENTER,           # 人员类别: 人大代表
        ENTER,                   # 选聘方式: 公开选聘
        ENTER,                   # 工作单位
        ENTER,                   # 专业背景: 不填
        ENTER,                   # 健康状况 (第六条): 不填
        ENTER,                   # 招聘公告或邀请函文号: 不填
        ENTER,                   # 报名表日期: 不填
    ]


def test_one_answer_changed_from_the_summary(cli, monkeypatch):
    number = make_id()
    keys = "".join(apply_keys(number)) + CHANGE + DOWN * 2 + ENTER + "13812345678" + ENTER + SAVE
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "apply", "--department", "150102", "--all-met")
    assert result.exit_code == 0, result.stderr
    assert "确认保存" not in result.stdout  # prompts and the summary stay off stdout
    shown = json.loads(cli("supervisor", "show", number, "--reveal", "-f", "json").stdout)
    assert shown["phone"] == "13812345678" and shown["name"] == "王五"


def test_a_phone_typo_is_refused_at_its_question(cli, monkeypatch):
    number = make_id()
    keys = apply_keys(number)
    keys[2] = "1381234567" + ENTER + "8" + ENTER  # ten digits refused; one more accepted
    with terminal(monkeypatch, "".join(keys) + SAVE):
        result = cli("supervisor", "apply", "--department", "150102", "--all-met")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("supervisor", "show", number, "--reveal", "-f", "json").stdout)
    assert shown["phone"] == "13812345678"


def test_a_refused_save_keeps_the_answers_and_prints_the_command(cli, monkeypatch):
    first, second = make_id(), make_id()
    with terminal(monkeypatch, "".join(apply_keys(first)) + SAVE):
        assert cli("supervisor", "apply", "--department", "150102", "--all-met").exit_code == 0
    # The same person again is refused when saved (a pending application): the answers
    # stay, the equivalent command line is printed, and 修改 of the ID number saves.
    keys = "".join(apply_keys(first)) + SAVE + FIX + DOWN + ENTER + erase() + second + ENTER + SAVE
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "apply", "--department", "150102", "--all-met")
    assert result.exit_code == 0, result.stderr
    assert "尚未审批" in result.stderr
    assert "--dept 150000 --operator 测试员 supervisor apply --name 王五 " \
        f"--id-number {first} --category npc_deputy --channel open --department 150102 " \
        "--all-met" in result.stderr
    assert {p["name"] for p in people(cli)} == {"王五"} and len(people(cli)) == 2


def test_giving_up_after_a_refused_save_exits_with_its_status(cli, monkeypatch):
    number = make_id()
    with terminal(monkeypatch, "".join(apply_keys(number)) + SAVE):
        cli("supervisor", "apply", "--department", "150102", "--all-met")
    before = audit_count(cli)
    with terminal(monkeypatch, "".join(apply_keys(number)) + SAVE + GIVE_UP):
        result = cli("supervisor", "apply", "--department", "150102", "--all-met")
    assert result.exit_code == 1
    assert audit_count(cli) == before


@pytest.mark.parametrize("answered", range(11))
def test_ctrl_c_at_any_question_writes_nothing(cli, monkeypatch, answered):
    keys = [*apply_keys(make_id()), ""]  # the last "question" is the summary
    before = audit_count(cli)
    with terminal(monkeypatch, "".join(keys[:answered]) + CTRL_C):
        result = cli("supervisor", "apply", "--department", "150102", "--all-met")
    assert result.exit_code == 130
    assert result.stderr.strip().endswith(ABORTED)
    assert people(cli) == [] and audit_count(cli) == before


def test_cancel_from_the_summary_writes_nothing(cli, monkeypatch):
    with terminal(monkeypatch, "".join(apply_keys(make_id())) + CANCEL):
        result = cli("supervisor", "apply", "--department", "150102", "--all-met")
    assert result.exit_code == 130 and ABORTED in result.stderr
    assert people(cli) == []


def test_categories_refuse_an_empty_choice(cli, monkeypatch):
    number = make_id()
    keys = apply_keys(number)
    keys[3] = ENTER + SPACE + ENTER  # nothing ticked: refused, the question stays
    with terminal(monkeypatch, "".join(keys) + SAVE):
        result = cli("supervisor", "apply", "--department", "150102", "--all-met")
    assert result.exit_code == 0, result.stderr


def test_criteria_all_met_in_one_answer(cli, monkeypatch):
    number = make_id()
    with terminal(monkeypatch, "".join(apply_keys(number)) + "y" + SAVE):
        result = cli("supervisor", "apply", "--department", "150102", "-f", "json")
    assert result.exit_code == 0, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert all(f["result"] in ("met", "warning") for f in findings)


# ---------------------------------------------------------------- lead log: the reporter


def lead_args(**skip) -> list[str]:
    args = {"--received": "2024-09-27", "--channel": "phone", "--target-kind": "insured_person",
            "--target-name": "李四", "--code": "C2", "--description": "冒名就医",
            "--amount": "100"}
    out = []
    for option, value in args.items():
        if option.strip("-").replace("-", "_") not in skip:
            out += [option, value]
    return out


def test_reporter_found_by_name_and_echoed(cli, seeded, monkeypatch):
    number = add_supervisor(seeded, name="张丽娟")
    with terminal(monkeypatch, "张丽娟" + ENTER + SAVE):
        result = cli("lead", "log", *lead_args(), "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    assert "张丽娟（新城区医疗保障局，在聘至 2025-12-31）" in result.stderr
    assert json.loads(result.stdout)["supervisor_id_number"].endswith(number[-4:])


def test_namesakes_are_offered_to_choose_from(cli, seeded, monkeypatch):
    add_supervisor(seeded, name="张丽娟", dept="150103")
    second = add_supervisor(seeded, name="张丽娟")
    with terminal(monkeypatch, "张丽娟" + ENTER + DOWN + ENTER + SAVE):
        result = cli("lead", "log", *lead_args(), "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("lead", "show", json.loads(result.stdout)["number"], "--reveal",
                           "-f", "json", dept="150100").stdout)
    assert shown["supervisor_id_number"] == second


def test_a_reporter_not_serving_that_day_is_refused_at_the_question(cli, seeded, monkeypatch):
    add_supervisor(seeded, name="王旧", end=__import__("datetime").date(2024, 6, 30))
    serving = add_supervisor(seeded, name="李新")
    keys = "王旧" + ENTER + erase(4) + "李新" + ENTER + SAVE
    with terminal(monkeypatch, keys):
        result = cli("lead", "log", *lead_args(), "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("lead", "show", json.loads(result.stdout)["number"], "--reveal",
                           "-f", "json", dept="150100").stdout)
    assert shown["supervisor_id_number"] == serving


def test_an_unknown_reporter_is_refused_at_the_question(cli, seeded, monkeypatch):
    number = add_supervisor(seeded, name="张丽娟")
    keys = "无此人" + ENTER + erase(4) + number + ENTER + SAVE
    with terminal(monkeypatch, keys):
        result = cli("lead", "log", *lead_args(), dept="150100")
    assert result.exit_code == 0, result.stderr


def test_changing_the_date_asks_the_reporter_again(cli, seeded, monkeypatch):
    add_supervisor(seeded, name="张丽娟")
    keys = (erase(12) + "2024-09-27" + ENTER + "张丽娟" + ENTER
            + CHANGE + ENTER + erase(12) + "2024-09-20" + ENTER + ENTER + SAVE)
    args = [a for a in lead_args() if a not in ("--received", "2024-09-27")]
    with terminal(monkeypatch, keys):
        result = cli("lead", "log", *args, "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["received_on"] == "2024-09-20"


# ---------------------------------------------------------------- init


def test_init_refuses_a_bad_code_and_preselects_the_pack(bare_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDISUP_CONFIG_DIR", str(tmp_path / "cfg"))
    db = f"sqlite:///{tmp_path / 'new.db'}"
    keys = ("450001" + ENTER + erase(1) + "0" + ENTER      # refused, then corrected
            + "广西壮族自治区医疗保障局" + ENTER
            + ENTER                                          # pack: preselected gx-trial
            + "abc" + ENTER + erase(3) + "30" + ENTER       # quota: refused, then 30
            + erase(20) + "韦科员" + ENTER + SAVE)
    with terminal(monkeypatch, keys):
        result = bare_cli("--db", db, "init")
    assert result.exit_code == 0, result.stderr
    assert "450000" in result.stderr and "gx-trial" in result.stderr
    shown = json.loads(bare_cli("--db", db, "--dept", "450000", "dept", "show", "450000",
                                "-f", "json").stdout)
    assert shown["pack"] == "gx-trial" and shown["quota"] == 30
    assert 'operator = "韦科员"' in (tmp_path / "cfg" / "config.toml").read_text("utf-8")


def test_init_pack_follows_the_province_of_the_code(bare_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDISUP_CONFIG_DIR", str(tmp_path / "cfg"))
    db = f"sqlite:///{tmp_path / 'new.db'}"
    keys = ("150000" + ENTER + "内蒙古自治区医疗保障局" + ENTER + ENTER + ENTER + ENTER + SAVE)
    with terminal(monkeypatch, keys):
        result = bare_cli("--db", db, "init")
    assert result.exit_code == 0, result.stderr
    assert "nm-2024" in result.stderr


# ---------------------------------------------------------------- destructive commands


def test_terminate_refuses_without_yes_under_no_input(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    result = cli("--no-input", "supervisor", "terminate", number, "--ground", "resigned")
    assert result.exit_code == 2 and "--yes" in result.stderr
    done = cli("--no-input", "supervisor", "terminate", number, "--ground", "resigned", "--yes")
    assert done.exit_code == 0, done.stderr


def test_a_script_without_a_terminal_is_not_asked_and_needs_yes(cli, seeded):
    """Input from a pipe (a script, cron) cannot confirm: the destructive command refuses
    naming --yes, as under --no-input, and writes nothing."""
    number = make_id()
    appoint(seeded, "150102", number)
    before = audit_count(cli)
    result = cli("supervisor", "terminate", number, "--ground", "resigned")
    assert result.exit_code == 2 and "--yes" in result.stderr and "将解聘" in result.stderr
    assert audit_count(cli) == before
    assert cli("supervisor", "terminate", number, "--ground", "resigned", "--yes").exit_code == 0


def test_discipline_wizard_asks_rule_date_and_note_then_confirms(cli, seeded, monkeypatch):
    number = make_id()
    appoint(seeded, "150102", number)
    keys = (DOWN + ENTER                 # the pack's second rule
            + erase(12) + "2026-05-20" + ENTER
            + "会议缺席" + ENTER
            + CHANGE + ENTER             # 修改 the rule from the summary ...
            + ENTER                      # ... prefilled: the same rule kept
            + SAVE)
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "discipline", number, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "登记违纪" in result.stderr  # the summary panel's title
    doc = json.loads(result.stdout)
    assert doc["occurred_on"] == "2026-05-20" and doc["note"] == "会议缺席"
    from medisup.packs import load_pack

    assert doc["rule"] == load_pack("nm-2024").discipline_rules[1].code


def test_discipline_wizard_refuses_a_bad_date_at_its_question(cli, seeded, monkeypatch):
    number = make_id()
    appoint(seeded, "150102", number)
    keys = (ENTER + erase(12) + "2026-13-01" + ENTER   # refused where it is typed
            + erase(12) + "2026-06-01" + ENTER + ENTER + SAVE)
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "discipline", number, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["occurred_on"] == "2026-06-01"


def test_interest_wizard_checks_the_credit_code_as_typed(cli, seeded, monkeypatch):
    number = make_id()
    appoint(seeded, "150102", number)
    keys = ("某某大药房" + ENTER
            + "91150102MA0XXXXXX" + ENTER            # refused at its question
            + erase(20) + ENTER                      # left empty instead
            + ENTER + ENTER + SAVE)                  # declared today, no note
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "interests", number, "add")
    assert result.exit_code == 0, result.stderr
    listed = json.loads(cli("supervisor", "interests", number, "-f", "json").stdout)
    assert [r["institution_name"] for r in listed] == ["某某大药房"]
    assert listed[0]["credit_code"] is None  # the bad code never reached the database
    assert listed[0]["declared_on"] == "2026-06-15"


def test_ctrl_c_in_the_interest_wizard_writes_nothing(cli, seeded, monkeypatch):
    number = make_id()
    appoint(seeded, "150102", number)
    before = audit_count(cli)
    with terminal(monkeypatch, "某某大药房" + ENTER + CTRL_C):
        result = cli("supervisor", "interests", number, "add")
    assert result.exit_code == 130 and ABORTED in result.stderr
    assert audit_count(cli) == before


def test_reject_refuses_without_yes_under_no_input(cli, seeded):
    number = make_id()
    from helpers_supervisors import apply

    apply(seeded, "150102", number)
    result = cli("--no-input", "supervisor", "reject", number, "--reason", "不符合条件")
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert cli("--no-input", "supervisor", "reject", number, "--reason", "不符合条件",
               "-y").exit_code == 0


def test_terminate_asks_in_a_terminal_and_declining_writes_nothing(cli, seeded, monkeypatch):
    number = make_id()
    appoint(seeded, "150102", number)
    before = audit_count(cli)
    with terminal(monkeypatch, "n"):
        result = cli("supervisor", "terminate", number, "--ground", "resigned")
    assert result.exit_code == 130 and ABORTED in result.stderr
    assert "将解聘" in result.stderr and audit_count(cli) == before
    with terminal(monkeypatch, "y"):
        result = cli("supervisor", "terminate", number, "--ground", "resigned")
    assert result.exit_code == 0, result.stderr


def test_terminate_wizard_asks_ground_date_and_referral(cli, seeded, monkeypatch):
    number = make_id()
    appoint(seeded, "150102", number)
    keys = (ENTER                                  # ground: violation (links to a referral)
            + ENTER                                # effective: today
            + "新城区医疗保障局稽核科" + ENTER   # referral
            + DOWN + ENTER                         # the breach: the pack's first rule
            + ENTER                                # on the effective date
            + ENTER                                # no note
            + SAVE)
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "terminate", number, "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["ground"] == "violation" and doc["referral"] == "新城区医疗保障局稽核科"
    shown = json.loads(cli("supervisor", "show", number, "-f", "json").stdout)
    assert len(shown["discipline"]) == 1


def test_terminate_wizard_on_an_ordinary_ground(cli, seeded, monkeypatch):
    number = make_id()
    appoint(seeded, "150102", number)
    keys = DOWN * 4 + ENTER + ENTER + ENTER + SAVE  # 本人申请, today, no note
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "terminate", number, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ground"] == "resigned"
    assert json.loads(cli("supervisor", "show", number, "-f", "json").stdout)["discipline"] == []


def test_import_undo_says_what_it_deletes(cli, seeded, monkeypatch, tmp_path):
    from test_import_supervisors import roster, row
    from test_import_supervisors import run as import_roster

    report = import_roster(seeded, roster(tmp_path / "a.xlsx", [
        row(make_id()), row(make_id(), seq=2)]))
    batch = str(report.batch_id)
    refused = cli("--no-input", "import", "undo", batch, dept="150100")
    assert refused.exit_code == 2
    assert "将删除 2 名人员" in refused.stderr and "--yes" in refused.stderr
    with terminal(monkeypatch, "n"):
        declined = cli("import", "undo", batch, dept="150100")
    assert declined.exit_code == 130 and "2 条聘期" in declined.stderr
    assert cli("--no-input", "import", "undo", batch, "--yes", dept="150100").exit_code == 0


# ---------------------------------------------------------------- the pieces


def test_command_line_keeps_every_option():
    from typer.main import get_command

    from medisup.cli.prompts import command_line

    app = typer.Typer()
    seen = {}

    @app.command()
    def go(ctx: typer.Context, name: str = typer.Option(None, "--name"),
           tag: list[str] = typer.Option(None, "--tag"), flag: bool = typer.Option(False, "--flag")):
        seen["line"] = command_line(ctx, {"name": "王 五", "tag": ["a", "b"], "flag": True})

    get_command(app).main(args=[], prog_name="x", standalone_mode=False)
    assert seen["line"] == "medisup --name '王 五' --tag a --tag b --flag"


def test_questionary_speaks_chinese():
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from questionary.prompts import confirm

    from medisup.cli.prompts import Prompter

    with create_pipe_input() as pipe:
        pipe.send_text(SPACE + ENTER)
        pipe.close()
        picked = Prompter(input=pipe, output=DummyOutput()).checkbox("类别", [("a", "甲  第二条")])
    assert picked == ["a"]
    assert confirm.NO_OR_YES == "（y 是 / N 否）" and confirm.YES == "是"


def test_the_answer_line_names_what_was_chosen():
    from medisup.cli.prompts import answer_text

    ticked = ["甲  第二条", "乙  第二条  （乙类）"]
    assert answer_text("done (2 selections)", ticked) == "甲、乙"
    assert answer_text("[甲  第二条]", ticked[:1]) == "甲"
    assert answer_text("单位推荐  第六条（三）", []) == "单位推荐"
    assert answer_text("done", []) == "（未选择）"


@pytest.mark.parametrize("width", [40, 60, 80, 100])
def test_long_choices_wrap_inside_the_terminal_and_read_back_whole(width):
    """Every nm Art. 8 item with its article, as the lead wizard lists them: no line wider
    than the terminal (prompt_toolkit would cut it at the edge), and the answer line still
    names the item whole."""
    from rich.cells import cell_len

    from medisup.cli.prompts import answer_text, item_label, unwrap, wrap_choice
    from medisup.packs import load_pack

    pack = load_pack("nm-2024")
    labels = [f"{i.code} {item_label(i)}" for _, items in pack.taxonomy() for i in items]
    assert max(cell_len(x) for x in labels) > 80  # the case this is about exists
    for label in labels:
        shown = wrap_choice(label, width)
        first, *rest = shown.split("\n")
        assert cell_len(first) + 4 <= width, shown  # after the pointer and the box
        assert all(line.startswith("    ") and cell_len(line) < width for line in rest), shown
        assert unwrap(shown) == label
        assert answer_text(shown, []) == label.split("  ", 1)[0]


@pytest.mark.parametrize("answered", range(4))
def test_ctrl_c_in_the_lead_wizard_writes_nothing(cli, seeded, monkeypatch, answered):
    number = add_supervisor(seeded, name="张丽娟")
    keys = [number + ENTER, ENTER, "李四" + ENTER, ""]  # reporter, channel, target name
    before = audit_count(cli)
    args = ["--received", "2024-09-27", "--target-kind", "insured_person"]
    with terminal(monkeypatch, "".join(keys[:answered]) + CTRL_C):
        result = cli("lead", "log", *args, dept="150100")
    assert result.exit_code == 130
    assert result.stderr.strip().endswith(ABORTED)
    assert audit_count(cli) == before
    assert json.loads(cli("lead", "list", "-f", "json", dept="150100").stdout) == []
