"""The consistency check: rewards on unverified leads, two rewards for one lead, leads
from supervisors not serving on the day received, closed leads without an outcome."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from helpers_leads import add_supervisor, log_lead, move, verified_lead
from sqlmodel import select

from medisup import i18n
from medisup.errors import ScopeError
from medisup.models import Lead, Reward, Term
from medisup.services.leads import consistency
from medisup.services.leads import rewards as lead_rewards


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def findings(env, dept="150000", *, overdue=False, **kw):
    """The findings as (kind, number); overdue leads (reported per department) only when
    asked for: the records these tests make are years old and open."""
    with env.uow(dept, write=False) as uow:
        return [(f.kind, f.number) for f in consistency.check(uow, **kw)
                if overdue or f.kind != "overdue"]


def test_overdue_leads_are_reported_per_department(seeded):
    """`check` says how many leads are past their deadline, where, since when, and how to
    list them; a lead handled in time, or one still within its deadline, is not counted."""
    supervisor = add_supervisor(seeded, start=date(2025, 1, 1), end=date(2026, 12, 31))
    late = log_lead(seeded, supervisor, dept="150102", received=date(2025, 11, 3))
    after = late.row.accept_by + timedelta(days=1)
    log_lead(seeded, supervisor, dept="150102", received=late.row.accept_by)  # within time
    assert findings(seeded, overdue=True, as_of=late.row.accept_by) == []
    assert findings(seeded, overdue=True, as_of=after) == [("overdue", "150102")]
    with seeded.uow("150000", write=False) as uow:
        found = consistency.check(uow, as_of=after)[0]
    assert "1 条线索已超过期限" in found.detail and late.row.accept_by.isoformat() in found.detail
    assert "medisup lead list --overdue --department 150102" in found.detail
    move(seeded, late.number, ("in_progress", {"handling_unit": "基金监管科",
                                               "on": late.row.accept_by}))
    handled = findings(seeded, overdue=True, as_of=after)
    assert handled == []  # accepted in time, handling deadline not yet reached


def add_reward(env, number, status="proposed"):
    with env.uow("150000") as uow:
        lead = uow.session.exec(select(Lead).where(Lead.number == number)).one()
        uow.session.add(Reward(lead_id=lead.id, computed=Decimal("500"), amount=Decimal("500"),
                               basis="手工录入", status=status, created_at=datetime.now(UTC)))


def edit_lead(env, number, **values):
    with env.uow("150000") as uow:
        lead = uow.session.exec(select(Lead).where(Lead.number == number)).one()
        for key, value in values.items():
            setattr(lead, key, value)
        uow.session.add(lead)


def test_clean_data_has_no_findings(seeded):
    sup = add_supervisor(seeded)
    number = log_lead(seeded, sup).number
    move(seeded, number, ("in_progress", {"handling_unit": "稽核科"}),
         ("verified", {"verified_amount": "1000"}), "closed")
    gx = add_supervisor(seeded, dept="450102")
    verified = verified_lead(seeded, gx)
    with seeded.uow("450100") as uow:
        lead_rewards.compute(uow, verified, level="grade2")
    assert findings(seeded) == []
    assert findings(seeded, dept="450000") == []


def test_reward_on_an_unverified_lead(seeded):
    sup = add_supervisor(seeded)
    number = log_lead(seeded, sup).number
    add_reward(seeded, number)
    add_reward(seeded, log_lead(seeded, sup).number, status="cancelled")  # not live: ignored
    with seeded.uow("150000", write=False) as uow:
        found = [f for f in consistency.check(uow) if f.kind != "overdue"]
    assert [(f.kind, f.number) for f in found] == [("reward_unverified", number)]
    assert "已登记" in found[0].detail and "500" in found[0].detail


def test_two_rewards_for_one_lead(seeded):
    gx = add_supervisor(seeded, dept="450102")
    number = verified_lead(seeded, gx)
    with seeded.uow("450100") as uow:
        lead_rewards.compute(uow, number, level="grade2")
    add_reward(seeded, number)
    assert findings(seeded, dept="450000") == [("duplicate_reward", number)]


def test_lead_from_a_supervisor_not_serving_that_day(seeded):
    sup = add_supervisor(seeded)
    number = log_lead(seeded, sup, received=date(2024, 9, 27)).number
    with seeded.uow("150000") as uow:  # the term is later corrected to have ended earlier
        term = uow.session.exec(select(Term)).one()
        term.terminated_on = date(2024, 9, 1)
        uow.session.add(term)
    assert findings(seeded) == [("not_serving", number)]


def test_closed_leads_without_outcome(seeded):
    sup = add_supervisor(seeded)
    bare = log_lead(seeded, sup).number
    edit_lead(seeded, bare, status="closed", closed_on=date(2024, 10, 30))
    no_amount = log_lead(seeded, sup).number
    move(seeded, no_amount, ("in_progress", {"handling_unit": "稽核科"}),
         ("verified", {"verified_amount": "100"}), "closed")
    edit_lead(seeded, no_amount, verified_amount=None)
    no_date = log_lead(seeded, sup).number
    move(seeded, no_date, ("in_progress", {"handling_unit": "稽核科"}), "unfounded", "closed")
    edit_lead(seeded, no_date, closed_on=None)
    with seeded.uow("150000", write=False) as uow:
        found = {f.number: f for f in consistency.check(uow) if f.kind != "overdue"}
    assert set(found) == {bare, no_amount, no_date}
    assert all(f.kind == "closed_without_outcome" for f in found.values())
    assert "没有查实、不属实或移交" in found[bare].detail
    assert "未登记查实金额" in found[no_amount].detail
    assert "缺少办结日期" in found[no_date].detail


def test_check_covers_only_the_scope_asked(seeded):
    sup = add_supervisor(seeded)
    number = log_lead(seeded, sup).number
    add_reward(seeded, number)
    assert findings(seeded, dept="150100") == [("reward_unverified", number)]
    assert findings(seeded, dept="150103") == []
    assert findings(seeded, dept="150100", department="150103") == []
    with pytest.raises(ScopeError):
        findings(seeded, dept="150103", department="150102")
