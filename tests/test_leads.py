"""Lead services on a real database: logging, numbers, conflicts, every transition,
working-day deadlines across the 2024 National Day swap, extensions, lists and reveals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from helpers_leads import (
    HOSPITAL,
    HOSPITAL_CODE,
    OTHER_HOSPITAL,
    OTHER_HOSPITAL_CODE,
    PHARMACY,
    PHARMACY_CODE,
    add_supervisor,
    count_rows,
    log_lead,
    move,
)
from sqlmodel import select

from medisup import i18n
from medisup.errors import InvalidValue, NotFound, RuleViolation, ScopeError
from medisup.models import AuditEntry, Counter, Lead, LeadEvent, LeadExtension, LeadItem
from medisup.services import audit, leads


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


@pytest.fixture
def sup(seeded):
    """A supervisor serving 150102 in 2024–2025 with a declared tie to HOSPITAL."""
    return add_supervisor(seeded, interests=((HOSPITAL, HOSPITAL_CODE),))


def nothing_written(env, *, leads_before=0, audit_before=None):
    assert count_rows(env, Lead) == leads_before
    if audit_before is not None:
        assert count_rows(env, AuditEntry) == audit_before


# ── logging ───────────────────────────────────────────────────────────────


def test_log_records_number_items_event_and_deadlines(seeded, sup):
    detail = log_lead(seeded, sup, codes=("A1", "a5"), amount="12800.5")
    row = detail.row
    # The supervisor serves 150102, within the operator's (150100) scope.
    assert row.number == "150102-2024-0001" and row.department_code == "150102"
    assert row.items == ("A1", "A5") and row.status == "received"
    assert row.amount_involved == Decimal("12800.50")
    assert row.channel == "phone" and row.channel_label == "电话"
    assert [(e.from_status, e.to_status, e.on_date, e.operator) for e in detail.events] == [
        (None, "received", date(2024, 9, 27), "测试员")]
    assert detail.pack == "nm-2024"
    assert [i.code for i in detail.item_views] == ["A1", "A5"]


def test_deadlines_across_the_national_day_swap(seeded, sup):
    # Friday 27 September 2024: Sunday 29 September is worked, 1–7 October are off,
    # Saturday 12 October is worked.  15 working days → 23 October, 30 → 13 November.
    detail = log_lead(seeded, sup, received=date(2024, 9, 27))
    assert detail.row.accept_by == date(2024, 10, 23)
    assert detail.row.handle_by == date(2024, 11, 13)
    assert "国家医疗保障局令第5号" in detail.deadline_basis


def test_acceptance_restarts_the_handling_period(seeded, sup):
    detail = log_lead(seeded, sup, received=date(2024, 9, 27))
    after = move(seeded, detail.number,
                 ("in_progress", {"handling_unit": "基金监管科", "on": date(2024, 9, 30)}))
    # 30 working days after Monday 30 September, skipping 1–7 October: 15 November.
    assert after.row.handle_by == date(2024, 11, 15)
    assert after.row.accept_by == date(2024, 10, 23)


def test_numbers_count_per_department_and_year_and_never_repeat(seeded, sup):
    first = log_lead(seeded, sup).number
    second = log_lead(seeded, sup).number
    other_year = log_lead(seeded, sup, received=date(2025, 1, 6)).number
    assert (first, second, other_year) == (
        "150102-2024-0001", "150102-2024-0002", "150102-2025-0001")
    with seeded.uow("150000") as uow:  # someone deletes the last 2024 lead by hand
        lead = uow.session.exec(select(Lead).where(Lead.number == second)).one()
        for model in (LeadItem, LeadEvent):
            for row in uow.session.exec(select(model).where(model.lead_id == lead.id)):
                uow.session.delete(row)
        uow.session.flush()
        uow.session.delete(lead)
    assert log_lead(seeded, sup).number == "150102-2024-0003"


def test_explicit_department_and_scope(seeded, sup):
    detail = log_lead(seeded, sup, dept="150100", department="150103")
    assert detail.number == "150103-2024-0001"
    with pytest.raises(ScopeError):
        log_lead(seeded, sup, dept="150103", department="150102")
    # Acting as 150103, the supervisor's own department is out of scope: the lead is ours.
    assert log_lead(seeded, sup, dept="150103").number == "150103-2024-0002"


def test_log_is_audited_with_description_masked_in_the_log(seeded, sup):
    number = log_lead(seeded, sup).number
    with seeded.uow("150000", write=False) as uow:
        entry = audit.log(uow.session, entity="lead", entity_id=number)[0]
        raw = audit.log(uow.session, entity="lead", entity_id=number, reveal=True)[0]
    assert entry["action"] == "create"
    assert entry["after"]["description"] == "******"
    assert entry["after"]["supervisor"]["id_number"] != sup
    assert raw["after"]["description"] == "该院虚构住院病历套取医保基金"
    assert raw["after"]["items"] == ["A1"]


def test_conflict_is_flagged_by_credit_code(seeded, sup):
    detail = log_lead(seeded, sup, name="改名后的医院", credit_code=HOSPITAL_CODE)
    assert detail.row.conflict and detail.conflict_with == HOSPITAL
    clean = log_lead(seeded, sup, name=OTHER_HOSPITAL, credit_code=OTHER_HOSPITAL_CODE)
    assert not clean.row.conflict and clean.conflict_with is None


def test_withdrawn_interest_is_no_conflict(seeded):
    former = add_supervisor(seeded, interests=((HOSPITAL, HOSPITAL_CODE),),
                            withdrawn_on=date(2024, 6, 1))
    assert not log_lead(seeded, former, received=date(2024, 9, 27)).row.conflict
    assert log_lead(seeded, former, received=date(2024, 5, 20)).row.conflict


@pytest.mark.parametrize(
    "term",
    [
        {"start": date(2024, 10, 1), "end": date(2026, 9, 30)},  # not yet appointed
        {"start": date(2022, 1, 1), "end": date(2023, 12, 31)},  # term over
        {"start": date(2024, 1, 1), "end": date(2025, 12, 31),
         "terminated_on": date(2024, 9, 27)},  # dismissed that very day
    ],
)
def test_lead_from_a_supervisor_not_serving_is_refused(seeded, term):
    person = add_supervisor(seeded, **term)
    before = count_rows(seeded, AuditEntry)
    with pytest.raises(RuleViolation) as err:
        log_lead(seeded, person, received=date(2024, 9, 27))
    assert "2024-09-27" in err.value.message and "不在聘期内" in err.value.message
    assert person not in err.value.message  # the ID number is masked
    nothing_written(seeded, audit_before=before)
    with seeded.uow("150000", write=False) as uow:
        assert uow.session.get(Counter, "lead:150102:2024") is None


def test_unknown_supervisor(seeded):
    with pytest.raises(NotFound):
        log_lead(seeded, "150102198001010000")


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"codes": ("A10",)}, "线索分类", "A10"),
        ({"codes": ("B1",)}, "线索分类代码", "B1"),  # a pharmacy code for a hospital
        ({"amount": "-5"}, "涉案金额", "-5"),
        ({"amount": "一万"}, "涉案金额", "一万"),
        ({"credit_code": HOSPITAL_CODE[:-1] + "0"}, "统一社会信用代码", HOSPITAL_CODE[:-1]),
        ({"channel": "其他形式"}, "反映方式", "其他形式"),  # open list: a bare 其他 names nothing
        ({"received": date(2099, 1, 1)}, "收到日期", "2099-01-01"),
    ],
)
def test_bad_input_names_field_and_value_and_writes_nothing(seeded, sup, changes, field, value):
    before = count_rows(seeded, AuditEntry)
    with pytest.raises(InvalidValue) as err:
        log_lead(seeded, sup, **changes)
    assert err.value.message.startswith(field) and value in err.value.message
    nothing_written(seeded, audit_before=before)


def test_targets_of_each_kind(seeded, sup):
    pharmacy = log_lead(seeded, sup, kind="pharmacy", name=PHARMACY, credit_code=PHARMACY_CODE,
                        codes=("B1", "E1"))
    person = log_lead(seeded, sup, kind="insured_person", name="李四", credit_code=None,
                      codes=("C2",))
    bureau = log_lead(seeded, sup, kind="agency", name="某旗医保经办中心", credit_code=None,
                      codes=("D1",))
    assert [d.row.target_kind for d in (pharmacy, person, bureau)] == [
        "pharmacy", "insured_person", "agency"]
    assert person.row.target_credit_code is None


# ── transitions ───────────────────────────────────────────────────────────


def accept(env, number, on=date(2024, 9, 30)):
    return move(env, number, ("in_progress", {"handling_unit": "基金监管科", "on": on}))


def test_verified_path_to_closed(seeded, sup):
    number = log_lead(seeded, sup).number
    accept(seeded, number)
    move(seeded, number, ("verified", {"on": date(2024, 10, 20), "verified_amount": "50000",
                                       "note": "现场核查属实"}))
    closed = move(seeded, number, ("closed", {"on": date(2024, 11, 1),
                                              "recovered_amount": "48000"}))
    assert closed.row.status == "closed" and closed.row.closed_on == date(2024, 11, 1)
    assert closed.row.verified_amount == Decimal("50000.00")
    assert closed.row.recovered_amount == Decimal("48000.00")
    assert closed.row.handling_unit == "基金监管科"
    assert [(e.from_status, e.to_status, e.on_date) for e in closed.events] == [
        (None, "received", date(2024, 9, 27)),
        ("received", "in_progress", date(2024, 9, 30)),
        ("in_progress", "verified", date(2024, 10, 20)),
        ("verified", "closed", date(2024, 11, 1)),
    ]
    assert closed.events[2].note == "现场核查属实"
    assert all(e.operator == "测试员" for e in closed.events)
    with seeded.uow("150000", write=False) as uow:
        entries = audit.log(uow.session, entity="lead", entity_id=number, action="transition")
    assert [(e["before"]["status"], e["after"]["status"]) for e in reversed(entries)] == [
        ("received", "in_progress"), ("in_progress", "verified"), ("verified", "closed")]


def test_unfounded_and_referred_paths(seeded, sup):
    a = log_lead(seeded, sup).number
    accept(seeded, a)
    done = move(seeded, a, "unfounded", "closed")
    assert [e.to_status for e in done.events][-2:] == ["unfounded", "closed"]

    b = log_lead(seeded, sup).number
    accept(seeded, b)
    referred = move(seeded, b, ("referred", {"referral_target": "市公安局"}))
    assert referred.row.referral_target == "市公安局"
    assert move(seeded, b, "closed").row.status == "closed"


@pytest.mark.parametrize(
    ("path", "wrong"),
    [
        ([], "verified"),
        ([], "closed"),
        (["in_progress"], "closed"),
        (["in_progress"], "received"),
        (["in_progress", "unfounded"], "verified"),
        (["in_progress", "unfounded", "closed"], "in_progress"),
    ],
)
def test_out_of_order_transition_is_refused_and_nothing_written(seeded, sup, path, wrong):
    number = log_lead(seeded, sup).number
    for status in path:
        move(seeded, number, (status, {"handling_unit": "基金监管科"}
                              if status == "in_progress" else {}))
    before = count_rows(seeded, LeadEvent), count_rows(seeded, AuditEntry)
    with pytest.raises(RuleViolation) as err:
        move(seeded, number, wrong)
    assert "不能改为" in err.value.message
    assert (count_rows(seeded, LeadEvent), count_rows(seeded, AuditEntry)) == before


def test_step_requirements(seeded, sup):
    number = log_lead(seeded, sup).number
    with pytest.raises(InvalidValue) as err:
        move(seeded, number, "in_progress")
    assert err.value.message.startswith("承办科室")
    accept(seeded, number)
    with pytest.raises(InvalidValue) as err:
        move(seeded, number, "referred")
    assert err.value.message.startswith("移交单位")
    with pytest.raises(RuleViolation):
        move(seeded, number, ("unfounded", {"verified_amount": "100"}))
    with pytest.raises(RuleViolation):
        move(seeded, number, ("verified", {"referral_target": "公安"}))
    with pytest.raises(InvalidValue) as err:
        move(seeded, number, ("verified", {"verified_amount": "100", "recovered_amount": "200"}))
    assert "追回金额" in err.value.message
    move(seeded, number, "verified")
    with pytest.raises(RuleViolation) as err:
        move(seeded, number, "closed")
    assert "查实金额" in err.value.message
    assert move(seeded, number, ("closed", {"verified_amount": "900"})).row.status == "closed"


def test_step_dates(seeded, sup):
    number = log_lead(seeded, sup).number
    with pytest.raises(InvalidValue) as err:
        move(seeded, number, ("in_progress", {"handling_unit": "稽核科",
                                              "on": date(2024, 9, 26)}))
    assert "2024-09-26" in err.value.message
    accept(seeded, number, on=date(2024, 10, 9))
    with pytest.raises(InvalidValue):
        move(seeded, number, ("unfounded", {"on": date(2024, 10, 8)}))
    with pytest.raises(InvalidValue):
        move(seeded, number, ("unfounded", {"on": date(2026, 1, 2)}))  # after "today"


def test_outcome_recorded_after_closing(seeded, sup):
    number = log_lead(seeded, sup).number
    accept(seeded, number)
    move(seeded, number, ("verified", {"verified_amount": "1000"}), "closed")
    with seeded.uow("150100") as uow:
        detail = leads.record_outcome(uow, number, recovered_amount="600")
    assert detail.row.recovered_amount == Decimal("600.00")
    with pytest.raises(RuleViolation), seeded.uow("150100") as uow:
        leads.record_outcome(uow, number, referral_target="公安")
    other = log_lead(seeded, sup).number
    with pytest.raises(RuleViolation), seeded.uow("150100") as uow:
        leads.record_outcome(uow, other, verified_amount="5")


def test_unknown_and_out_of_scope_numbers(seeded, sup):
    number = log_lead(seeded, sup).number
    with pytest.raises(NotFound), seeded.uow("150100") as uow:
        leads.show(uow, "150102-2024-9999")
    with pytest.raises(ScopeError), seeded.uow("150103") as uow:
        leads.show(uow, number)


# ── extensions and overdue ────────────────────────────────────────────────


def test_extension_pushes_handling_deadline_within_the_maximum(seeded, sup):
    number = log_lead(seeded, sup).number
    accept(seeded, number)
    with seeded.uow("150100") as uow:
        detail = leads.extend(uow, number, days=10, approved_by="王局长", reason="情况复杂",
                              on=date(2024, 11, 1), today=date(2026, 1, 1))
    assert detail.row.handle_by == date(2024, 11, 29)
    assert [(x.working_days, x.approved_by) for x in detail.extensions] == [(10, "王局长")]
    with pytest.raises(InvalidValue) as err, seeded.uow("150100") as uow:
        leads.extend(uow, number, days=21, approved_by="王局长", reason="再延",
                     on=date(2024, 11, 2), today=date(2026, 1, 1))
    assert "30" in err.value.message
    assert count_rows(seeded, LeadExtension) == 1
    with pytest.raises(InvalidValue), seeded.uow("150100") as uow:
        leads.extend(uow, number, days=5, approved_by="", reason="x", today=date(2026, 1, 1))


def test_closed_lead_cannot_be_extended(seeded, sup):
    number = log_lead(seeded, sup).number
    accept(seeded, number)
    move(seeded, number, "unfounded", "closed")
    with pytest.raises(RuleViolation), seeded.uow("150100") as uow:
        leads.extend(uow, number, days=5, approved_by="王局长", reason="x",
                     today=date(2026, 1, 1))


def listed(env, dept="150100", **filters):
    as_of = filters.pop("as_of", date(2026, 1, 1))
    reveal = filters.pop("reveal", False)
    with env.uow(dept, write=reveal) as uow:
        return leads.list_leads(uow, leads.LeadFilter(**filters), reveal=reveal, as_of=as_of)


def test_overdue_as_of(seeded, sup):
    waiting = log_lead(seeded, sup).number  # accept by 23 Oct
    handled = log_lead(seeded, sup).number
    accept(seeded, handled)  # close by 15 Nov
    done = log_lead(seeded, sup).number
    accept(seeded, done)
    move(seeded, done, "unfounded", "closed")

    def overdue(day):
        return [r.number for r in listed(seeded, overdue=True, as_of=day)]

    assert overdue(date(2024, 10, 23)) == []
    assert overdue(date(2024, 10, 24)) == [waiting]
    assert overdue(date(2024, 11, 16)) == [waiting, handled]
    rows = {r.number: r for r in listed(seeded, as_of=date(2024, 10, 24))}
    assert rows[waiting].overdue and rows[waiting].due == date(2024, 10, 23)
    assert not rows[handled].overdue and rows[handled].due == date(2024, 11, 15)
    assert rows[done].due is None


# ── lists, filters and confidentiality ───────────────────────────────────


def test_list_filters(seeded, sup):
    other = add_supervisor(seeded, dept="150103", name="赵六")
    a = log_lead(seeded, sup, codes=("A1",), received=date(2024, 3, 1)).number
    b = log_lead(seeded, sup, kind="pharmacy", name=PHARMACY, credit_code=PHARMACY_CODE,
                 codes=("B2",), received=date(2024, 5, 1)).number
    c = log_lead(seeded, other, name=OTHER_HOSPITAL, credit_code=OTHER_HOSPITAL_CODE,
                 codes=("A7", "E1"), received=date(2024, 7, 1)).number
    accept(seeded, c)

    def numbers(**kw):
        return [r.number for r in listed(seeded, **kw)]

    assert numbers() == [a, b, c]
    assert numbers(status="办理中") == [c]
    assert numbers(subject="A") == [a, c]
    assert numbers(code="E1") == [c]
    assert numbers(supervisor=other) == [c]
    assert numbers(target="康宁") == [b]
    assert numbers(target=OTHER_HOSPITAL_CODE.lower()) == [c]
    assert numbers(received_from=date(2024, 4, 1), received_to=date(2024, 6, 30)) == [b]
    assert numbers(conflict=True) == [a]
    assert numbers(department="150103") == [c]
    assert numbers(limit=2) == [a, b]
    assert [r.number for r in listed(seeded, dept="150102")] == [a, b]
    with pytest.raises(ScopeError):
        listed(seeded, dept="150102", department="150103")
    with pytest.raises(InvalidValue):
        listed(seeded, status="done")


def test_list_masks_unless_revealed_and_reveal_is_audited(seeded, sup):
    number = log_lead(seeded, sup).number
    row = listed(seeded)[0]
    assert row.description == "******"
    assert row.supervisor_id_number == sup[:6] + "********" + sup[-4:]
    assert row.supervisor_phone == "138****5678"
    assert row.supervisor_name == "张三"
    with seeded.uow("150000", write=False) as uow:
        assert audit.log(uow.session, action="reveal") == []

    row = listed(seeded, reveal=True)[0]
    assert row.description == "该院虚构住院病历套取医保基金"
    assert row.supervisor_id_number == sup and row.supervisor_phone == "13812345678"
    with seeded.uow("150000", write=False) as uow:
        entry = audit.log(uow.session, action="reveal")[0]
    assert entry["entity"] == "lead" and entry["after"] == {"leads": [number]}


def test_show_has_sections_and_audits_reveal(seeded, sup):
    number = log_lead(seeded, sup).number
    accept(seeded, number)
    with seeded.uow("150100", write=False) as uow:
        detail = leads.show(uow, number, as_of=date(2024, 10, 1))
    assert detail.row.description == "******" and detail.row.conflict
    assert [e.to_status for e in detail.events] == ["received", "in_progress"]
    assert detail.extensions == () and detail.rewards == ()
    assert detail.item_views[0].label.startswith("虚构医药服务")
    with seeded.uow("150100") as uow:
        revealed = leads.show(uow, number, reveal=True)
    assert revealed.row.description.startswith("该院")
    with seeded.uow("150000", write=False) as uow:
        entry = audit.log(uow.session, action="reveal")[0]
    assert entry["entity_id"] == number


def test_pack_holiday_overrides_reach_the_lead(seeded, sup, monkeypatch):
    from dataclasses import replace

    from medisup.packs import load_pack
    from medisup.services import departments

    # A pack that declares Tuesday 8 October 2024 a holiday pushes acceptance one day on.
    patched = replace(load_pack("nm-2024"), holiday_overrides={date(2024, 10, 8): False})
    monkeypatch.setattr(departments, "pack_of", lambda session, code: patched)
    assert log_lead(seeded, sup).row.accept_by == date(2024, 10, 24)


def test_deadline_in_a_year_without_a_schedule_is_an_estimate(seeded):
    person = add_supervisor(seeded, start=date(2026, 1, 1), end=date(2027, 12, 31))
    with seeded.uow("150100") as uow:
        detail = leads.log(uow, supervisor=person, received_on=date(2026, 12, 21),
                           channel="phone", target_kind="insured_person", target_name="李四",
                           codes=["C1"], today=date(2026, 12, 31))
    assert detail.row.handle_by.year == 2027
    assert any("2027" in w for w in detail.warnings)
