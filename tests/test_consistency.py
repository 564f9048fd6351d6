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


# ---------------------------------------------------------------- records written by hand


def by_hand(env, sql, **params):
    """A statement typed into the database's own shell: none of the program's rules run."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env.url)
    with engine.begin() as connection:
        connection.execute(text(sql), params)
    engine.dispose()


LEAD_ID = "(SELECT id FROM lead WHERE number = :number)"


def closed_verified(env, sup):
    number = log_lead(env, sup).number
    move(env, number, ("in_progress", {"handling_unit": "稽核科"}),
         ("verified", {"verified_amount": "1000"}), "closed")
    return number


def test_outcome_steps_edited_by_hand_are_seen(seeded):
    """The outcome a closed lead reached is read from its steps as they stand, whoever
    changed them: a step rewritten, removed or added by hand changes what `check` says."""
    sup = add_supervisor(seeded)
    number = closed_verified(seeded, sup)
    assert findings(seeded) == []
    by_hand(seeded, f"UPDATE lead_event SET to_status = 'referred' WHERE lead_id = {LEAD_ID}"
            " AND to_status = 'verified'", number=number)
    with seeded.uow("150000", write=False) as uow:
        (found,) = [f for f in consistency.check(uow) if f.kind != "overdue"]
    assert (found.kind, found.number) == ("closed_without_outcome", number)
    assert "已移交但未登记移交单位" in found.detail
    by_hand(seeded, f"DELETE FROM lead_event WHERE lead_id = {LEAD_ID}"
            " AND to_status = 'referred'", number=number)
    with seeded.uow("150000", write=False) as uow:
        (found,) = [f for f in consistency.check(uow) if f.kind != "overdue"]
    assert "没有查实、不属实或移交" in found.detail
    by_hand(seeded, "INSERT INTO lead_event (lead_id, from_status, to_status, on_date, operator,"
            f" created_at) VALUES ({LEAD_ID}, 'in_progress', 'verified', '2024-10-08', '张三',"
            " '2024-10-08 09:00:00')", number=number)
    assert findings(seeded) == []


def test_the_latest_outcome_is_the_one_that_counts(seeded):
    """A lead verified and later found unfounded needs no verified amount; its reward still
    stands on the verification."""
    gx = add_supervisor(seeded, dept="450102")
    number = verified_lead(seeded, gx)
    with seeded.uow("450100") as uow:
        lead_rewards.compute(uow, number, level="grade2")
    move(seeded, number, "closed", dept="450100")
    by_hand(seeded, "INSERT INTO lead_event (lead_id, from_status, to_status, on_date, operator,"
            f" created_at) VALUES ({LEAD_ID}, 'verified', 'unfounded', '2024-05-06', '张三',"
            " '2024-05-06 09:00:00')", number=number)
    edit_lead(seeded, number, verified_amount=None)
    assert findings(seeded, dept="450000") == []
    by_hand(seeded, "UPDATE lead SET status = 'in_progress' WHERE number = :number",
            number=number)
    with seeded.uow("450000", write=False) as uow:
        (found,) = [f for f in consistency.check(uow) if f.kind != "overdue"]
    assert (found.kind, found.number) == ("reward_unverified", number)
    assert "办理中" in found.detail


def test_a_database_upgraded_from_the_last_release_is_checked_alike(seeded):
    """Leads written before this release carry their outcome once the database is upgraded:
    the lead whose outcome step went missing meanwhile is reported, the others are not."""
    from medisup import db

    sup = add_supervisor(seeded)
    clean, broken = closed_verified(seeded, sup), closed_verified(seeded, sup)
    engine = db.make_engine(seeded.url)
    db.downgrade(engine, "0010_review_speed")
    by_hand(seeded, f"DELETE FROM lead_event WHERE lead_id = {LEAD_ID}"
            " AND to_status = 'verified'", number=broken)
    db.upgrade(engine)
    engine.dispose()
    assert findings(seeded) == [("closed_without_outcome", broken)]
    assert clean != broken


def test_every_kind_is_reported_within_the_scope_asked(seeded):
    sup = add_supervisor(seeded)
    late = log_lead(seeded, sup, dept="150102", received=date(2024, 9, 27)).number
    closed = log_lead(seeded, sup, received=date(2024, 3, 1), department="150103").number
    move(seeded, closed, ("in_progress", {"handling_unit": "稽核科"}),
         ("verified", {"verified_amount": "1000"}), "closed")
    edit_lead(seeded, closed, closed_on=None)
    with seeded.uow("150000") as uow:  # the term is later corrected to have ended earlier
        term = uow.session.exec(select(Term)).one()
        term.terminated_on = date(2024, 9, 1)
        uow.session.add(term)
    assert findings(seeded) == sorted([("not_serving", late), ("closed_without_outcome", closed)],
                                      key=lambda f: f[1])
    assert findings(seeded, department="150102") == [("not_serving", late)]
    assert findings(seeded, department="150103") == [("closed_without_outcome", closed)]
    assert findings(seeded, dept="450000") == []


def test_findings_in_english(seeded, monkeypatch):
    sup = add_supervisor(seeded)
    number = log_lead(seeded, sup).number
    add_reward(seeded, number)
    monkeypatch.setattr(i18n, "_language", "en")
    with seeded.uow("150000", write=False) as uow:
        (found,) = [f for f in consistency.check(uow) if f.kind != "overdue"]
    assert found.detail.startswith("a reward of 500") and "(not verified)" in found.detail


def test_the_check_reads_alike_without_the_orm(seeded):
    """`check` reads through SQLAlchemy Core alone (a read-only unit of work without the
    ORM, as lists use) and finds the same."""
    from medisup.services.uow import unit_of_work

    sup = add_supervisor(seeded)
    number = log_lead(seeded, sup).number
    add_reward(seeded, number)
    add_reward(seeded, number)
    edit_lead(seeded, closed_verified(seeded, sup), closed_on=None)
    with seeded.uow("150000", write=False) as uow:
        with_orm = consistency.check(uow, as_of=date(2026, 6, 30))
    with unit_of_work(seeded.settings("150000"), command="check", write=False,
                      orm=False) as uow:
        assert consistency.check(uow, as_of=date(2026, 6, 30)) == with_orm
    assert {f.kind for f in with_orm} == {"overdue", "reward_unverified", "duplicate_reward",
                                          "closed_without_outcome"}
