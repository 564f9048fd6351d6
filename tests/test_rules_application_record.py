"""Health and merit on the application (nm Art. 6 last paragraph, gx Art. 3(四), Art. 4):
the health status, the recruitment notice or invitation letter, the date on the form —
recorded by `supervisor apply`, checked as the rules say, shown by `supervisor show`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from clock import TODAY
from helpers_supervisors import apply, make_id
from sqlmodel import func, select

from medisup import i18n
from medisup.errors import InvalidValue
from medisup.models import Application, Person
from medisup.packs import PackItem, load_pack
from medisup.services.supervisors import rules as supervisor_rules


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def rows(env, model) -> int:
    with env.uow("150000", write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()


def test_the_record_is_stored_and_audited(seeded):
    applied = TODAY - timedelta(days=3)
    result = apply(seeded, applied_on=applied, health_status=" 身体 健康 ",
                   recruitment_ref="呼医保公告〔2026〕3号", form_on=applied - timedelta(days=2))
    a = result.application
    assert (a.health_status, a.recruitment_ref, a.form_on) == (
        "身体 健康", "呼医保公告〔2026〕3号", applied - timedelta(days=2))
    with seeded.uow("150000", write=False) as uow:
        row = uow.session.get(Application, a.id)
        assert row.health_status == "身体 健康" and row.form_on == applied - timedelta(days=2)


def test_all_three_are_optional(seeded):
    a = apply(seeded).application
    assert (a.health_status, a.recruitment_ref, a.form_on) == (None, None, None)


@pytest.mark.parametrize(("options", "field", "value"), [
    ({"form_on": TODAY + timedelta(days=1)}, "报名表（申请书）日期",
     (TODAY + timedelta(days=1)).isoformat()),
    ({"form_on": TODAY - timedelta(days=2)}, "报名表（申请书）日期",
     (TODAY - timedelta(days=2)).isoformat()),  # after the application (applied 5 days ago)
    ({"health_status": "良" * 41}, "健康状况", "良" * 41),
    ({"recruitment_ref": "号" * 101}, "招聘公告或邀请函文号", "号" * 101),
])
def test_bad_values_name_the_field_and_write_nothing(seeded, options, field, value):
    with pytest.raises(InvalidValue) as err:
        apply(seeded, applied_on=TODAY - timedelta(days=5), **options)
    assert err.value.message.startswith(field) and value in err.value.message
    assert "\n" not in err.value.message
    assert rows(seeded, Application) == 0 and rows(seeded, Person) == 0


def test_form_after_the_application_says_the_application_date():
    applied = date(2026, 6, 1)
    with pytest.raises(InvalidValue) as err:
        supervisor_rules.check_form_date(date(2026, 6, 2), applied, TODAY)
    assert "2026-06-01" in err.value.expected
    assert supervisor_rules.check_form_date(applied, applied, TODAY) == applied


def test_a_pack_list_of_health_statuses_is_used_when_there_is_one():
    nm = load_pack("nm-2024")
    listed = replace(nm, health_statuses=(
        PackItem(code="good", label="健康", label_en="healthy", article="第六条",
                 kind="health_statuses"),
        PackItem(code="fit", label="能够履职", label_en="fit for the duties", article="第六条",
                 kind="health_statuses"),
    ))
    assert supervisor_rules.check_health(listed, "健康") == "good"
    with pytest.raises(InvalidValue) as err:
        supervisor_rules.check_health(listed, "一般")
    assert "健康状况" in err.value.message and "good" in err.value.message
    assert supervisor_rules.check_health(nm, "一般") == "一般"  # no list: free text


def test_the_packs_cite_where_health_and_the_record_are_weighed():
    nm, gx = load_pack("nm-2024"), load_pack("gx-trial")
    assert nm.health_article == "第六条" and nm.recruitment_article == "第六条"
    assert gx.health_article == "广西办法第三条（四）"
    assert gx.recruitment_article.startswith("广西办法第四条")


# ---------------------------------------------------------------- through the command line


def test_apply_options_and_show(cli):
    number = make_id()
    result = cli("supervisor", "apply", "--name", "王五", "--id-number", number,
                 "--category", "expert", "--channel", "open", "--department", "150102",
                 "--applied-on", "2026-06-01", "--health", "身体健康",
                 "--recruitment-ref", "呼医保公告〔2026〕3号", "--form-date", "2026-05-28",
                 "--all-met", "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["health_status"] == "身体健康" and doc["form_on"] == "2026-05-28"
    shown = json.loads(cli("supervisor", "show", number, "-f", "json").stdout)
    (application,) = shown["applications"]
    assert application["recruitment_ref"] == "呼医保公告〔2026〕3号"
    assert application["health_status"] == "身体健康"
    table = cli("supervisor", "show", number).stdout
    assert "健康状况" in table and "身体健康" in table and "2026-05-28" in table


def test_apply_refuses_a_form_dated_after_the_application(cli):
    number = make_id()
    result = cli("supervisor", "apply", "--name", "王五", "--id-number", number,
                 "--category", "expert", "--channel", "open", "--department", "150102",
                 "--applied-on", "2026-06-01", "--form-date", "2026-06-02", "--all-met")
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "报名表" in line and "2026-06-02" in line and "2026-06-01" in line
    assert json.loads(cli("supervisor", "list", "-f", "json").stdout) == []
