"""The ``lead log`` and ``lead update`` wizards, driven through prompt_toolkit's pipe input
exactly as a clerk's keystrokes would drive them."""

from __future__ import annotations

import json

import pytest
from helpers_leads import HOSPITAL, HOSPITAL_CODE, PHARMACY, PHARMACY_CODE, add_supervisor

DOWN = "\x1b[B"
ENTER = "\r"
SPACE = " "
CLEAR = "\x7f" * 12  # backspaces over a pre-filled default


@pytest.fixture
def keys(monkeypatch):
    """Feed keystrokes to the wizard; prompting is forced on as in a terminal."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from medisup.cli import common, prompts

    monkeypatch.setattr(common, "can_prompt", lambda ctx: True)
    with create_pipe_input() as pipe:
        prompts.set_prompter(prompts.Prompter(input=pipe, output=DummyOutput()))
        try:
            yield pipe.send_text
        finally:
            prompts.set_prompter(None)


def test_log_wizard_asks_subject_then_items(cli, seeded, keys):
    sup = add_supervisor(seeded)
    keys(CLEAR + "2024-09-27" + ENTER)  # date received (default today, cleared)
    keys(sup + ENTER)  # the reporter's ID number, looked up at once
    keys(DOWN + DOWN + ENTER)  # channel: phone, email, [letter]
    keys(ENTER)  # target kind: medical institution
    keys(HOSPITAL + ENTER)
    keys(HOSPITAL_CODE + ENTER)
    keys(ENTER)  # subject A (only A and E fit a medical institution)
    keys(SPACE + DOWN * 4 + SPACE + ENTER)  # items A1 and A5
    keys("y")  # another subject: E, which has a single item
    keys(ENTER)
    keys("门诊虚开检查项目" + ENTER)
    keys("12800" + ENTER)
    keys(ENTER)  # 确认保存？ 是
    result = cli("lead", "log", "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["number"] == "150102-2024-0001"
    assert [i["code"] for i in doc["items"]] == ["A1", "A5", "E1"]
    assert doc["channel"] == "letter" and doc["received_on"] == "2024-09-27"
    assert doc["target_credit_code"] == HOSPITAL_CODE and doc["amount_involved"] == "12800.00"


def test_log_wizard_asks_only_what_is_missing(cli, seeded, keys):
    sup = add_supervisor(seeded)
    keys(ENTER)  # subject: B is the first to fit a pharmacy
    keys(DOWN + SPACE + ENTER)  # item B2
    keys("n")  # no other subject
    keys(ENTER)  # amount left empty
    keys(ENTER)  # 确认保存？ 是
    result = cli("lead", "log", "--supervisor", sup, "--received", "2024-09-27",
                 "--channel", "visit", "--target-kind", "pharmacy", "--target-name", PHARMACY,
                 "--credit-code", PHARMACY_CODE, "--description", "药店串换药品",
                 "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [i["code"] for i in doc["items"]] == ["B2"] and doc["amount_involved"] is None


def test_wizard_refuses_a_bad_credit_code_until_corrected(cli, seeded, keys):
    sup = add_supervisor(seeded)
    bad = HOSPITAL_CODE[:-1] + ("0" if HOSPITAL_CODE[-1] != "0" else "1")
    keys(bad + ENTER)  # refused by the validator: the prompt stays open
    keys("\x7f" * 18 + HOSPITAL_CODE + ENTER)
    keys(ENTER + SPACE + ENTER + "n")  # subject A, item A1, no other subject
    keys(ENTER)  # no amount
    keys(ENTER)  # 确认保存？ 是
    result = cli("lead", "log", "--supervisor", sup, "--received", "2024-09-27",
                 "--channel", "phone", "--target-kind", "medical_institution",
                 "--target-name", HOSPITAL, "--description", "x", "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["target_credit_code"] == HOSPITAL_CODE


def test_update_wizard_offers_only_the_allowed_next_steps(cli, seeded, keys):
    sup = add_supervisor(seeded)
    logged = cli("lead", "log", "--supervisor", sup, "--received", "2024-09-27",
                 "--channel", "phone", "--target-kind", "insured_person", "--target-name", "李四",
                 "--code", "C2", "--description", "冒名就医", "-f", "json", dept="150100")
    number = json.loads(logged.stdout)["number"]
    keys(ENTER)  # the only next step from 已登记: 办理中
    keys("稽核科" + ENTER)  # handling unit
    keys(ENTER)  # 确认保存？ 是
    result = cli("lead", "update", number, "--on", "2024-09-30", dept="150100")
    assert result.exit_code == 0, result.stderr
    keys(DOWN + DOWN + ENTER)  # verified, unfounded, [referred]
    keys("市公安局" + ENTER)
    keys(ENTER)  # 确认保存？ 是
    result = cli("lead", "update", number, "--on", "2024-10-09", dept="150100")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(cli("lead", "show", number, "-f", "json", dept="150100").stdout)
    assert doc["status"] == "referred" and doc["referral_target"] == "市公安局"
    assert doc["handling_unit"] == "稽核科"
