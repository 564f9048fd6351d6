"""Reading a pack file and checking every key, type and cross-reference in it.

Over 600 lines: one checking function per pack section, each naming the key and value a bad
pack gets wrong.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from medisup.errors import PackError
from medisup.i18n import t
from medisup.packs.model import (
    AUTO_CHECKS,
    KINDS,
    ON_TERM_END,
    OPEN_LISTS,
    RENEWAL_CONSENT,
    REWARD_METHODS,
    TARGET_KINDS,
    DeadlineRule,
    MeetingDuty,
    Pack,
    PackItem,
    RewardBand,
    RewardLevel,
    RewardRule,
    english_article,
)

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_SUBJECT = re.compile(r"^[A-Z]$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# Lists every pack must fill; the others may be empty.
_REQUIRED_KINDS = {
    "criteria",
    "channels",
    "categories",
    "discipline_rules",
    "termination_grounds",
    "report_channels",
    "activity_kinds",
    "subjects",
    "items",
}
_COMMON_KEYS = (
    "code",
    "label",
    "article",
    "short",
    "label_en",
    "short_en",
    "article_en",
    "note",
    "note_en",
)
_BOOL_FLAGS = {
    "criteria": ("preferred",),
    "channels": ("needs_recommender",),
    "backgrounds": ("preferred",),
    "activity_kinds": ("confidential", "inspects", "needs_credit_code"),
    "termination_grounds": (
        "blocks_reapplication",
        "referral",
        "from_discipline",
        "incompetence",
        "term_end",
    ),
}
_TYPES: dict[type, str] = {
    str: "string",
    int: "integer",
    bool: "boolean",
    dict: "table",
    list: "array",
    float: "number",
    date: "date",
}


class _Ctx:
    """The file being read, so every error names it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> NoReturn:
        raise PackError(t("pack.error.format", file=self.source, key=key or "-", problem=problem))


class _Table:
    """A TOML table read key by key; keys nobody asked for are reported by ``finish``."""

    def __init__(self, ctx: _Ctx, data: dict[str, Any], path: str) -> None:
        self.ctx = ctx
        self.data = data
        self.path = path
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, problem: str) -> NoReturn:
        self.ctx.fail(self.key(name), problem)

    def raw(self, name: str, kind: type, *, required: bool) -> Any:
        self.seen.add(name)
        if name not in self.data:
            if required:
                self.fail(name, t("pack.error.missing"))
            return None
        value = self.data[name]
        # bool is an int in Python, and a date-time is a date: neither may pass for the other.
        wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if wrong or (kind is date and type(value) is not date):
            self.fail(
                name,
                t(
                    "pack.error.type",
                    expected=t(f"pack.type.{_TYPES[kind]}"),
                    actual=t(f"pack.type.{_TYPES.get(type(value), 'other')}"),
                ),
            )
        return value

    def text(self, name: str, *, required: bool = True) -> Any:
        value = self.raw(name, str, required=required)
        if value is not None and not value.strip():
            if required:
                self.fail(name, t("pack.error.empty"))
            return None
        return value.strip() if value is not None else None

    def integer(self, name: str, *, required: bool = True, minimum: int | None = None) -> Any:
        value = self.raw(name, int, required=required)
        if value is not None and minimum is not None and value < minimum:
            self.fail(name, t("pack.error.too_small", minimum=minimum))
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name, bool, required=False)
        return default if value is None else value

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool = True) -> Any:
        value = self.text(name, required=required)
        if value is not None and value not in choices:
            self.fail(name, _unknown(value, choices))
        return value

    def decimal(self, name: str, *, required: bool = True, percent: bool = False) -> Any:
        """A money amount or a rate: a number or a string; rates may be written ``"4%"``."""
        self.seen.add(name)
        if name not in self.data:
            if required:
                self.fail(name, t("pack.error.missing"))
            return None
        value = self.data[name]
        text = str(value).strip() if isinstance(value, int | float | str) else None
        if isinstance(value, bool):
            text = None
        scale = Decimal(1)
        if text is not None and percent and text.endswith("%"):
            text, scale = text[:-1].strip(), Decimal(100)
        try:
            number = Decimal(text.replace(",", "")) / scale if text is not None else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            expected = "pack.type.rate" if percent else "pack.type.amount"
            self.fail(name, t("pack.error.bad_value", value=value, expected=t(expected)))
        if number < 0:
            self.fail(name, t("pack.error.too_small", minimum=0))
        return number

    def table(self, name: str, *, required: bool = True) -> _Table | None:
        value = self.raw(name, dict, required=required)
        return None if value is None else _Table(self.ctx, value, self.key(name))

    def tables(self, name: str, *, required: bool = True) -> list[_Table]:
        value = self.raw(name, list, required=required)
        if value is None:
            return []
        if required and not value:
            self.fail(name, t("pack.error.empty"))
        out = []
        for index, entry in enumerate(value):
            path = f"{self.key(name)}[{index}]"
            if not isinstance(entry, dict):
                self.ctx.fail(
                    path,
                    t(
                        "pack.error.type",
                        expected=t("pack.type.table"),
                        actual=t(f"pack.type.{_TYPES.get(type(entry), 'other')}"),
                    ),
                )
            out.append(_Table(self.ctx, entry, path))
        return out

    def strings(self, name: str, *, required: bool = True) -> list[str]:
        value = self.raw(name, list, required=required) or []
        for index, entry in enumerate(value):
            if not isinstance(entry, str):
                self.ctx.fail(
                    f"{self.key(name)}[{index}]",
                    t(
                        "pack.error.type",
                        expected=t("pack.type.string"),
                        actual=t(f"pack.type.{_TYPES.get(type(entry), 'other')}"),
                    ),
                )
        return value

    def finish(self) -> None:
        for name in self.data:
            if name not in self.seen:
                self.fail(name, t("pack.error.unknown_key"))


