"""Activities and meetings: numbering, institutions, participants, recusal, attendance,
cancelling, confidentiality, the proposal and opinions — services and a few CLI runs."""

from __future__ import annotations

import json
from datetime import date

import pytest

from medisup.errors import InvalidValue, NotFound, RuleViolation
from tests.helpers_activities import HOSPITAL, HOSPITAL_CODE, activity, attend, person

DAY = date(2025, 6, 10)


def _count(env, model) -> int:
    from tests.helpers_leads import count_rows

    return count_rows(env, model)


def test_add_numbers_from_a_counter_and_records_participants(seeded):
    _, a = person(seeded, background="medicine")
    _, b = person(seeded, background="law")
    first = activity(seeded, held_on=DAY, participants=[a, b])
    second = activity(seeded, held_on=date(2025, 7, 1), kind="visit", institutions=())
    assert first.number == "150102-HD-2025-0001"
    assert second.number == "150102-HD-2025-0002"
    assert first.row.status == "held"
    assert {p.attendance for p in first.participants} == {"invited"}
    assert first.institutions[0]["credit_code"] == HOSPITAL_CODE


def test_future_date_is_a_plan(seeded):
    detail = activity(seeded, held_on=date(2026, 3, 1), today=date(2026, 1, 1))
    assert detail.row.status == "planned"


def test_unknown_kind_is_refused_and_nothing_written(seeded):
    from medisup.models import Activity

    with pytest.raises(InvalidValue) as exc:
        activity(seeded, held_on=DAY, kind="banquet")
    assert "banquet" in exc.value.message
    assert _count(seeded, Activity) == 0


def test_institution_without_credit_code_where_the_pack_needs_one(seeded):
    from medisup.models import Activity

    with pytest.raises(InvalidValue) as exc:
        activity(seeded, held_on=DAY, institutions=[(HOSPITAL, None)])
    assert exc.value.field == "--credit-code"
    assert _count(seeded, Activity) == 0


def test_participant_not_serving_is_refused(seeded):
    from medisup.models import Activity

    _, gone = person(seeded, start=date(2020, 1, 1))  # term ended 2021-12-31
    with pytest.raises(RuleViolation):
        activity(seeded, held_on=DAY, participants=[gone])
    assert _count(seeded, Activity) == 0


def test_conflicted_participant_refused_unless_overridden_and_audited(seeded):
    from sqlmodel import select

    from medisup.models import AuditEntry, Participation

    _, conflicted = person(seeded, interests=((HOSPITAL, HOSPITAL_CODE),))
    with pytest.raises(RuleViolation) as exc:
        activity(seeded, held_on=DAY, participants=[conflicted])
    assert "第九条（四）" in exc.value.message
    assert _count(seeded, Participation) == 0
    detail = activity(seeded, held_on=DAY, participants=[conflicted],
                      override_reason="唯一懂药学的监督员，已报分管领导同意")
    assert detail.participants[0].override_reason.startswith("唯一")
    with seeded.uow(write=False) as uow:
        actions = [e.action for e in uow.session.exec(select(AuditEntry))]
    assert "override" in actions


def test_attendance_marks_held_and_counts(seeded):
    _, a = person(seeded, start=date(2025, 1, 1))
    _, b = person(seeded, start=date(2025, 1, 1))
    plan = activity(seeded, held_on=date(2026, 5, 1), participants=[a, b], today=date(2026, 1, 1))
    with pytest.raises(InvalidValue):
        attend(seeded, plan.number, attended=[a], today=date(2026, 4, 1))
    detail = attend(seeded, plan.number, attended=[a], absent=[b], today=date(2026, 5, 2))
    assert (detail.row.status, detail.row.attended, detail.row.absent) == ("held", 1, 1)


def test_cancel_needs_reason_and_no_attendance(seeded):
    from medisup.services import activities

    _, a = person(seeded, start=date(2025, 1, 1))
    plan = activity(seeded, held_on=date(2026, 5, 1), participants=[a], today=date(2026, 1, 1))
    with seeded.uow("150102") as uow, pytest.raises(InvalidValue):
        activities.cancel(uow, plan.number, reason="")
    with seeded.uow("150102") as uow:
        done = activities.cancel(uow, plan.number, reason="检查对象停业整顿", on=date(2026, 2, 1))
    assert done.row.status == "cancelled"
    with seeded.uow("150102") as uow, pytest.raises(RuleViolation):
        activities.cancel(uow, plan.number, reason="again")


def test_mystery_visit_masked_unless_revealed(seeded):
    from medisup.services import activities

    detail = activity(seeded, held_on=DAY, kind="mystery_visit", topic="夜间挂床住院暗访")
    assert detail.row.topic == "******" and detail.row.institutions == ("******",)
    with seeded.uow("150102") as uow:
        rows = activities.list_activities(uow)
        shown = activities.show(uow, detail.number, reveal=True)
    assert rows[0].topic == "******"
    assert shown.row.topic == "夜间挂床住院暗访"


def test_other_department_cannot_see_it(seeded):
    from medisup.services import activities

    detail = activity(seeded, held_on=DAY)
    with seeded.uow("150103") as uow, pytest.raises(NotFound):
        activities.show(uow, detail.number)


