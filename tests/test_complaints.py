"""Complaints about a supervisor (nm Art. 15): recorded, investigated and closed with an
outcome — none, a discipline record or a termination — shown by `supervisor show` and
counted by the reviews."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from clock import TODAY
from helpers_supervisors import appoint, make_id
from sqlmodel import func, select

from medisup import i18n
from medisup.errors import InvalidValue, RuleViolation
from medisup.models import Complaint, Discipline, Termination
from medisup.services.supervisors import complaints

T = TODAY


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def count(env, model) -> int:
    with env.uow(write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()


def received(env, number, dept="150102", on=T - timedelta(days=5)):
    with env.uow(dept) as uow:
        return complaints.add(uow, number, source="新城区人民医院", received_on=on,
                              allegation="检查时擅自调取病历")


def test_add_and_close_without_action(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    done = received(seeded, number)
    assert done.article == "第十五条" and done.closed_on is None and done.outcome is None
    with seeded.uow("150102") as uow:
        closed = complaints.close(uow, done.id, finding="经核实不属实", outcome="none")
    assert (closed.outcome, closed.closed_on, closed.finding) == ("none", T, "经核实不属实")
    assert count(seeded, Discipline) == 0 and count(seeded, Termination) == 0


def test_close_with_discipline_records_the_breach(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    done = received(seeded, number)
    with seeded.uow("150102") as uow:
        closed = complaints.close(uow, done.id, finding="属实", outcome="discipline",
                                  rule="secrecy")
    assert closed.outcome == "discipline" and closed.discipline_id is not None
    assert count(seeded, Discipline) == 1


def test_close_with_termination_terminates_on_the_breach(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    done = received(seeded, number)
    with seeded.uow("150102") as uow:
        closed = complaints.close(uow, done.id, finding="属实", outcome="termination",
                                  rule="secrecy", ground="violation")
    assert closed.outcome == "termination" and count(seeded, Termination) == 1


@pytest.mark.parametrize("kwargs, field", [
    ({"outcome": "maybe"}, "--outcome"),
    ({"outcome": "discipline"}, "--rule"),
    ({"outcome": "termination"}, "--ground"),
    ({"outcome": "none", "closed_on": T - timedelta(days=6)}, "--on"),
])
def test_bad_close_names_the_field_and_article_and_writes_nothing(seeded, kwargs, field):
    number = make_id()
    appoint(seeded, "150102", number)
    done = received(seeded, number)
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        complaints.close(uow, done.id, finding="属实", **kwargs)
    assert err.value.field == field and "第十五条" in err.value.message
    assert "\n" not in err.value.message
    with seeded.uow(write=False) as uow:
        assert uow.session.get(Complaint, done.id).closed_on is None


def test_closing_twice_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    done = received(seeded, number)
    with seeded.uow("150102") as uow:
        complaints.close(uow, done.id, finding="不属实", outcome="none")
    with pytest.raises(RuleViolation), seeded.uow("150102") as uow:
        complaints.close(uow, done.id, finding="不属实", outcome="none")


def test_complaint_about_someone_not_appointed_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number, start=T - timedelta(days=3))
    with pytest.raises(RuleViolation):
        received(seeded, number, on=T - timedelta(days=5))
    assert count(seeded, Complaint) == 0


def test_cli_add_close_show_and_review_count(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    added = cli("supervisor", "complaint", "add", number, "--source", "新城区人民医院",
                "--allegation", "擅自调取病历", "--received-on", (T - timedelta(days=2)).isoformat(),
                "-f", "json")
    assert added.exit_code == 0, added.stderr
    cid = json.loads(added.stdout)["id"]
    assert "第十五条" in added.stderr
    closed = cli("supervisor", "complaint", "close", str(cid), "--finding", "不属实",
                 "--outcome", "none")
    assert closed.exit_code == 0, closed.stderr
    missing = cli("supervisor", "complaint", "close", str(cid), "--no-input")
    assert missing.exit_code != 0
    shown = cli("supervisor", "show", number, "-f", "json")
    assert shown.exit_code == 0, shown.stderr
    listed = json.loads(shown.stdout)["complaints"]
    assert [(c["id"], c["outcome"]) for c in listed] == [(cid, "none")]
    review = cli("review", "renewals", "--within", "800", "-f", "json")
    assert review.exit_code in (0, 1), review.stderr
    items = [i for i in json.loads(review.stdout)["items"] if i["record"]["complaints"]]
    assert [i["record"]["complaints"] for i in items] == [1]
