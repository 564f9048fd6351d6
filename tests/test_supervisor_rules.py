"""Supervisor rules over plain facts: no database needed."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from medisup.packs import load_pack
from medisup.services.supervisors import rules


class T(NamedTuple):
    department_code: str
    start_date: date
    end_date: date
    terminated_on: date | None = None


def test_last_day_is_the_day_before_a_termination():
    assert rules.last_day(date(2026, 12, 31), None) == date(2026, 12, 31)
    assert rules.last_day(date(2026, 12, 31), date(2026, 6, 1)) == date(2026, 5, 31)
    assert rules.last_day(date(2026, 12, 31), date(2027, 6, 1)) == date(2026, 12, 31)


def test_serving_window_reads_the_last_day_served():
    terms = [T("150102", date(2024, 1, 1), date(2026, 12, 31), date(2025, 1, 1)),
             T("150103", date(2025, 6, 1), date(2027, 5, 31))]
    found = rules.serving_in(terms, date(2025, 1, 1), date(2025, 12, 31))
    assert [f.department_code for f in found] == ["150103"]


def test_places_and_peak():
    ended_early = T("150102", date(2026, 3, 1), date(2028, 2, 28), date(2026, 3, 1))
    assert rules.place_of(1, ended_early) is None
    places = [rules.place_of(1, T("150102", date(2026, 1, 1), date(2028, 12, 31))),
              rules.place_of(2, T("150102", date(2026, 2, 1), date(2028, 12, 31)))]
    assert rules.peak_places(places, date(2026, 1, 1), date(2026, 12, 31)) == (
        2, date(2026, 2, 1))


def test_application_date_and_interests():
    assert rules.not_before_application(date(2026, 1, 1), date(2026, 1, 1)) is None
    assert "2026-01-02" in rules.not_before_application(date(2026, 1, 1), date(2026, 1, 2))
    assert rules.same_interest("甲医院", "X", "乙医院", "X")
    assert not rules.same_interest("甲医院", "X", "甲医院", "Y")
    assert rules.same_interest("甲医院", None, "甲医院", "Y")


def test_blocking_termination_follows_the_pack():
    pack = load_pack("nm-2024")
    grounds = [pack.item("termination_grounds", code) for code in pack.codes("termination_grounds")]
    assert any(g.blocks_reapplication for g in grounds)
    for ground in grounds:
        fact = rules.blocking_termination(pack, "150102", ground.code, date(2025, 1, 1))
        assert (fact is not None) == bool(ground.blocks_reapplication)
    assert rules.blocking_termination(pack, "150102", "no-such-ground", date(2025, 1, 1)) is None


def test_serves_on_the_day():
    assert rules.serves_on(date(2026, 1, 1), date(2028, 12, 31), None, date(2026, 1, 1))
    assert not rules.serves_on(date(2026, 1, 1), date(2028, 12, 31), date(2026, 5, 1),
                               date(2026, 5, 1))
    assert rules.serves_on(date(2026, 1, 1), date(2028, 12, 31), date(2026, 5, 1),
                           date(2026, 4, 30))