def test_propose_leaves_out_the_conflicted_and_spreads_backgrounds_and_load(seeded):
    from medisup.services import activities

    busy, busy_no = person(seeded, background="medicine")
    med, _ = person(seeded, background="medicine")
    law, _ = person(seeded, background="law")
    conflicted, _ = person(seeded, background="finance", interests=((HOSPITAL, HOSPITAL_CODE),))
    activity(seeded, held_on=date(2025, 3, 1), kind="visit", participants=[busy_no])
    with seeded.uow("150102") as uow:
        result = activities.propose(uow, kind="监督检查", count=2, on=DAY,
                                    institutions=[(HOSPITAL, HOSPITAL_CODE)])
    chosen = [c.person_id for c in result.proposed]
    assert conflicted not in chosen
    assert [c.person_id for c in result.excluded] == [conflicted]
    assert sorted(chosen) == sorted([med, law])  # one of each background, the idle one
    with seeded.uow("150102") as uow:
        more = activities.propose(uow, kind="inspection", count=5, on=DAY,
                                  institutions=[(HOSPITAL, HOSPITAL_CODE)])
    assert more.short_by == 2 and more.proposed[-1].person_id == busy


def test_propose_without_recusal_data_keeps_everyone(seeded):
    from medisup.services import activities

    conflicted, _ = person(seeded, interests=((HOSPITAL, HOSPITAL_CODE),))
    with seeded.uow("150102") as uow:
        result = activities.propose(uow, kind="visit", count=3, on=DAY)
    assert [c.person_id for c in result.proposed] == [conflicted]


def test_opinion_recorded(seeded):
    from medisup.models import Opinion
    from medisup.services import activities

    _, a = person(seeded)
    with seeded.uow("150102") as uow:
        view = activities.record_opinion(uow, supervisor=a, received_on=DAY,
                                         summary="建议公开定点药店的举报电话", channel="来函")
    assert view.channel == "letter"
    assert _count(seeded, Opinion) == 1


# ---------------------------------------------------------------- command line


def test_cli_add_list_show_attend(cli, seeded):
    _, a = person(seeded)
    _, b = person(seeded)
    res = cli("activity", "add", "--kind", "监督检查", "--date", "2025-06-10", "--topic", "住院专项",
              "--institution", HOSPITAL, "--credit-code", HOSPITAL_CODE, "--participant", a,
              "--participant", b, "--format", "json", dept="150102")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["number"] == "150102-HD-2025-0001"
    assert len(doc["participants"]) == 2
    res = cli("activity", "attend", doc["number"], "--attended", a, "--absent", b, dept="150102")
    assert res.exit_code == 0, res.stderr
    res = cli("activity", "list", "--format", "json", dept="150100")
    assert json.loads(res.stdout)[0]["attended"] == 1
    res = cli("activity", "show", doc["number"], dept="150102")
    assert res.exit_code == 0 and "住院专项" in res.stdout


def test_cli_bad_input_one_line_nothing_written(cli, seeded):
    from medisup.models import Activity

    res = cli("activity", "add", "--kind", "宴请", "--date", "2025-06-10", "--topic", "x",
              dept="150102")
    assert res.exit_code == 1
    assert len(res.stderr.strip().splitlines()) == 1 and "宴请" in res.stderr
    res = cli("activity", "add", "--kind", "inspection", "--date", "2025-06-10", "--topic", "x",
              "--institution", HOSPITAL, dept="150102")
    assert res.exit_code == 1 and "--credit-code" in res.stderr
    assert _count(seeded, Activity) == 0


def test_cli_year_without_calendar_warns(cli, seeded):
    from medisup.services.leads.deadlines import calendar_covers

    year = 2031
    if calendar_covers(year):
        pytest.skip("installed calendar covers 2031")
    res = cli("activity", "add", "--kind", "survey", "--date", f"{year}-03-02", "--topic", "x",
              dept="150102")
    assert res.exit_code == 0
    assert "2031" in res.stderr


def test_cli_propose_json(cli, seeded):
    person(seeded, background="law")
    person(seeded, interests=((HOSPITAL, HOSPITAL_CODE),))
    res = cli("activity", "propose", "--kind", "inspection", "--institution", HOSPITAL,
              "--credit-code", HOSPITAL_CODE, "-n", "5", "--on", "2025-06-10", "--format", "json",
              dept="150102")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert len(doc["proposed"]) == 1 and len(doc["excluded"]) == 1
    assert "*" in doc["proposed"][0]["id_number"]


# ---------------------------------------------------------------- wizard

DOWN, ENTER, CLEAR = "\x1b[B", "\r", "\x7f" * 12


@pytest.fixture
def keys(monkeypatch):
    """Keystrokes for the wizard; prompting forced on as in a terminal."""
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


def test_add_wizard_asks_kind_date_topic_and_institution(cli, seeded, keys):
    keys(DOWN * 3 + ENTER)  # kind: visit, survey, mystery_visit, [inspection]
    keys(CLEAR + "2025-06-10" + ENTER)
    keys("住院专项检查" + ENTER)
    keys(HOSPITAL + ENTER)
    keys(HOSPITAL_CODE + ENTER)
    keys(ENTER)  # 确认保存？ 是
    res = cli("activity", "add", "--format", "json", dept="150102")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert (doc["kind"], doc["held_on"], doc["topic"]) == ("inspection", "2025-06-10", "住院专项检查")
    assert doc["institutions"] == [{"name": HOSPITAL, "credit_code": HOSPITAL_CODE}]


def test_add_without_terminal_names_the_missing_options(cli):
    res = cli("activity", "add", "--kind", "visit", dept="150102")
    assert res.exit_code == 2 and "--date" in res.stderr and "--topic" in res.stderr
