"""Working-day deadlines: official holidays, 调休 swaps, pack overrides and the fallback."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medisup import i18n
from medisup.errors import InvalidValue
from medisup.packs import load_pack
from medisup.services.leads.deadlines import (
    add_working_days,
    calendar_covers,
    is_working_day,
    lead_deadlines,
    working_days_between,
)


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


# 2024 National Day: 1–7 October off; Sunday 29 September and Saturday 12 October worked.
# 2024 Spring Festival: 10–17 February off; Sundays 4 and 18 February worked.
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 9, 29), True),  # Sunday, swapped in
        (date(2024, 10, 1), False),
        (date(2024, 10, 4), False),  # Friday, holiday
        (date(2024, 10, 7), False),  # Monday, swapped out
        (date(2024, 10, 8), True),
        (date(2024, 10, 12), True),  # Saturday, swapped in
        (date(2024, 10, 13), False),
        (date(2024, 2, 4), True),  # Sunday before Spring Festival
        (date(2024, 2, 12), False),  # Monday of Spring Festival
        (date(2024, 2, 18), True),  # Sunday after it
        (date(2024, 3, 6), True),  # an ordinary Wednesday
        (date(2024, 3, 9), False),  # an ordinary Saturday
    ],
)
def test_is_working_day_follows_the_official_schedule(day, working):
    assert is_working_day(day) is working


def test_adding_across_national_day():
    # Monday 30 September → the next working day is Tuesday 8 October.
    assert add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
    # Friday 11 October → the next working day is the swapped Saturday.
    assert add_working_days(date(2024, 10, 11), 1) == date(2024, 10, 12)
    # Friday 27 September + 15 working days: 29 Sep (Sun), 30 Sep, 8–12 Oct, 14–18 Oct,
    # 21–23 Oct.
    assert add_working_days(date(2024, 9, 27), 15) == date(2024, 10, 23)


def test_adding_across_spring_festival():
    # Friday 9 February (除夕, a working day that year) → Sunday 18 February.
    assert add_working_days(date(2024, 2, 9), 1) == date(2024, 2, 18)
    assert add_working_days(date(2024, 2, 2), 1) == date(2024, 2, 4)


def test_counting_between_dates():
    assert working_days_between(date(2024, 9, 30), date(2024, 10, 12)) == 5
    assert working_days_between(date(2024, 10, 12), date(2024, 9, 30)) == -5
    assert working_days_between(date(2024, 3, 4), date(2024, 3, 4)) == 0


def test_zero_and_negative_days():
    assert add_working_days(date(2024, 10, 5), 0) == date(2024, 10, 5)
    assert add_working_days(date(2024, 10, 8), -1) == date(2024, 9, 30)


def test_overrides_take_precedence():
    overrides = {date(2024, 10, 12): False, date(2024, 10, 7): True}
    assert not is_working_day(date(2024, 10, 12), overrides=overrides)
    assert add_working_days(date(2024, 10, 11), 1, overrides=overrides) == date(2024, 10, 14)
    assert add_working_days(date(2024, 10, 4), 1, overrides=overrides) == date(2024, 10, 7)


def test_years_without_a_schedule_fall_back_to_weekends_and_overrides():
    assert not calendar_covers(2099)
    assert calendar_covers(2024)
    # Thursday 1 January 2099 is not known as a holiday: counted as a working day.
    assert is_working_day(date(2099, 1, 1))
    assert not is_working_day(date(2099, 1, 3))  # Saturday
    assert not is_working_day(date(2099, 1, 1), overrides={date(2099, 1, 1): False})
    assert add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)


def test_lead_deadlines_from_the_pack():
    nm = load_pack("nm-2024")
    result = lead_deadlines(date(2024, 9, 27), nm)
    assert result.accept_by == date(2024, 10, 23)
    # 30 working days: the 15 above, then 24 October … 13 November.
    assert result.handle_by == date(2024, 11, 13)
    assert not result.estimated and result.warnings == ()
    assert "第十条（二）" in result.basis
    assert result.overdue(date(2024, 11, 14)) and not result.overdue(date(2024, 11, 13))


def test_handling_counts_from_acceptance_when_recorded():
    nm = load_pack("nm-2024")
    result = lead_deadlines(date(2024, 9, 27), nm, accepted=date(2024, 10, 8))
    assert result.handle_from == date(2024, 10, 8)
    assert result.handle_by == add_working_days(date(2024, 10, 8), 30)


def test_extensions_add_working_days_up_to_the_limit():
    nm = load_pack("nm-2024")
    result = lead_deadlines(date(2024, 9, 27), nm, extensions=[10, 20])
    assert result.extension_days == 30
    assert result.handle_by == add_working_days(date(2024, 11, 13), 30)
    with pytest.raises(InvalidValue) as caught:
        lead_deadlines(date(2024, 9, 27), nm, extensions=[20, 15])
    assert "30" in caught.value.message and "延期" in caught.value.message
    with pytest.raises(InvalidValue):
        lead_deadlines(date(2024, 9, 27), nm, extensions=[0])


def test_estimated_deadlines_say_so():
    gx = load_pack("gx-trial")
    result = lead_deadlines(date(2098, 12, 1), gx)
    assert result.estimated and result.estimated_years == (2098, 2099)
    assert "2098、2099 年" in result.warnings[0] and "仅供参考" in result.warnings[0]
    assert result.as_dict()["estimated"] is True


def test_pack_overrides_for_an_unknown_year():
    gx = load_pack("gx-trial")
    holidays = {date(2099, 1, day): False for day in (1, 2)} | {date(2099, 1, 3): True}
    pack = replace(gx, holiday_overrides=holidays, holiday_years=(2099,))
    result = lead_deadlines(date(2098, 12, 31), pack)
    # 1–2 Jan off, Saturday 3 Jan worked, then 5 Jan onwards.
    assert add_working_days(date(2098, 12, 31), 2, overrides=holidays) == date(2099, 1, 5)
    assert result.estimated_years == ()  # 2099 is declared complete in the pack


@given(
    start=st.dates(min_value=date(2005, 1, 1), max_value=date(2025, 6, 30)),
    days=st.integers(min_value=0, max_value=60),
)
def test_adding_then_counting_round_trips(start, days):
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert working_days_between(end, start) == -days
    if days:
        assert is_working_day(end)
        assert end - start >= timedelta(days=days)
        assert add_working_days(end, -days) <= start


def test_chinese_calendar_is_imported_lazily():
    code = (
        "import sys, medisup.services.leads.deadlines, medisup.services.leads.reward_rules; "
        "print('chinese_calendar' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
