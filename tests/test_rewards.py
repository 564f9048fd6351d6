"""Reward rules as pack data: every rule form with worked numbers, and the claim period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources

import pytest

from medisup import i18n
from medisup.errors import InvalidValue, PackError
from medisup.packs import RewardBand, RewardLevel, RewardRule, load_pack, load_pack_file
from medisup.services.leads.reward_rules import claim_deadline, compute_reward, describe_rule

D = Decimal


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


def pack_with_reward(tmp_path, reward_toml: str):
    """The nm-2024 pack with a ``[reward]`` table of our own, loaded like a bureau's file."""
    text = (resources.files("medisup.packs") / "data" / "nm-2024.toml").read_text("utf-8")
    text = "\n".join(
        line for line in text.splitlines() if not line.startswith(("reward_note", "name ="))
    )
    path = tmp_path / "test-reward.toml"
    path.write_text('name = "test-reward"\n' + text + "\n\n" + reward_toml, encoding="utf-8")
    return load_pack_file(path)


FLAT = """
[reward]
method = "flat"
article = "测试细则第九条"
basis = "《测试细则》"
rate = "3%"
floor = 200
cap = 200000
claim_months = 2
"""

BANDS = """
[reward]
method = "bands"
article = "测试细则第十条"
basis = "《测试细则》"
claim_months = 2

[[reward.bands]]
up_to = 100000
rate = "4%"

[[reward.bands]]
up_to = 500000
rate = "2%"

[[reward.bands]]
rate = 0.01
"""


@pytest.fixture
def flat(tmp_path):
    return pack_with_reward(tmp_path, FLAT).reward


@pytest.fixture
def bands(tmp_path):
    return pack_with_reward(tmp_path, BANDS).reward


@pytest.fixture
def gx():
    return load_pack("gx-trial").reward


def rule(**fields) -> RewardRule:
    base = {
        "method": "flat",
        "article": "第一条",
        "basis": "",
        "claim_months": 2,
        "rate": D("0.03"),
    }
    return RewardRule(**(base | fields))


# ── flat rate, floor and cap ──────────────────────────────────────────────


def test_flat_rate(flat):
    result = compute_reward(flat, D("50000"))
    assert result.amount == D("1500.00")
    assert "50,000.00 元 × 3% = 1,500.00 元" in result.basis
    assert "测试细则第九条" in result.basis
    assert not (result.floored or result.capped)


def test_floor_lifts_a_small_reward(flat):
    result = compute_reward(flat, D("1000"))  # 3% = 30
    assert result.amount == D("200.00") and result.floored
    assert "不低于奖励下限 200.00 元" in result.basis


def test_cap_limits_a_large_reward(flat):
    result = compute_reward(flat, D("10000000"))  # 3% = 300,000
    assert result.amount == D("200000.00") and result.capped
    assert "不超过奖励上限 200,000.00 元" in result.basis


def test_rounding_is_half_up_to_the_cent():
    result = compute_reward(rule(rate=D("0.025")), D("20000.20"))  # 500.005
    assert result.amount == D("500.01")
    assert compute_reward(rule(), D("12345.67")).amount == D("370.37")  # 370.3701


# ── levels ────────────────────────────────────────────────────────────────


def test_levels_apply_their_own_rate(gx):
    result = compute_reward(gx, D("20000"), level="grade2")  # 3%
    assert result.amount == D("600.00") and result.level == "grade2"
    assert "奖励等级“二级”" in result.basis and "3%" in result.basis


def test_level_floor(gx):
    result = compute_reward(gx, D("10000"), level="grade1")  # 4% = 400, level floor 1000
    assert result.amount == D("1000.00")
    assert "不低于该等级最低奖励 1,000.00 元" in result.basis
    assert compute_reward(gx, D("5000"), level="grade3").amount == D("200.00")  # 100 → 200


def test_level_by_label(gx):
    assert compute_reward(gx, D("20000"), level="二级").level == "grade2"


def test_level_is_required_unless_there_is_a_default(gx):
    with pytest.raises(InvalidValue) as caught:
        compute_reward(gx, D("20000"))
    assert "奖励等级" in caught.value.message and "grade1（一级）" in caught.value.message
    levels = (RewardLevel("high", "高", D("0.05")), RewardLevel("low", "低", D("0.01")))
    defaulted = rule(method="levels", rate=None, levels=levels, default_level="low")
    assert compute_reward(defaulted, D("10000")).amount == D("100.00")


def test_unknown_level(gx):
    with pytest.raises(InvalidValue, match="grade9"):
        compute_reward(gx, D("20000"), level="grade9")


def test_level_on_a_rule_without_levels(flat):
    with pytest.raises(InvalidValue, match="不分等级"):
        compute_reward(flat, D("20000"), level="grade1")


# ── cumulative bands ──────────────────────────────────────────────────────


