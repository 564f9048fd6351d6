"""A clerk names people by name and leads by their short sequence: ``supervisor show
张丽娟``, ``lead list --supervisor 张丽娟``, ``lead show 2``; a shared name is listed with
department and masked ID to choose from, never guessed."""

from __future__ import annotations

import json
from datetime import date

from helpers_leads import HOSPITAL_CODE
from helpers_supervisors import appoint, make_id


def _log(env, sup: str, received: date) -> str:
    from medisup.services import leads

    with env.uow("150102", command="lead log") as uow:
        return leads.log(uow, supervisor=sup, received_on=received, channel="phone",
                         target_kind="medical_institution", target_name="新城区人民医院",
                         target_credit_code=HOSPITAL_CODE, codes=["A1"], description="虚构住院",
                         today=date(2026, 6, 15)).number


def test_show_by_a_name_only_one_person_has(cli, seeded):
    number = make_id(seq=301)
    appoint(seeded, "150102", number, name="张丽娟", start=date(2026, 1, 1))
    by_name = cli("supervisor", "show", "张丽娟", "-f", "json", dept="150102")
    assert by_name.exit_code == 0, by_name.stderr
    by_id = cli("supervisor", "show", number, "-f", "json", dept="150102")
    assert json.loads(by_name.stdout) == json.loads(by_id.stdout)


def test_a_shared_name_is_listed_not_guessed(cli, seeded):
    first, second = make_id("150102", seq=311), make_id("150103", seq=313)
    a = appoint(seeded, "150102", first, name="王芳", start=date(2026, 1, 1))
    appoint(seeded, "150103", second, name="王芳", start=date(2026, 1, 1))
    result = cli("supervisor", "show", "王芳", dept="150100")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "有 2 人名为王芳" in message and "新城区" in message and "回民区" in message
    assert first[:6] + "********" + first[-4:] in message and first not in message
    # the number shown picks one
    chosen = cli("supervisor", "show", str(a), "-f", "json", dept="150100")
    assert chosen.exit_code == 0 and json.loads(chosen.stdout)["id"] == a
    # an operator of one county sees only their own 王芳
    county = cli("supervisor", "show", "王芳", "-f", "json", dept="150103")
    assert county.exit_code == 0, county.stderr
    assert json.loads(county.stdout)["id_number"].endswith(second[-4:])


def test_a_name_outside_the_scope_is_not_found(cli, seeded):
    appoint(seeded, "150102", make_id(seq=321), name="李明", start=date(2026, 1, 1))
    result = cli("supervisor", "show", "李明", dept="150103")
    assert result.exit_code == 1
    assert "没有名为“李明”的监督员" in result.stderr


def test_leads_by_the_reporters_name_and_by_short_number(cli, seeded):
    sup = make_id(seq=331)
    appoint(seeded, "150102", sup, name="赵红", start=date(2026, 1, 1))
    other = make_id(seq=333)
    appoint(seeded, "150102", other, name="钱军", start=date(2026, 1, 1))
    numbers = [_log(seeded, sup, date(2026, 3, 1)), _log(seeded, other, date(2026, 3, 2))]
    listed = cli("lead", "list", "--supervisor", "赵红", "-f", "csv", "--columns", "number",
                 dept="150102")
    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout.split()[1:] == [numbers[0]]
    shown = cli("lead", "show", "2", "-f", "json", dept="150102")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["number"] == numbers[1] == "150102-2026-0002"
    assert json.loads(cli("lead", "show", "2026-1", "-f", "json", dept="150102").stdout)[
        "number"] == numbers[0]
    logged = cli("lead", "log", "--supervisor", "钱军", "--received", "2026-06-01",
                 "--channel", "电话", "--target-kind", "medical_institution",
                 "--target-name", "新城区人民医院", "--credit-code", HOSPITAL_CODE,
                 "--code", "A1", "--description", "串换药品", "-f", "json",
                 dept="150102")
    assert logged.exit_code == 0, logged.stderr
    assert json.loads(logged.stdout)["supervisor_name"] == "钱军"


def test_messages_name_the_person_not_only_a_masked_id(cli, seeded):
    number = make_id(seq=341)
    appoint(seeded, "150102", number, name="孙丽", start=date(2026, 1, 1))
    by_id = cli("supervisor", "discipline", number, "--rule", "secrecy", "--on", "2026-05-12",
                "--note", "转发未公开信息", dept="150102")
    assert by_id.exit_code == 0, by_id.stderr
    assert f"孙丽（{number[:6]}********{number[-4:]}）" in by_id.stderr
    by_name = cli("supervisor", "terminate", "孙丽", "--ground", "resigned", "--on",
                  "2026-06-30", "--yes", dept="150102")
    assert by_name.exit_code == 0, by_name.stderr
    assert by_name.stderr.startswith("已解聘 孙丽（") and number not in by_name.stderr


def test_a_typo_is_shown_as_typed_at_a_terminal_and_masked_in_a_log():
    from medisup.cli.common import typed_back

    typo = "150103198808080205"
    message = "身份证号的值“150103********0205”无效：应为校验码正确的公民身份号码"
    assert typed_back(message, ["supervisor", "show", typo], terminal=True) == (
        f"身份证号的值“{typo}”无效：应为校验码正确的公民身份号码")
    assert typed_back(message, ["--id-number=" + typo], terminal=True).count(typo) == 1
    assert typed_back(message, ["supervisor", "show", typo], terminal=False) == message
    # someone else's masked ID in a message is not "unmasked" from an unrelated word
    other = "身份证号 150102********0025 已登记的姓名"
    assert typed_back(other, ["supervisor", "show", typo], terminal=True) == other
