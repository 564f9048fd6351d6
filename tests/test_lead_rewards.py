"""Rewards for verified leads: gx-trial's level rule with worked numbers, every rule
form (flat, levels, bands, insider uplift, fixed range, floor and cap), overrides,
notice and claim deadlines, and nm-2024's "no reward rule"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from helpers_leads import (
    GX_HOSPITAL,
    GX_HOSPITAL_CODE,
    add_supervisor,
    count_rows,
    log_lead,
    move,
    verified_lead,
)

from medisup import i18n
from medisup.errors import InvalidValue, RuleViolation
from medisup.models import AuditEntry, Reward
from medisup.packs import RewardBand, RewardRule, load_pack
from medisup.services import audit
from medisup.services.leads import rewards as lead_rewards
from medisup.services.leads.reward_rules import compute_reward


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


@pytest.fixture
def gx_sup(seeded):
    return add_supervisor(seeded, dept="450102", name="韦五")


def compute(env, number, dept="450100", **kw):
    with env.uow(dept, command="lead reward compute") as uow:
        return lead_rewards.compute(uow, number, **kw)


# ── gx-trial, through the service ─────────────────────────────────────────


@pytest.mark.parametrize(
    ("amount", "level", "insider", "expected"),
    [
        ("100000", "grade2", False, "3000.00"),  # 100,000 × 3%
        ("100000", "一级", False, "4000.00"),  # 100,000 × 4%, level given by label
        ("5000", "grade3", False, "200.00"),  # 5,000 × 2% = 100 → grade 3 floor 200
        ("20000", "grade1", False, "1000.00"),  # 20,000 × 4% = 800 → grade 1 floor 1,000
        ("100000", "grade2", True, "4500.00"),  # 3,000 + 50% insider uplift
        ("6000000", "grade1", False, "200000.00"),  # 240,000 → cap 200,000
        ("4000000", "grade1", True, "200000.00"),  # 160,000 × 1.5 = 240,000 → cap
    ],
)
def test_gx_level_rule_worked_examples(seeded, gx_sup, amount, level, insider, expected):
    number = verified_lead(seeded, gx_sup, amount=amount)
    reward = compute(seeded, number, level=level, insider=insider)
    assert reward.amount == reward.computed == Decimal(expected)
    assert reward.status == "proposed" and reward.insider is insider
    assert "广西办法第十二条" in reward.basis
    assert f"{Decimal(expected):,.2f}" in reward.basis


def test_gx_basis_explains_each_step(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="20000")
    reward = compute(seeded, number, level="grade1", insider=True)
    # 800 → level floor 1,000 → insider +50% → 1,500.
    assert reward.amount == Decimal("1500.00")
    basis = reward.basis
    assert basis.index("20,000.00") < basis.index("1,000.00") < basis.index("1,500.00")
    assert "内部人员" in basis and reward.level == "grade1"


def test_gx_no_amount_uses_the_fixed_range(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="0")
    assert compute(seeded, number).amount == Decimal("200.00")  # default: the minimum
    assert compute(seeded, number, chosen="800").amount == Decimal("800.00")
    assert compute(seeded, number, chosen="800", insider=True).amount == Decimal("1200.00")
    with pytest.raises(InvalidValue) as err:
        compute(seeded, number, chosen="1200")
    assert "1200" in err.value.message and "1,000.00" in err.value.message


def test_gx_level_is_required_when_an_amount_is_involved(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="100000")
    before = count_rows(seeded, AuditEntry)
    with pytest.raises(InvalidValue) as err:
        compute(seeded, number)
    assert err.value.message.startswith("奖励等级") and "grade1" in err.value.message
    assert count_rows(seeded, Reward) == 0 and count_rows(seeded, AuditEntry) == before


def test_nm_has_no_reward_rule_and_says_so(seeded):
    sup = add_supervisor(seeded)
    number = log_lead(seeded, sup).number
    move(seeded, number, ("in_progress", {"handling_unit": "稽核科"}),
         ("verified", {"verified_amount": "100000"}))
    with pytest.raises(RuleViolation) as err:
        compute(seeded, number, dept="150100", level="grade1")
    assert "nm-2024" in err.value.message
    assert "本办法未规定对社会监督员反映线索的奖励" in err.value.message
    assert count_rows(seeded, Reward) == 0


def test_only_verified_leads_earn_a_reward(seeded, gx_sup):
    number = log_lead(seeded, gx_sup, dept="450100").number
    move(seeded, number, ("in_progress", {"handling_unit": "基金监管科"}), dept="450100")
    with pytest.raises(RuleViolation) as err:
        compute(seeded, number, level="grade1")
    assert "办理中" in err.value.message
    move(seeded, number, "unfounded", "closed", dept="450100")
    with pytest.raises(RuleViolation):
        compute(seeded, number, level="grade1")


def test_closed_after_verified_still_earns(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="100000")
    move(seeded, number, "closed", dept="450100")
    assert compute(seeded, number, level="grade2").amount == Decimal("3000.00")


# ── life of a reward ──────────────────────────────────────────────────────


def test_recompute_while_proposed_then_fixed_once_notified(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="100000")
    compute(seeded, number, level="grade3")
    assert compute(seeded, number, level="grade1").amount == Decimal("4000.00")
    assert count_rows(seeded, Reward) == 1
    with seeded.uow("450100") as uow:
        lead_rewards.notify(uow, number, on=date(2024, 4, 10))
    with pytest.raises(RuleViolation) as err:
        compute(seeded, number, level="grade2")
    assert "已通知" in err.value.message


def test_override_keeps_the_computed_amount_and_needs_a_reason(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="100000")
    compute(seeded, number, level="grade2")
    with pytest.raises(InvalidValue) as err, seeded.uow("450100") as uow:
        lead_rewards.override(uow, number, amount="5000", reason=" ")
    assert err.value.message.startswith("理由")
    with pytest.raises(InvalidValue), seeded.uow("450100") as uow:
        lead_rewards.override(uow, number, amount="-1", reason="集体研究")
    with seeded.uow("450100") as uow:
        reward = lead_rewards.override(uow, number, amount="5000", reason="案情重大，集体研究")
    assert reward.amount == Decimal("5000.00") and reward.computed == Decimal("3000.00")
    assert reward.override_reason == "案情重大，集体研究"
    with seeded.uow("450000", write=False) as uow:
        entry = audit.log(uow.session, entity="reward", action="override")[0]
    assert entry["before"]["amount"] == "3000.00" and entry["after"]["amount"] == "5000.00"


def test_notice_sets_claim_deadline_two_months_on(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="100000")
    with pytest.raises(RuleViolation), seeded.uow("450100") as uow:
        lead_rewards.notify(uow, number, on=date(2024, 4, 10))  # nothing computed yet
    compute(seeded, number, level="grade2")
    with seeded.uow("450100") as uow:
        reward = lead_rewards.notify(uow, number, on=date(2024, 4, 10))
    assert reward.status == "notified" and reward.claim_by == date(2024, 6, 10)
    assert reward.claim_overdue(date(2024, 6, 11)) and not reward.claim_overdue(date(2024, 6, 10))
    with pytest.raises(RuleViolation) as err, seeded.uow("450100") as uow:
        lead_rewards.claim(uow, number, on=date(2024, 6, 11))
    assert "2024-06-10" in err.value.message
    with seeded.uow("450100") as uow:
        reward = lead_rewards.claim(uow, number, on=date(2024, 6, 10))
    assert reward.status == "claimed" and reward.claimed_on == date(2024, 6, 10)
    with pytest.raises(RuleViolation), seeded.uow("450100") as uow:
        lead_rewards.cancel(uow, number, reason="错发")


def test_claim_deadline_at_month_end(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="100000")
    compute(seeded, number, level="grade2")
    with seeded.uow("450100") as uow:
        reward = lead_rewards.notify(uow, number, on=date(2024, 12, 31))
    assert reward.claim_by == date(2025, 2, 28)


def test_cancel_then_compute_again_keeps_one_live_reward(seeded, gx_sup):
    number = verified_lead(seeded, gx_sup, amount="100000")
    compute(seeded, number, level="grade2")
    with seeded.uow("450100") as uow:
        lead_rewards.cancel(uow, number, reason="等级认定有误")
    compute(seeded, number, level="grade1")
    with seeded.uow("450100", write=False) as uow:
        from medisup.services.leads import show

        rewards = show(uow, number).rewards
    assert [(r.status, r.amount) for r in rewards] == [
        ("cancelled", Decimal("3000.00")), ("proposed", Decimal("4000.00"))]


# ── every rule form, as data ──────────────────────────────────────────────

GX = load_pack("gx-trial")


def rule(**changes) -> RewardRule:
    base = RewardRule(method="flat", article="测试细则第五条", basis="", claim_months=2,
                      rate=Decimal("0.03"))
    return replace(base, **changes)


def test_flat_rate():
    assert compute_reward(rule(), Decimal("50000")).amount == Decimal("1500.00")


def test_flat_rate_with_global_floor_and_cap():
    r = rule(floor=Decimal("200"), cap=Decimal("200000"))
    assert compute_reward(r, Decimal("2000")).amount == Decimal("200.00")  # 60 → 200
    assert compute_reward(r, Decimal("10000000")).amount == Decimal("200000.00")  # 300,000


def test_cumulative_bands():
    r = rule(method="bands", rate=None, bands=(
        RewardBand(Decimal("100000"), Decimal("0.04")),
        RewardBand(Decimal("1000000"), Decimal("0.02")),
        RewardBand(None, Decimal("0.01")),
    ))
    # 100,000 × 4% + 900,000 × 2% + 500,000 × 1% = 4,000 + 18,000 + 5,000.
    result = compute_reward(r, Decimal("1500000"))
    assert result.amount == Decimal("27000.00")
    assert len([s for s in result.steps if "×" in s]) == 3
    assert compute_reward(r, Decimal("50000")).amount == Decimal("2000.00")


def test_levels_and_insider_and_fixed_range_of_the_shipped_rule():
    r = GX.reward
    assert compute_reward(r, Decimal("100000"), level="grade2").amount == Decimal("3000.00")
    assert compute_reward(r, Decimal("100000"), level="grade2",
                          insider=True).amount == Decimal("4500.00")
    assert compute_reward(r, None).amount == Decimal("200.00")
    assert compute_reward(r, None, chosen=Decimal("1000")).amount == Decimal("1000.00")


def test_any_rule_form_reaches_the_service(seeded, gx_sup, monkeypatch):
    from medisup.services import departments

    flat = replace(GX, reward=rule(floor=Decimal("200"), cap=Decimal("200000")))
    real = departments.pack_of
    monkeypatch.setattr(departments, "pack_of",
                        lambda s, code: flat if code.startswith("45") else real(s, code))
    number = verified_lead(seeded, gx_sup, amount="50000")
    reward = compute(seeded, number)
    assert reward.amount == Decimal("1500.00") and reward.level is None
    assert "测试细则第五条" in reward.basis


def test_gx_rewards_only_reports_of_suspected_fraud(seeded, gx_sup):
    """GX Art. 12 rewards proven reports of 欺诈骗取医保基金; an F3 complaint about a counter's
    efficiency is verified but earns nothing, and the refusal cites the article."""
    number = log_lead(seeded, gx_sup, dept="450100", kind="agency", name="兴宁区医保经办窗口",
                      credit_code=None, codes=("F3",), received=date(2024, 3, 1)).number
    move(seeded, number,
         ("in_progress", {"handling_unit": "基金监管科", "on": date(2024, 3, 4)}),
         ("verified", {"on": date(2024, 4, 1)}), dept="450100")
    with pytest.raises(RuleViolation) as err:
        compute(seeded, number)
    assert "F3" in err.value.message and "第十二条" in err.value.message
    assert count_rows(seeded, Reward) == 0
    # The same rule still rewards a verified fraud report (A-items).
    assert compute(seeded, verified_lead(seeded, gx_sup), level="grade2").amount == Decimal("3000.00")


def test_reward_eligibility_is_pack_data():
    rule = load_pack("gx-trial").reward
    assert rule.eligible == ("A", "B", "C", "D", "E")
    subject = {"A1": "A", "F3": "F"}.get
    assert rule.rewards(["A1"], subject) and not rule.rewards(["F3"], subject)
    assert rule.rewards(["F3", "A1"], subject)
    assert replace(rule, eligible=()).rewards(["F3"], subject)


@pytest.mark.parametrize("code", ["G1", "G2", "F5"])
def test_gx_no_reward_for_service_quality_breach_of_agreement_or_bureau_matters(
        seeded, gx_sup, code):
    """GX Art. 6(三)(四) service problems and 违约, and Art. 6(二)'s other aspects, are not
    fraud against the fund: Art. 12 rewards none of them, and nothing is written."""
    kind, name, credit = (("agency", "兴宁区医保经办窗口", None) if code == "F5" else
                          ("medical_institution", GX_HOSPITAL, GX_HOSPITAL_CODE))
    number = log_lead(seeded, gx_sup, dept="450100", kind=kind, name=name,
                      credit_code=credit, codes=(code,), received=date(2024, 3, 1)).number
    move(seeded, number,
         ("in_progress", {"handling_unit": "基金监管科", "on": date(2024, 3, 4)}),
         ("verified", {"on": date(2024, 4, 1)}), dept="450100")
    with pytest.raises(RuleViolation) as err:
        compute(seeded, number, level="grade3")
    assert code in err.value.message and "第十二条" in err.value.message
    assert count_rows(seeded, Reward) == 0