def test_bands_are_marginal(bands):
    assert compute_reward(bands, D("80000")).amount == D("3200.00")
    # 4% × 100,000 + 2% × 150,000
    result = compute_reward(bands, D("250000"))
    assert result.amount == D("7000.00")
    assert result.steps[1] == "0.00 至 100,000.00 元部分 100,000.00 元 × 4% = 4,000.00 元"
    assert result.steps[2] == "100,000.00 至 500,000.00 元部分 150,000.00 元 × 2% = 3,000.00 元"
    # 4,000 + 2% × 400,000 + 1% × 500,000
    result = compute_reward(bands, D("1000000"))
    assert result.amount == D("17000.00")
    assert "超过 500,000.00 元部分 500,000.00 元 × 1% = 5,000.00 元" in result.basis


def test_a_closed_last_band_earns_nothing_above_it():
    closed = rule(
        method="bands",
        rate=None,
        bands=(RewardBand(D("100000"), D("0.04")), RewardBand(D("200000"), D("0.02"))),
    )
    assert compute_reward(closed, D("1000000")).amount == D("6000.00")


# ── insider uplift ────────────────────────────────────────────────────────


def test_insider_uplift(gx):
    result = compute_reward(gx, D("50000"), level="grade1", insider=True)  # 2,000 × 1.5
    assert result.amount == D("3000.00") and result.uplifted
    assert "内部人员，上浮 50%" in result.basis
    assert compute_reward(gx, D("50000"), level="grade1").amount == D("2000.00")


def test_insider_uplift_comes_after_the_floor_and_before_the_cap(flat, tmp_path):
    uplifted = pack_with_reward(tmp_path, FLAT + '\n[reward.insider]\nmultiplier = "1.5"\n').reward
    assert uplifted.insider_uplift == D("0.5")
    assert compute_reward(uplifted, D("1000"), insider=True).amount == D("300.00")  # 200 × 1.5
    assert compute_reward(uplifted, D("6000000"), insider=True).amount == D("200000.00")
    assert compute_reward(flat, D("50000"), insider=True).amount == D("1500.00")  # no uplift


# ── fixed range when no amount is involved ───────────────────────────────


def test_fixed_range_defaults_to_its_minimum(gx):
    result = compute_reward(gx, None)
    assert result.amount == D("200.00")
    assert "未涉及金额，在 200.00 至 1,000.00 元范围内确定为 200.00 元" in result.basis


def test_fixed_range_chosen_value(gx):
    assert compute_reward(gx, None, chosen=D("500")).amount == D("500.00")
    assert compute_reward(gx, None, chosen=D("500"), insider=True).amount == D("750.00")
    with pytest.raises(InvalidValue) as caught:
        compute_reward(gx, None, chosen=D("1500"))
    assert "1500" in caught.value.message and "200.00 至 1,000.00 元" in caught.value.message


def test_no_amount_needs_a_fixed_range(flat):
    with pytest.raises(InvalidValue, match="涉案金额"):
        compute_reward(flat, None)


def test_chosen_only_without_amount(gx):
    with pytest.raises(InvalidValue, match="奖励金额"):
        compute_reward(gx, D("20000"), level="grade1", chosen=D("300"))


# ── bad input ─────────────────────────────────────────────────────────────


@pytest.mark.parametrize("amount", [D("-1"), "abc", D("NaN")])
def test_bad_amounts(flat, amount):
    with pytest.raises(InvalidValue) as caught:
        compute_reward(flat, amount)
    assert "涉案金额" in caught.value.message


def test_english_basis(gx, monkeypatch):
    monkeypatch.setattr(i18n, "_language", "en")
    result = compute_reward(gx, D("10000000"), level="grade1", insider=True)
    assert result.amount == D("200000.00")
    assert result.basis.startswith("a rate set by the reward level; level 'grade 1'")
    assert "limited to the cap of 200,000.00 yuan" in result.basis
    assert "(under GX Art. 12" in result.basis


def test_describe_rule(gx):
    lines = describe_rule(gx)
    assert "一级：比例 4%，最低 1,000.00 元" in lines
    assert "举报人为内部人员的上浮 50%" in lines
    assert "奖励下限 200.00 元，上限 200,000.00 元" in lines
    assert "自接到奖励通知之日起 2 个月内领取" in lines


def test_reward_table_errors_name_the_key(tmp_path):
    bad = BANDS.replace("up_to = 500000", "up_to = 50000")
    with pytest.raises(PackError) as caught:
        pack_with_reward(tmp_path, bad)
    assert "reward.bands[1].up_to" in caught.value.message
    with pytest.raises(PackError, match="reward.rate"):
        pack_with_reward(tmp_path, FLAT.replace('rate = "3%"\n', ""))
    with pytest.raises(PackError, match="reward.levels"):
        pack_with_reward(tmp_path, FLAT.replace('"flat"', '"levels"').replace('rate = "3%"\n', ""))


# ── claim period ──────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("notice", "deadline"),
    [
        (date(2024, 3, 15), date(2024, 5, 15)),
        (date(2024, 12, 31), date(2025, 2, 28)),
        (date(2023, 12, 31), date(2024, 2, 29)),
        (date(2024, 11, 30), date(2025, 1, 30)),
    ],
)
def test_claim_deadline_is_two_months_from_notice(gx, notice, deadline):
    assert claim_deadline(notice, gx) == deadline