def _unknown(value: Any, choices: Iterator[str] | tuple[str, ...] | list[str]) -> str:
    return t("pack.error.unknown_code", code=value, choices=t("pack.list_sep").join(choices))


def parse_file(path: Path | str) -> Pack:
    """Load and validate one pack file; every problem is a :class:`PackError`."""
    path = Path(path)
    ctx = _Ctx(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        ctx.fail("", t("pack.error.unreadable", detail=exc.strerror or exc))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        ctx.fail("", t("pack.error.syntax", detail=exc))
    return parse_data(data, source=str(path))


def parse_data(data: dict[str, Any], *, source: str) -> Pack:
    """Build a :class:`Pack` from an already parsed TOML document."""
    ctx = _Ctx(source)
    root = _Table(ctx, data, "")
    name = root.text("name")
    if not _NAME.match(name):
        root.fail("name", t("pack.error.bad_value", value=name, expected=t("pack.type.name")))
    prefixes = _prefixes(root)
    lists = {kind: _items(root, kind, prefixes) for kind in KINDS}
    _check_references(root, lists)
    grounds = [item.code for item in lists["termination_grounds"]]

    on_term_end = root.choice("on_term_end", ON_TERM_END)
    auto_dismiss = root.text("auto_dismiss_ground", required=on_term_end == "auto_dismiss")
    if auto_dismiss is not None:
        if on_term_end != "auto_dismiss":
            root.fail("auto_dismiss_ground", t("pack.error.only_with_auto_dismiss"))
        if auto_dismiss not in grounds:
            root.fail("auto_dismiss_ground", _unknown(auto_dismiss, grounds))

    age = root.raw("age_range", list, required=False)
    if age is not None:
        if len(age) != 2 or not all(type(x) is int for x in age) or not 0 < age[0] <= age[1]:
            root.fail(
                "age_range", t("pack.error.bad_value", value=age, expected=t("pack.type.age_range"))
            )
        age = (age[0], age[1])

    pattern = root.text("certificate_pattern")
    _check_pattern(root, pattern, "certificate_pattern")
    # Lead numbers follow SPEC §4 (department-year-sequence) unless a pack says otherwise.
    lead_pattern = root.text("lead_number_pattern", required=False) or DEFAULT_LEAD_PATTERN
    _check_pattern(root, lead_pattern, "lead_number_pattern")

    activity_kinds = [item.code for item in lists["activity_kinds"]]
    open_lists = tuple(root.strings("open_lists", required=False) or ())
    for kind in open_lists:
        if kind not in OPEN_LISTS:
            root.fail("open_lists", _unknown(kind, OPEN_LISTS))
        # the "other" entry is what a wizard offers for a name the list does not hold
        if "other" not in [item.code for item in lists[kind]]:
            root.fail("open_lists", t("pack.error.open_needs_other", kind=kind))
    recusal = root.text("recusal_rule", required=False)
    rules = [item.code for item in lists["discipline_rules"]]
    if recusal is not None and recusal not in rules:
        root.fail("recusal_rule", _unknown(recusal, rules))
    duty = _meeting_duty(root, activity_kinds, prefixes)
    reward = _reward(root.table("reward", required=False), prefixes)
    if reward is not None:
        known = {i.code for i in lists["items"]} | {sub.code for sub in lists["subjects"]}
        for code in reward.eligible:
            if code not in known:
                root.fail("reward.eligible", _unknown(code, sorted(known)))
    reward_note = root.text("reward_note", required=reward is None)
    holidays, holiday_years = _holidays(root)

    pack = Pack(
        name=name,
        region=root.text("region"),
        region_en=root.text("region_en", required=False) or "",
        regulation=root.text("regulation"),
        regulation_en=root.text("regulation_en", required=False) or "",
        role_title=root.text("role_title"),
        role_title_en=root.text("role_title_en", required=False) or "",
        term_years=root.integer("term_years", minimum=1),
        term_article=root.text("term_article"),
        renewal_consent=root.choice("renewal_consent", RENEWAL_CONSENT),
        renewal_article=root.text("renewal_article"),
        on_term_end=on_term_end,
        on_term_end_article=root.text("on_term_end_article"),
        auto_dismiss_ground=auto_dismiss,
        recusal_rule=recusal,
        complaint_article=root.text("complaint_article", required=False),
        open_lists=open_lists,
        health_article=root.text("health_article", required=False),
        recruitment_article=root.text("recruitment_article", required=False),
        age_range=age,
        age_article=root.text("age_article", required=age is not None),
        quota=root.integer("quota", required=False, minimum=1),
        certificate_pattern=pattern,
        lead_number_pattern=lead_pattern,
        meeting_duty=duty,
        deadlines=_deadlines(root.table("deadlines"), prefixes),
        holiday_overrides=MappingProxyType(holidays),
        holiday_years=holiday_years,
        reward=reward,
        reward_note=reward_note,
        reward_note_en=root.text("reward_note_en", required=False),
        article_prefix_en=MappingProxyType(prefixes),
        source=source,
        **lists,
    )
    root.finish()
    return pack


def _prefixes(root: _Table) -> dict[str, str]:
    """``[article_prefix_en]`` maps a prefix of the Chinese references to its English
    abbreviation (``"广西办法" = "GX"``), so English article references need not be typed."""
    table = root.table("article_prefix_en", required=False)
    if table is None:
        return {}
    out = {name: table.text(name) for name in table.data}
    table.finish()
    return out


def _items(root: _Table, kind: str, prefixes: dict[str, str]) -> tuple[PackItem, ...]:
    entries = root.tables(kind, required=kind in _REQUIRED_KINDS)
    seen: dict[str, str] = {}
    out = []
    for entry in entries:
        code = entry.text("code")
        pattern = _SUBJECT if kind == "subjects" else None if kind == "items" else _SLUG
        if pattern is not None and not pattern.match(code):
            expected = "pack.type.subject_code" if kind == "subjects" else "pack.type.slug"
            entry.fail("code", t("pack.error.bad_value", value=code, expected=t(expected)))
        if code in seen:
            entry.fail("code", t("pack.error.duplicate", code=code, first=seen[code]))
        seen[code] = entry.key("code")
        article = entry.text("article")
        fields: dict[str, Any] = {
            "code": code,
            "kind": kind,
            "label": entry.text("label"),
            "article": article,
            "short": entry.text("short", required=False),
            "label_en": entry.text("label_en"),
            "short_en": entry.text("short_en", required=False),
            "article_en": entry.text("article_en", required=False)
            or english_article(article, prefixes),
            "note": entry.text("note", required=False),
            "note_en": entry.text("note_en", required=False),
        }
        adopted = entry.text("adopted_from", required=False)
        if adopted is not None:
            fields["adopted_from"] = adopted
            fields["adopted_from_en"] = entry.text("adopted_from_en", required=False) \
                or english_article(adopted, prefixes)
        for flag in _BOOL_FLAGS.get(kind, ()):
            fields[flag] = entry.flag(flag)
        if kind == "criteria":
            fields["auto"] = entry.choice("auto", AUTO_CHECKS, required=False)
        if kind == "subjects":
            targets = entry.strings("targets")
            if not targets:
                entry.fail("targets", t("pack.error.empty"))
            for index, target in enumerate(targets):
                if target not in TARGET_KINDS:
                    root.ctx.fail(
                        f"{entry.key('targets')}[{index}]", _unknown(target, TARGET_KINDS)
                    )
            fields["targets"] = tuple(targets)
        if kind == "items":
            fields["subject"] = entry.text("subject")
        entry.finish()
        out.append(PackItem(**fields))
    return tuple(out)


def _check_references(root: _Table, lists: dict[str, tuple[PackItem, ...]]) -> None:
    subjects = [s.code for s in lists["subjects"]]
    for index, item in enumerate(lists["items"]):
        key = f"items[{index}]"
        if item.subject not in subjects:
            root.ctx.fail(f"{key}.subject", _unknown(item.subject, subjects))
        if not re.fullmatch(rf"{item.subject}[1-9][0-9]*", item.code):
            root.ctx.fail(
                f"{key}.code",
                t("pack.error.item_code", code=item.code, subject=item.subject),
            )
    for flag in ("from_discipline", "incompetence", "term_end"):
        flagged = [i for i, g in enumerate(lists["termination_grounds"]) if getattr(g, flag)]
        if len(flagged) > 1:
            root.ctx.fail(f"termination_grounds[{flagged[1]}].{flag}", t("pack.error.flag_twice"))
    if not any(g.from_discipline for g in lists["termination_grounds"]):
        root.ctx.fail("termination_grounds", t("pack.error.needs_flag", flag="from_discipline"))
    needing = any(c.needs_recommender for c in lists["channels"])
    if lists["recommending_bodies"] and not needing:
        root.ctx.fail("recommending_bodies", t("pack.error.bodies_unused"))


DEFAULT_LEAD_PATTERN = "{dept}-{year}-{seq:04d}"


def _check_pattern(root: _Table, pattern: str, key: str) -> None:
    try:
        pattern.format(dept="150000", year=2024, seq=1)
    except (KeyError, IndexError, ValueError):
        root.fail(key, t("pack.error.bad_value", value=pattern, expected=t("pack.type.pattern")))
    if "{seq" not in pattern:
        root.fail(key, t("pack.error.bad_value", value=pattern, expected=t("pack.type.pattern")))


def _meeting_duty(
    root: _Table, activity_kinds: list[str], prefixes: dict[str, str]
) -> MeetingDuty | None:
    table = root.table("meeting_duty", required=False)
    if table is None:
        return None
    kind = table.text("kind")
    if kind not in activity_kinds:
        table.fail("kind", _unknown(kind, activity_kinds))
    article = table.text("article")
    duty = MeetingDuty(
        kind=kind,
        per_year=table.integer("per_year", minimum=1),
        label=table.text("label"),
        label_en=table.text("label_en", required=False) or "",
        article=article,
        article_en=table.text("article_en", required=False) or english_article(article, prefixes),
    )
    table.finish()
    return duty


def _deadlines(table: _Table | None, prefixes: dict[str, str]) -> DeadlineRule:
    assert table is not None  # required=True above
    article = table.text("article")
    rule = DeadlineRule(
        accept_working_days=table.integer("accept_working_days", minimum=1),
        handle_working_days=table.integer("handle_working_days", minimum=1),
        max_extension_working_days=table.integer("max_extension_working_days", minimum=0),
        article=article,
        article_en=table.text("article_en", required=False) or english_article(article, prefixes),
        basis=table.text("basis"),
        basis_en=table.text("basis_en", required=False) or "",
    )
    table.finish()
    return rule


def _holidays(root: _Table) -> tuple[dict[date, bool], tuple[int, ...]]:
    """``[holiday_overrides]``: ``2027-10-09 = true`` (a working Saturday) or ``false`` (a
    day off); ``holiday_years`` lists the years the table gives in full."""
    table = root.table("holiday_overrides", required=False)
    days: dict[date, bool] = {}
    if table is not None:
        for name in list(table.data):
            try:
                day = date.fromisoformat(name.strip())
            except ValueError:
                table.fail(
                    name, t("pack.error.bad_value", value=name, expected=t("pack.type.date"))
                )
            days[day] = table.flag(name)
        table.finish()
    years = root.raw("holiday_years", list, required=False) or []
    for index, year in enumerate(years):
        if type(year) is not int or not 1900 < year < 2200:
            root.ctx.fail(
                f"holiday_years[{index}]",
                t("pack.error.bad_value", value=year, expected=t("pack.type.year")),
            )
    return days, tuple(sorted(set(years)))


def _reward(table: _Table | None, prefixes: dict[str, str]) -> RewardRule | None:
    if table is None:
        return None
    method = table.choice("method", REWARD_METHODS)
    article = table.text("article")
    fields: dict[str, Any] = {
        "method": method,
        "article": article,
        "article_en": table.text("article_en", required=False)
        or english_article(article, prefixes),
        "basis": table.text("basis"),
        "basis_en": table.text("basis_en", required=False) or "",
        "claim_months": table.integer("claim_months", minimum=1),
        "floor": table.decimal("floor", required=False),
        "cap": table.decimal("cap", required=False),
        "rate": table.decimal("rate", required=method == "flat", percent=True),
        "eligible": tuple(table.strings("eligible", required=False) or ()),
        "eligible_note": table.text("eligible_note", required=False) or "",
        "eligible_note_en": table.text("eligible_note_en", required=False) or "",
    }
    if fields["rate"] is not None and method != "flat":
        table.fail("rate", t("pack.error.only_with_method", method="flat"))
    if (
        fields["floor"] is not None
        and fields["cap"] is not None
        and fields["floor"] > fields["cap"]
    ):
        table.fail("cap", t("pack.error.cap_below_floor", floor=fields["floor"]))

    levels = table.tables("levels", required=method == "levels")
    if levels and method != "levels":
        table.fail("levels", t("pack.error.only_with_method", method="levels"))
    fields["levels"] = tuple(_reward_levels(levels))
    default = table.text("default_level", required=False)
    if default is not None and default not in [lv.code for lv in fields["levels"]]:
        table.fail("default_level", _unknown(default, [lv.code for lv in fields["levels"]]))
    fields["default_level"] = default

    bands = table.tables("bands", required=method == "bands")
    if bands and method != "bands":
        table.fail("bands", t("pack.error.only_with_method", method="bands"))
    fields["bands"] = tuple(_reward_bands(bands))

    insider = table.table("insider", required=False)
    if insider is not None:
        uplift = insider.decimal("uplift", required=False, percent=True)
        multiplier = insider.decimal("multiplier", required=False)
        if (uplift is None) == (multiplier is None):
            insider.fail("uplift", t("pack.error.uplift_or_multiplier"))
        if multiplier is not None:
            if multiplier < 1:
                insider.fail("multiplier", t("pack.error.too_small", minimum=1))
            uplift = multiplier - 1
        fields["insider_uplift"] = uplift
        fields["insider_article"] = insider.text("article", required=False)
        insider.finish()

    fixed = table.table("no_amount", required=False)
    if fixed is not None:
        low, high = fixed.decimal("min"), fixed.decimal("max")
        if high < low:
            fixed.fail("max", t("pack.error.too_small", minimum=low))
        fields["fixed_range"] = (low, high)
        fixed.finish()
    table.finish()
    return RewardRule(**fields)


def _reward_levels(tables: list[_Table]) -> Iterator[RewardLevel]:
    seen: dict[str, str] = {}
    for entry in tables:
        code = entry.text("code")
        if not _SLUG.match(code):
            entry.fail("code", t("pack.error.bad_value", value=code, expected=t("pack.type.slug")))
        if code in seen:
            entry.fail("code", t("pack.error.duplicate", code=code, first=seen[code]))
        seen[code] = entry.key("code")
        level = RewardLevel(
            code=code,
            label=entry.text("label"),
            label_en=entry.text("label_en", required=False) or "",
            rate=entry.decimal("rate", percent=True),
            floor=entry.decimal("floor", required=False),
            description=entry.text("description", required=False),
            description_en=entry.text("description_en", required=False),
        )
        entry.finish()
        yield level


def _reward_bands(tables: list[_Table]) -> Iterator[RewardBand]:
    previous = Decimal(0)
    for index, entry in enumerate(tables):
        up_to = entry.decimal("up_to", required=index < len(tables) - 1)
        if up_to is not None and up_to <= previous:
            entry.fail("up_to", t("pack.error.bands_order", previous=previous))
        band = RewardBand(up_to=up_to, rate=entry.decimal("rate", percent=True))
        entry.finish()
        previous = up_to if up_to is not None else previous
        yield band
