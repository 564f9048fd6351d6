"""The `supervisor apply` wizard, driven through prompt_toolkit's pipe input: questions
for what the options left out, with the department's pack choices."""

from __future__ import annotations

import json

import pytest
from helpers_supervisors import make_id
from helpers_wizard import terminal  # closes the pipe: a wizard asking more fails at once

DOWN = "\x1b[B"
ENTER = "\r"
SPACE = " "


def test_wizard_asks_for_everything_left_out(cli, monkeypatch):
    number = make_id()
    keys = "".join([
        "王五" + ENTER,                       # name
        number + ENTER,                       # ID number
        "13812345678" + ENTER,                # phone
        DOWN * 4 + SPACE + DOWN + SPACE + ENTER,  # categories: 专家学者 and 参保群众
        DOWN * 3 + ENTER,                     # channel: 单位推荐 (needs a recommender)
        "新城区卫生健康局" + ENTER,           # recommending unit (nm lists none: free text)
        "新城区某社区 主任" + ENTER,          # work unit
        DOWN * 2 + ENTER,                     # background: 法律 (after "none", 医药)
        "身体健康" + ENTER,                   # health status (Art. 6 last paragraph)
        "呼医保公告〔2026〕3号" + ENTER,      # recruitment notice reference
        "2026-06-20" + ENTER,                 # form date after the application: refused,
        "\x7f" * 10 + "2026-06-10" + ENTER,  # retyped on or before it
        "n",                                  # 以上条件是否全部符合？ no: each in turn
        ENTER,                                # (一) met (the ID check only informs it)
        ENTER,                                # (二) met: no note asked
        DOWN + ENTER + "有失信记录" + ENTER,  # (三) not met, with its note
        ENTER, ENTER, ENTER,                  # (四)–(六) met
        ENTER,                                # 确认保存？ 是
    ])
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "apply", "--department", "150102", "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["channel"] == "unit" and doc["recommending_body"] == "新城区卫生健康局"
    findings = {f["criterion"]: f for f in doc["findings"]}
    assert findings["dedication"]["result"] == "met"
    assert not findings["dedication"]["note"]
    assert findings["integrity"]["result"] == "not_met"
    assert findings["integrity"]["note"] == "有失信记录"
    assert findings["confidentiality"]["result"] == "met"
    assert "第五条（三）" in result.stderr  # still not eligible, said so
    shown = json.loads(cli("supervisor", "show", number, "--reveal", "-f", "json").stdout)
    assert shown["name"] == "王五" and shown["phone"] == "13812345678"
    assert shown["categories"] == ["expert", "insured"]
    assert shown["background"] == "law" and shown["work_unit"] == "新城区某社区 主任"
    (application,) = shown["applications"]
    assert application["health_status"] == "身体健康"
    assert application["recruitment_ref"] == "呼医保公告〔2026〕3号"
    assert application["form_on"] == "2026-06-10"


def test_wizard_asks_only_for_what_is_missing_with_gx_choices(cli, monkeypatch):
    number = make_id("450102")
    keys = "".join([
        number + ENTER,                       # ID number
        ENTER,                                # phone left empty
        SPACE + ENTER,                        # categories: 人大代表
        DOWN + ENTER,                         # channel: 定向选聘
        DOWN + ENTER,                         # recommending body: 中医药局 (pack list)
        ENTER,                                # work unit left empty
        ENTER,                                # background: none
        ENTER, ENTER, ENTER,                  # health, notice, form date left empty
        ENTER,                                # 确认保存？ 是
    ])
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "apply", "--name", "韦七", "--department", "450102",
                     "--all-met", "-f", "json", dept="450000")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["channel"] == "directed" and doc["recommending_body"] == "tcm_bureau"
    assert all(f["result"] in ("met", "warning") for f in doc["findings"])


def test_wizard_refuses_a_bad_id_until_it_is_right(cli, monkeypatch):
    number = make_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    keys = "".join([
        wrong + ENTER,                        # refused by the validator, stays on the question
        "\x7f" * 18 + number + ENTER,         # erased and typed again
        ENTER,
        SPACE + ENTER,
        ENTER,                                # channel: 公开选聘
        ENTER,
        ENTER,
        ENTER, ENTER, ENTER,                  # health, notice, form date left empty
        ENTER,                                # 确认保存？ 是
    ])
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "apply", "--name", "王五", "--department", "150102",
                     "--all-met", "-f", "json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("supervisor", "show", number, "-f", "json").stdout)
    assert shown["name"] == "王五"


@pytest.mark.parametrize("interrupt", ["\x03"])
def test_interrupted_wizard_writes_nothing(cli, monkeypatch, interrupt):
    with terminal(monkeypatch, "王五" + ENTER + interrupt):
        result = cli("supervisor", "apply", "--department", "150102")
    assert result.exit_code == 130
    assert "已取消，未写入任何内容。" in result.stderr
    assert json.loads(cli("supervisor", "list", "-f", "json").stdout) == []


def test_wizard_other_recommending_body_keeps_its_name(cli, monkeypatch):
    """gx Art. 5(二) "等部门": choosing 其他部门 asks the body's name, kept as typed."""
    number = make_id("450102")
    keys = "".join([
        number + ENTER,                       # ID number
        ENTER,                                # phone left empty
        SPACE + ENTER,                        # categories: 人大代表
        DOWN + ENTER,                         # channel: 定向选聘
        DOWN * 4 + ENTER,                     # recommending body: 其他部门
        "自治区民政厅" + ENTER,               # its name
        ENTER,                                # work unit left empty
        ENTER,                                # background: none
        ENTER, ENTER, ENTER,                  # health, notice, form date left empty
        ENTER,                                # 确认保存？ 是
    ])
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "apply", "--name", "韦七", "--department", "450102",
                     "--all-met", "-f", "json", dept="450000")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["recommending_body"] == "自治区民政厅"
