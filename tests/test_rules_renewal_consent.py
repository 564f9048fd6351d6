"""Consent to renewal recorded during the term (gx Art. 8: "征得本人同意，可以续聘"):
`supervisor consent` records it on the current term, dated within the term (no grace
where the pack dismisses at term end), never in the future, and only under a pack that
asks for consent; `renew` without --consent-date then rests on it; `show` shows it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from clock import TODAY
from helpers_supervisors import appoint, make_id
from sqlmodel import select

from medisup import i18n
from medisup.errors import InvalidValue, RuleViolation
from medisup.models import AuditEntry, Person, Term
from medisup.services import supervisors
from medisup.services.supervisors.terms import recorded_consent

T = TODAY
GX = "450102"


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def terms(env, number) -> list[Term]:
    with env.uow("150000", write=False) as uow:
        return list(uow.session.exec(select(Term).join(Person, Person.id == Term.person_id)
                                     .where(Person.id_number == number).order_by(Term.id)))


def consent(env, number, on, dept=GX):
    with env.uow(dept, command="supervisor consent") as uow:
        return supervisors.record_consent(uow, number, on=on)


def gx_serving(env, start=None) -> str:
    number = make_id(GX)
    appoint(env, GX, number, start=start or T - timedelta(days=30))
    return number


def test_consent_is_recorded_on_the_current_term_and_audited(seeded):
    number = gx_serving(seeded)
    term = consent(seeded, number, T - timedelta(days=1))
    assert term.renewal_consent_on == T - timedelta(days=1)
    (row,) = terms(seeded, number)
    assert recorded_consent(None, row) == T - timedelta(days=1)
    with seeded.uow("150000", write=False) as uow:
        actions = [e.action for e in uow.session.exec(select(AuditEntry))]
    assert "consent" in actions


@pytest.mark.parametrize("offset", [1, -31])  # tomorrow; before the term started
def test_consent_in_the_future_or_before_the_term_is_refused(seeded, offset):
    number = gx_serving(seeded)
    day = T + timedelta(days=offset)
    with pytest.raises(InvalidValue) as err:
        consent(seeded, number, day)
    assert err.value.message.startswith("本人同意续聘日期") and day.isoformat() in err.value.message
    (row,) = terms(seeded, number)
    assert row.renewal_consent_on is None


def test_consent_after_the_term_ended_is_refused_without_grace_in_gx(seeded):
    # gx Art. 8 "到期未续聘则自然解聘": no grace after the last day
    number = make_id(GX)
    appoint(seeded, GX, number, start=T - timedelta(days=800))
    (row,) = terms(seeded, number)
    assert row.end_date < T - timedelta(days=1)
    with pytest.raises(InvalidValue) as err:
        consent(seeded, number, row.end_date + timedelta(days=1))
    assert row.end_date.isoformat() in err.value.message
    assert "广西办法第八条" in err.value.message
    assert consent(seeded, number, row.end_date).renewal_consent_on == row.end_date


def test_a_pack_that_does_not_ask_for_consent_refuses_citing_its_rule(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with pytest.raises(RuleViolation) as err:
        consent(seeded, number, T, dept="150102")
    assert "nm-2024" in err.value.message and "第十一条" in err.value.message
    (row,) = terms(seeded, number)
    assert row.renewal_consent_on is None


def test_renew_without_a_consent_date_uses_the_recorded_one(seeded):
    number = gx_serving(seeded)
    with pytest.raises(InvalidValue), seeded.uow(GX) as uow:  # none recorded: refused
        supervisors.renew(uow, number)
    consent(seeded, number, T - timedelta(days=2))
    with seeded.uow(GX) as uow:
        new = supervisors.renew(uow, number)
    assert new.consent_on == T - timedelta(days=2) and new.number == 2


def test_renewal_decided_before_the_recorded_consent_is_refused(seeded):
    number = gx_serving(seeded)
    consent(seeded, number, T)
    with pytest.raises(InvalidValue) as err, seeded.uow(GX) as uow:
        supervisors.renew(uow, number, on=T - timedelta(days=1))
    assert "广西办法第八条" in err.value.message
    assert len(terms(seeded, number)) == 1


def test_once_renewed_consent_belongs_to_the_next_term(seeded):
    """After the renewal the latest term is the next one, not yet begun: a consent dated
    today is not within it."""
    number = gx_serving(seeded)
    with seeded.uow(GX) as uow:
        supervisors.renew(uow, number, consent_on=T)
    with pytest.raises(InvalidValue) as err:
        consent(seeded, number, T)
    assert "广西办法第八条" in err.value.message
    assert [x.renewal_consent_on for x in terms(seeded, number)] == [None, None]


# ---------------------------------------------------------------- the command line


def test_consent_command_show_and_renew(cli, seeded):
    number = gx_serving(seeded)
    day = (T - timedelta(days=3)).isoformat()
    result = cli("supervisor", "consent", number, "--date", day, dept=GX)
    assert result.exit_code == 0, result.stderr
    assert day in result.stderr and "广西办法第八条" in result.stderr
    shown = json.loads(cli("supervisor", "show", number, "-f", "json", dept=GX).stdout)
    assert shown["terms"][0]["renewal_consent_on"] == day
    assert "已同意续聘" in cli("supervisor", "show", number, dept=GX).stdout
    renewed = cli("supervisor", "renew", number, "-f", "json", dept=GX)
    assert renewed.exit_code == 0, renewed.stderr
    assert json.loads(renewed.stdout)["consent_on"] == day
    assert "聘期内记录的本人同意" in renewed.stderr


def test_consent_command_bad_date_is_one_line_and_writes_nothing(cli, seeded):
    number = gx_serving(seeded)
    tomorrow = (T + timedelta(days=1)).isoformat()
    result = cli("supervisor", "consent", number, "--date", tomorrow, dept=GX)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and tomorrow in lines[0] and "本人同意续聘日期" in lines[0]
    (row,) = terms(seeded, number)
    assert row.renewal_consent_on is None


def test_consent_command_under_nm_is_refused_citing_article_11(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    result = cli("supervisor", "consent", number, "--date", T.isoformat())
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "第十一条" in line


def test_consent_without_a_date_in_a_script_is_a_usage_error(cli, seeded):
    number = gx_serving(seeded)
    result = cli("--no-input", "supervisor", "consent", number, dept=GX)
    assert result.exit_code == 2 and "--on" in result.stderr
