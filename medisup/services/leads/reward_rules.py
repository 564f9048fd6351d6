"""Rewards for verified leads, computed by a pack's reward rule (SPEC §4, GX Art. 12)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.packs import RewardLevel, RewardRule
from medisup.packs.model import one_of

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RewardResult:
    """The reward and, step by step, how it was reached — recorded with the lead."""

    amount: Decimal
    basis: str
    steps: list[str] = field(default_factory=list)
    level: str | None = None
    floored: bool = False
    capped: bool = False
    uplifted: bool = False


def money(value: Decimal) -> str:
    """``12345.6`` → ``12,345.60``: how amounts appear in steps and reports."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def percent(rate: Decimal) -> str:
    """``0.04`` → ``4%``, ``0.025`` → ``2.5%``."""
    return format((rate * 100).normalize(), "f") + "%"


def _decimal(value: Any, field_key: str, expected_key: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidValue(t(field_key), value, t(expected_key))
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidValue(t(field_key), value, t(expected_key)) from None
    if not number.is_finite() or number < 0:
        raise InvalidValue(t(field_key), value, t(expected_key))
    return number


def _level(rule: RewardRule, level: str | None, *, needed: bool) -> RewardLevel | None:
    if rule.method != "levels":
        if level is not None:
            raise InvalidValue(t("reward.field_level"), level, t("reward.expected_no_level"))
        return None
    wanted = level if level is not None else rule.default_level
    if wanted is None and not needed:
        return None
    for candidate in rule.levels:
        if wanted is not None and wanted.strip() in (
            candidate.code,
            candidate.label,
            candidate.label_en,
        ):
            return candidate
    raise InvalidValue(
        t("reward.field_level"),
        level or "",
        one_of(t("pack.code_label", code=lv.code, label=lv.text()) for lv in rule.levels),
    )


def compute_reward(
    rule: RewardRule,
    amount: Decimal | None,
    *,
    level: str | None = None,
    insider: bool = False,
    chosen: Decimal | None = None,
) -> RewardResult:
    """The reward for a verified lead involving ``amount`` yuan (``None``: no amount).

    ``level`` picks a level of a ``levels`` rule (code or label); ``chosen`` is the value
    staff pick within the rule's fixed range when no amount is involved (default: its
    minimum).  The order of the steps is the one documented on :class:`RewardRule`.
    """
    if rule is None:
        raise InvalidValue(t("reward.field_rule"), "-", t("reward.no_rule"))
    chosen_level = _level(rule, level, needed=amount is not None)
    steps: list[str] = []
    if amount is None:
        if rule.fixed_range is None:
            raise InvalidValue(t("reward.field_amount"), "", t("reward.expected_amount_needed"))
        low, high = rule.fixed_range
        expected_range = t("reward.expected_range", min=money(low), max=money(high))
        if chosen is None:
            value = low
        else:
            value = _decimal(chosen, "reward.field_chosen", "reward.expected_amount")
            if not low <= value <= high:
                raise InvalidValue(t("reward.field_chosen"), chosen, expected_range)
        steps.append(t("reward.step_fixed", min=money(low), max=money(high), result=money(value)))
    else:
        base = _decimal(amount, "reward.field_amount", "reward.expected_amount")
        if chosen is not None:
            raise InvalidValue(t("reward.field_chosen"), chosen, t("reward.expected_no_chosen"))
        steps.append(t(f"reward.method_{rule.method}"))
        value = _base(rule, base, chosen_level, steps)

    floored = capped = uplifted = False
    if rule.floor is not None and value < rule.floor:
        value, floored = rule.floor, True
        steps.append(t("reward.step_floor", floor=money(rule.floor), result=money(value)))
    if insider and rule.insider_uplift:
        value, uplifted = value * (1 + rule.insider_uplift), True
        steps.append(
            t("reward.step_insider", uplift=percent(rule.insider_uplift), result=money(value))
        )
    if rule.cap is not None and value > rule.cap:
        value, capped = rule.cap, True
        steps.append(t("reward.step_cap", cap=money(rule.cap), result=money(value)))

    final = value.quantize(CENT, rounding=ROUND_HALF_UP)
    steps.append(t("reward.step_result", result=money(final)))
    basis = t("reward.basis", steps=t("reward.step_sep").join(steps), article=rule.cite())
    return RewardResult(
        amount=final,
        basis=basis,
        steps=steps,
        level=chosen_level.code if chosen_level else None,
        floored=floored,
        capped=capped,
        uplifted=uplifted,
    )


def _base(
    rule: RewardRule, amount: Decimal, level: RewardLevel | None, steps: list[str]
) -> Decimal:
    if rule.method == "flat":
        assert rule.rate is not None  # the loader requires it for this method
        value = amount * rule.rate
        steps.append(
            t(
                "reward.step_flat",
                amount=money(amount),
                rate=percent(rule.rate),
                result=money(value),
            )
        )
        return value
    if rule.method == "levels":
        assert level is not None
        value = amount * level.rate
        steps.append(
            t(
                "reward.step_level",
                level=level.text(),
                amount=money(amount),
                rate=percent(level.rate),
                result=money(value),
            )
        )
        if level.floor is not None and value < level.floor:
            value = level.floor
            steps.append(
                t("reward.step_level_floor", floor=money(level.floor), result=money(value))
            )
        return value
    return _bands(rule, amount, steps)


def _bands(rule: RewardRule, amount: Decimal, steps: list[str]) -> Decimal:
    """Marginal bands: each rate applies only to the part of the amount inside its band.
    Above a last band that has an ``up_to``, nothing more is earned."""
    total = Decimal(0)
    lower = Decimal(0)
    for band in rule.bands:
        if amount <= lower:
            break
        upper = band.up_to
        part = (min(amount, upper) if upper is not None else amount) - lower
        result = part * band.rate
        total += result
        if upper is None:
            key, bounds = "reward.step_band_open", {}
        else:
            key, bounds = "reward.step_band", {"upper": money(upper)}
        steps.append(
            t(
                key,
                lower=money(lower),
                part=money(part),
                rate=percent(band.rate),
                result=money(result),
                **bounds,
            )
        )
        if upper is None:
            break
        lower = upper
    steps.append(t("reward.step_band_total", result=money(total)))
    return total


def claim_deadline(notice_date: date, rule: RewardRule) -> date:
    """Last day to claim a reward: the notice date plus the rule's claim months, clamped
    to the end of a shorter month (31 December + 2 months → 28 or 29 February)."""
    months = notice_date.month - 1 + rule.claim_months
    year, month = notice_date.year + months // 12, months % 12 + 1
    day = min(notice_date.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def describe_rule(rule: RewardRule) -> list[str]:
    """The rule in plain words, one line each, for ``pack show``."""
    lines = [t(f"reward.method_{rule.method}")]
    if rule.eligible:
        lines.insert(0, t("reward.describe_eligible", codes="、".join(rule.eligible)))
    if rule.method == "flat" and rule.rate is not None:
        lines.append(t("reward.describe_rate", rate=percent(rule.rate)))
    for level in rule.levels:
        if level.floor is not None:
            lines.append(
                t(
                    "reward.describe_level_floor",
                    label=level.text(),
                    rate=percent(level.rate),
                    floor=money(level.floor),
                )
            )
        else:
            lines.append(t("reward.describe_level", label=level.text(), rate=percent(level.rate)))
    lower = Decimal(0)
    for band in rule.bands:
        if band.up_to is None:
            lines.append(
                t("reward.describe_band_open", lower=money(lower), rate=percent(band.rate))
            )
        else:
            lines.append(
                t(
                    "reward.describe_band",
                    lower=money(lower),
                    upper=money(band.up_to),
                    rate=percent(band.rate),
                )
            )
            lower = band.up_to
    if rule.fixed_range is not None:
        low, high = rule.fixed_range
        lines.append(t("reward.describe_fixed", min=money(low), max=money(high)))
    if rule.insider_uplift:
        lines.append(t("reward.describe_insider", uplift=percent(rule.insider_uplift)))
    if rule.floor is not None and rule.cap is not None:
        lines.append(t("reward.describe_floor_cap", floor=money(rule.floor), cap=money(rule.cap)))
    elif rule.floor is not None:
        lines.append(t("reward.describe_floor", floor=money(rule.floor)))
    elif rule.cap is not None:
        lines.append(t("reward.describe_cap", cap=money(rule.cap)))
    lines.append(t("reward.describe_claim", months=rule.claim_months))
    lines.append(rule.cite())
    return lines
