"""A termination on the ground the pack links to discipline (nm Art. 12(一), gx Art. 9(一))
rests on a recorded breach, stored with it (``termination.discipline_id``): the latest of
the term, the one named by ``--breach``, or the one the terminate wizard records; none
recorded is refused citing the article; `supervisor show` names the breach."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from clock import TODAY
from helpers_supervisors import appoint, make_id
from helpers_wizard import DOWN, ENTER, SAVE, terminal
from sqlmodel import select

from medisup import i18n
from medisup.errors import InvalidValue
from medisup.models import Termination
from medisup.services import supervisors

T = TODAY


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def breach(env, number, rule="secrecy", on=T - timedelta(days=2), dept="150102"):
    with env.uow(dept) as uow:
        return supervisors.record_discipline(uow, number, rule=rule, occurred_on=on)


def terminations(env) -> list[Termination]:
    with env.uow("150000", write=False) as uow:
        return list(uow.session.exec(select(Termination)))


def test_the_latest_breach_of_the_term_is_stored(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    breach(seeded, number, rule="gifts", on=T - timedelta(days=9))
    latest = breach(seeded, number, rule="secrecy", on=T - timedelta(days=2))
    with seeded.uow("150102") as uow:
        done = supervisors.terminate(uow, number, ground="violation")
    assert done.discipline_id == latest.id
    assert done.breach == f"#{latest.id} 泄露秘密或案件信息（{latest.occurred_on}）"
    (row,) = terminations(seeded)
    assert row.discipline_id == latest.id


def test_a_named_breach_is_used(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    older = breach(seeded, number, rule="gifts", on=T - timedelta(days=9))
    breach(seeded, number, rule="secrecy", on=T - timedelta(days=2))
    with seeded.uow("150102") as uow:
        done = supervisors.terminate(uow, number, ground="violation", breach=older.id)
    assert done.discipline_id == older.id and "收受或索取财物" in done.breach


def test_a_breach_of_someone_else_or_after_the_effective_date_is_refused(seeded):
    number, other = make_id(), make_id()
    appoint(seeded, "150102", number)
    appoint(seeded, "150102", other)
    theirs = breach(seeded, other)
    later = breach(seeded, number, on=T)
    for given, effective in ((theirs.id, T), (later.id, T - timedelta(days=1)), (9999, T),
                             ("abc", T)):
        with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
            supervisors.terminate(uow, number, ground="violation", breach=given,
                                  effective=effective)
        assert err.value.field == "--breach" and str(given) in err.value.message
    assert terminations(seeded) == []


def test_a_breach_on_a_ground_not_linked_to_discipline_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    recorded = breach(seeded, number)
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="resigned", breach=recorded.id)
    assert err.value.field == "--breach" and "violation" in err.value.message
    assert terminations(seeded) == []


def test_gx_violation_without_a_breach_is_refused_citing_article_9(seeded):
    number = make_id("450102")
    appoint(seeded, "450102", number)
    with pytest.raises(InvalidValue) as err, seeded.uow("450102") as uow:
        supervisors.terminate(uow, number, ground="violation")
    assert "广西办法第九条（一）" in err.value.message and "\n" not in err.value.message
    assert terminations(seeded) == []


# ---------------------------------------------------------------- the command line


def test_terminate_with_breach_option_and_show_names_it(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    older = breach(seeded, number, rule="gifts", on=T - timedelta(days=9))
    breach(seeded, number, rule="secrecy", on=T - timedelta(days=2))
    result = cli("supervisor", "terminate", number, "--ground", "violation", "--breach",
                 str(older.id), "--yes", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["discipline_id"] == older.id
    assert "收受或索取财物" in result.stderr
    shown = json.loads(cli("supervisor", "show", number, "-f", "json").stdout)
    (termination,) = shown["terminations"]
    assert termination["discipline_id"] == older.id
    assert termination["breach"] == f"#{older.id} 收受或索取财物（{older.occurred_on}）"
    table = cli("supervisor", "show", number).stdout
    assert "所依据的违纪" in table and f"#{older.id}" in table


def test_terminate_without_a_breach_is_one_line_and_writes_nothing(cli, seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    result = cli("supervisor", "terminate", number, "--ground", "violation", "--yes")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "第十二条（一）" in lines[0] and "violation" in lines[0]
    assert terminations(seeded) == []


def test_wizard_records_the_breach_and_the_termination_rests_on_it(cli, seeded, monkeypatch):
    number = make_id()
    appoint(seeded, "150102", number)
    # an older breach exists; the one recorded in the wizard, dated earlier, is still used
    breach(seeded, number, rule="gifts", on=T - timedelta(days=1))
    keys = (ENTER                  # ground: violation (offered first: a breach is recorded)
            + ENTER                # effective: today
            + ENTER                # no referral
            + DOWN + ENTER         # a new breach: the pack's first rule (scope)
            + "\x7f" * 10 + (T - timedelta(days=5)).isoformat() + ENTER
            + ENTER                # no note
            + SAVE)
    with terminal(monkeypatch, keys):
        result = cli("supervisor", "terminate", number, "-f", "json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("supervisor", "show", number, "-f", "json").stdout)
    recorded = [d for d in shown["discipline"] if d["rule"] == "scope"]
    assert len(recorded) == 1
    assert json.loads(result.stdout)["discipline_id"] == recorded[0]["id"]

