"""The regulations' "等": report channels (nm Art. 10(二) "电话、电子邮件、来函来访等形式")
are an open list — a channel not listed keeps its name as written, through `lead log`
(option and wizard), `lead show`, the export and the import back."""

from __future__ import annotations

import json

import pytest
from helpers_leads import HOSPITAL, HOSPITAL_CODE, add_supervisor, count_rows
from helpers_wizard import terminal

from medisup import i18n
from medisup.errors import InvalidValue
from medisup.models import Lead
from medisup.packs import load_pack
from medisup.services.leads import rules as lead_rules

NM = load_pack("nm-2024")

DOWN = "\x1b[B"
ENTER = "\r"
SPACE = " "
CLEAR = "\x7f" * 12


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


@pytest.mark.parametrize(("typed", "stored"), [
    ("电话", "phone"), ("visit", "visit"), ("微信公众号", "微信公众号"),
    ("其他形式:12345 热线", "12345 热线"), ("其他形式：政务服务网 留言", "政务服务网 留言"),
    ("other:WeChat", "WeChat"),
])
def test_listed_channel_is_its_code_and_another_keeps_its_name(typed, stored):
    assert lead_rules.check_channel(NM, typed) == stored


@pytest.mark.parametrize("typed", ["其他形式", "other", "其他形式:", "other： "])
def test_bare_other_names_nothing_and_is_refused_citing_the_article(typed):
    with pytest.raises(InvalidValue) as err:
        lead_rules.check_channel(NM, typed)
    message = err.value.message
    assert "反映方式" in message and "第十条（二）" in message and "\n" not in message


def test_a_name_longer_than_the_column_is_refused():
    with pytest.raises(InvalidValue) as err:
        lead_rules.check_channel(NM, "其他形式:" + "长" * 41)
    assert "40" in err.value.message


def test_a_closed_list_still_refuses_an_unknown_channel():
    from dataclasses import replace

    closed = replace(NM, open_lists=())
    with pytest.raises(InvalidValue) as err:
        lead_rules.check_channel(closed, "微信公众号")
    assert "微信公众号" in err.value.message and "phone" in err.value.message


def _log(cli, sup, channel, *extra):
    return cli("lead", "log", "--supervisor", sup, "--received", "2024-09-27",
               "--channel", channel, "--target-kind", "medical_institution",
               "--target-name", HOSPITAL, "--credit-code", HOSPITAL_CODE, "--code", "A1",
               "--description", "该院虚构住院病历", *extra, dept="150100")


def test_log_keeps_the_other_channel_as_written_shown_and_exported(cli, seeded, tmp_path):
    sup = add_supervisor(seeded)
    result = _log(cli, sup, "其他形式：12345 政务热线", "-f", "json")
    assert result.exit_code == 0, result.stderr
    number = json.loads(result.stdout)["number"]
    assert json.loads(result.stdout)["channel"] == "12345 政务热线"
    table = cli("lead", "show", number, dept="150100", env={"COLUMNS": "200"})
    assert "12345 政务热线" in table.stdout
    target = tmp_path / "leads.xlsx"
    assert cli("export", "leads", str(target), "--reveal").exit_code == 0
    from medisup.excel import LEAD_COLUMNS, read_table

    (row,) = read_table(target, LEAD_COLUMNS).rows
    assert row.values["channel"] == "12345 政务热线"
    back = cli("import", "leads", str(target), "-f", "json")
    assert back.exit_code == 0, back.stderr
    assert json.loads(back.stdout)["unchanged"] == 1


def test_log_refuses_a_bare_other_in_one_line_and_writes_nothing(cli, seeded):
    sup = add_supervisor(seeded)
    result = _log(cli, sup, "其他形式")
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "第十条（二）" in line and "其他形式" in line
    assert count_rows(seeded, Lead) == 0


def test_wizard_other_channel_asks_its_name(cli, seeded, monkeypatch):
    sup = add_supervisor(seeded)
    keys = "".join([
        DOWN * 4 + ENTER,              # channel: 其他形式 (after 电话、电子邮件、来函、来访)
        "微信公众号留言" + ENTER,      # its name, kept as typed
        ENTER,                         # subject A
        SPACE + ENTER,                 # item A1
        "n",                           # no other subject
        ENTER,                         # no amount
        ENTER,                         # 确认保存？ 是
    ])
    with terminal(monkeypatch, keys):
        result = cli("lead", "log", "--supervisor", sup, "--received", "2024-09-27",
                     "--target-kind", "medical_institution", "--target-name", HOSPITAL,
                     "--credit-code", HOSPITAL_CODE, "--description", "虚构住院",
                     "-f", "json", dept="150100")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["channel"] == "微信公众号留言"
