"""The roster and the record: statuses on a date, list filters, masking and reveals, one
person's history, declared interests and audited updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import TODAY
from helpers_supervisors import apply, appoint, make_credit_code, make_id
from sqlmodel import select

from medisup import i18n
from medisup.errors import InvalidValue, NotFound, RuleViolation, ScopeError
from medisup.models import Interest
from medisup.services import audit, supervisors

T = TODAY


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def listing(env, dept: str = "150100", **filters):
    with env.uow(dept, write=False) as uow:
        return supervisors.list_supervisors(uow, **filters)


@pytest.fixture
def roster(seeded):
    """One person in each status, in the 150100 subtree (150102 and 150103)."""
    people = {s: make_id() for s in ("pending", "serving", "terminated", "expired", "rejected",
                                      "appointed")}
    apply(seeded, "150102", people["pending"], name="申请人", applied_on=T - timedelta(days=3))
    appoint(seeded, "150102", people["serving"], name="在聘人", categories=["expert"])
    appoint(seeded, "150103", people["terminated"], name="解聘人")
    with seeded.uow("150103") as uow:
        supervisors.terminate(uow, people["terminated"], ground="resigned",
                              effective=T - timedelta(days=2))
    appoint(seeded, "150103", people["expired"], name="期满人",
            start=T - timedelta(days=2 * 366 + 10))
    apply(seeded, "150103", people["rejected"], name="驳回人")
    with seeded.uow("150103") as uow:
        supervisors.reject(uow, people["rejected"], reason="不符合条件")
    apply(seeded, "150102", people["appointed"], name="待任人", applied_on=T - timedelta(days=3))
    with seeded.uow("150102") as uow:
        supervisors.approve(uow, people["appointed"], start=T + timedelta(days=30))
    return seeded, people


def test_every_status_is_derived(roster):
    env, people = roster
    found = {r.name: r.status for r in listing(env)}
    assert found == {"申请人": "pending", "在聘人": "serving", "解聘人": "terminated",
                     "期满人": "expired", "驳回人": "rejected", "待任人": "appointed"}


def test_status_filter_accepts_code_or_label(roster):
    env, _ = roster
    assert [r.name for r in listing(env, status="serving")] == ["在聘人"]
    assert [r.name for r in listing(env, status="期满未续聘")] == ["期满人"]
    with pytest.raises(InvalidValue) as err:
        listing(env, status="retired")
    assert "retired" in err.value.message and "serving" in err.value.message


def test_department_filter_is_a_subtree_in_scope(roster):
    env, _ = roster
    assert {r.department_code for r in listing(env, department="150102")} == {"150102"}
    assert len(listing(env, "150000")) == 6
    with pytest.raises(ScopeError):
        listing(env, "150102", department="150103")


def test_category_and_channel_filters(roster):
    env, _ = roster
    assert [r.name for r in listing(env, category="专家学者")] == ["在聘人"]
    assert len(listing(env, channel="open")) == 6
    assert listing(env, channel="unit") == []
    with pytest.raises(InvalidValue):
        listing(env, category="astronaut")


def test_term_ending_filters(roster):
    env, _ = roster
    expired = [r.name for r in listing(env, ending_before=T)]
    assert expired == ["期满人"]
    soon = listing(env, ending_within=800)
    assert {r.name for r in soon} == {"在聘人", "待任人"}
    assert listing(env, ending_within=10) == []


def test_as_of_replays_the_past(roster):
    env, people = roster
    back = {r.name: r.status for r in listing(env, as_of=T - timedelta(days=20))}
    assert back["解聘人"] == "serving"
    assert "申请人" not in back  # applied later
    assert back["期满人"] == "serving"
    assert "待任人" not in back
    yesterday = {r.name: r.status for r in listing(env, as_of=T - timedelta(days=1))}
    assert yesterday["待任人"] == "pending"  # approved only today


def test_list_masks_id_and_phone_unless_revealed(roster):
    env, people = roster
    row = listing(env, status="serving")[0]
    number = people["serving"]
    assert row.id_number == number[:6] + "********" + number[-4:]
    assert row.phone == "138****5678"
    with env.uow("150100") as uow:
        shown = supervisors.list_supervisors(uow, status="serving", reveal=True)
    assert shown[0].id_number == number and shown[0].phone == "13812345678"
    with env.uow(write=False) as uow:
        entry = audit.log(uow.session, action="reveal", limit=1)[0]
    assert entry["entity"] == "person" and entry["after"]["people"] == [shown[0].person_id]


def test_show_gives_the_whole_history(roster):
    env, people = roster
    with env.uow("150102", write=False) as uow:
        detail = supervisors.show(uow, people["serving"])
    assert detail.person.id_number.startswith("150102********")
    assert [s.status for s in detail.statuses] == ["serving"]
    assert [a.status for a in detail.applications] == ["approved"]
    assert detail.applications[0].findings and detail.terms[0].number == 1
    assert detail.category_labels == ("有关领域专家学者",) or detail.category_labels == ("专家学者",)
    assert detail.certificates == () and detail.terminations == ()


def test_show_by_person_id_and_reveal_is_audited(roster):
    env, people = roster
    with env.uow("150102", write=False) as uow:
        masked = supervisors.show(uow, people["serving"])
    with env.uow("150102") as uow:
        revealed = supervisors.show(uow, masked.person.id, reveal=True)
    assert revealed.person.id_number == people["serving"]
    with env.uow(write=False) as uow:
        assert audit.log(uow.session, action="reveal", limit=1)[0]["entity_id"] == str(
            masked.person.id)


def test_history_across_departments(seeded):
    number = make_id()
    appoint(seeded, "150102", number, start=T - timedelta(days=100))
    with seeded.uow("150102") as uow:
        supervisors.terminate(uow, number, ground="incompetent", effective=T - timedelta(days=50))
    appoint(seeded, "150103", number, start=T - timedelta(days=10))
    with seeded.uow("150100", write=False) as uow:
        detail = supervisors.show(uow, number)
        rows = supervisors.list_supervisors(uow)
    assert [(s.department_code, s.status) for s in detail.statuses] == [
        ("150102", "terminated"), ("150103", "serving")]
    assert [t.department_code for t in detail.terms] == ["150102", "150103"]
    assert [x.ground for x in detail.terminations] == ["incompetent"]
    assert [(r.department_code, r.status) for r in rows] == [
        ("150102", "terminated"), ("150103", "serving")]
    with seeded.uow("150103", write=False) as uow:  # 150103 sees only its own part
        assert [t.department_code for t in supervisors.show(uow, number).terms] == ["150103"]


# ── interests ─────────────────────────────────────────────────────────────


def test_interests_add_remove_and_keep_history(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    code = make_credit_code()
    with seeded.uow("150102") as uow:
        supervisors.add_interest(uow, number, name="新城区人民医院", credit_code=code.lower())
        supervisors.add_interest(uow, number, name="某某大药房")
    with pytest.raises(RuleViolation), seeded.uow("150102") as uow:
        supervisors.add_interest(uow, number, name="新城区人民医院（重名）", credit_code=code)
    with seeded.uow("150102") as uow:
        removed = supervisors.remove_interest(uow, number, credit_code=code)
    assert removed.withdrawn_on == T
    with seeded.uow("150102", write=False) as uow:
        everything = supervisors.list_interests(uow, number)
        active = supervisors.list_interests(uow, number, active_only=True)
        rows = uow.session.exec(select(Interest)).all()
    assert [i.institution_name for i in everything] == ["新城区人民医院", "某某大药房"]
    assert [i.institution_name for i in active] == ["某某大药房"]
    assert len(rows) == 2  # withdrawn, not deleted
    with seeded.uow("150102") as uow:
        supervisors.remove_interest(uow, number, name="某某大药房")
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.remove_interest(uow, number, name="不存在的机构")
    assert "不存在的机构" in err.value.message


def test_interest_with_bad_credit_code_is_refused(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.add_interest(uow, number, name="某医院", credit_code="91150102MA0N123450")
    assert "91150102MA0N123450" in err.value.message


# ── update ────────────────────────────────────────────────────────────────


def test_update_is_audited_with_before_and_after(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with seeded.uow("150102") as uow:
        updated = supervisors.update(uow, number, {"phone": "0471-6543210",
                                                   "categories": ["人大代表", "expert"],
                                                   "background": "法律", "email": ""})
    assert updated.phone == "0471-6543210"
    assert updated.categories == ("expert", "npc_deputy") and updated.background == "law"
    with seeded.uow(write=False) as uow:
        entry = audit.log(uow.session, entity="person", action="update", limit=1, reveal=True)[0]
    assert entry["before"]["phone"] == "13812345678"
    assert entry["after"]["phone"] == "0471-6543210"


def test_bad_update_writes_nothing(seeded):
    number = make_id()
    appoint(seeded, "150102", number)
    with pytest.raises(InvalidValue) as err, seeded.uow("150102") as uow:
        supervisors.update(uow, number, {"name": "新名字", "phone": "12345"})
    assert err.value.field == "联系电话" and "12345" in err.value.message
    with seeded.uow("150102", write=False) as uow:
        assert supervisors.show(uow, number).person.name == "张三"


def test_update_of_someone_outside_scope_is_not_found(seeded):
    number = make_id()
    appoint(seeded, "150103", number)
    with pytest.raises(NotFound), seeded.uow("150102") as uow:
        supervisors.update(uow, number, {"phone": "13900000000"})
