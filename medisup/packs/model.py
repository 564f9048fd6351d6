"""The shape of a loaded regulation pack: frozen dataclasses built by the loader.

Over 400 lines: one frozen dataclass per part of a pack (criteria, grounds, taxonomy,
deadlines, rewards, …), each small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from medisup.i18n import language, t

# The lists a pack declares, in the order `pack show` prints them.
KINDS = (
    "criteria",
    "channels",
    "categories",
    "backgrounds",
    "recommending_bodies",
    "discipline_rules",
    "termination_grounds",
    "report_channels",
    "activity_kinds",
    "subjects",
    "items",
    "health_statuses",
)

# What a lead can be about; fixed by the tool because lead records store it.
TARGET_KINDS = ("medical_institution", "pharmacy", "insured_person", "agency", "other")

# Checks that inform a criterion's finding (a note: evidence only, never the result, which
# stays the reviewer's); a criterion names one with `auto`.
AUTO_CHECKS = ("citizen_id",)
# Lists a pack may mark open (free text beside the listed entries).
OPEN_LISTS = ("recommending_bodies", "report_channels")

RENEWAL_CONSENT = ("recorded", "required")
ON_TERM_END = ("expire", "auto_dismiss")
REWARD_METHODS = ("flat", "levels", "bands")


def _english() -> bool:
    return language() == "en"


@dataclass(frozen=True)
class PackItem:
    """One coded entry of a pack list: a criterion, a channel, a ground, a taxonomy item …

    Only the fields that make sense for its list are set; the rest keep their defaults.
    """

    code: str
    label: str
    article: str
    short: str | None = None
    kind: str = ""
    label_en: str = ""
    short_en: str | None = None
    article_en: str = ""
    note: str | None = None
    note_en: str | None = None
    # Where the wording comes from when the pack's own regulation does not enumerate it
    # (gx-trial's A–E items are the Inner Mongolia list): shown beside the article.
    adopted_from: str | None = None
    adopted_from_en: str = ""
    # criteria (auto, preferred) and backgrounds (preferred)
    auto: str | None = None
    preferred: bool = False
    # channels
    needs_recommender: bool = False
    # termination grounds
    blocks_reapplication: bool = False
    referral: bool = False
    from_discipline: bool = False
    incompetence: bool = False
    term_end: bool = False
    # subjects: the target kinds a lead under this subject may name
    targets: tuple[str, ...] = ()
    # taxonomy items: the subject code they belong to
    subject: str | None = None
    # activity kinds: plans kept confidential (暗访), kinds that inspect institutions
    # (the recusal rule applies to them), kinds whose institutions need a credit code
    confidential: bool = False
    inspects: bool = False
    needs_credit_code: bool = False

    def text(self, *, short: bool = False) -> str:
        """The label in the user's language; ``short`` gives the table form."""
        if _english():
            if short and self.short_en:
                return self.short_en
            return self.label_en or self.label
        if short and self.short:
            return self.short
        return self.label

    def cite(self) -> str:
        """The article reference in the user's language, as `--explain` prints it; an
        entry whose wording is adopted from another regulation says so."""
        article = self.article_en if _english() and self.article_en else self.article
        if self.adopted_from:
            return t("pack.adopted_cite", article=article, source=self.source_text())
        return article

    def source_text(self) -> str | None:
        """Where the wording was adopted from, in the user's language (``None``: the
        pack's own regulation)."""
        if _english() and self.adopted_from_en:
            return self.adopted_from_en
        return self.adopted_from

    def note_text(self) -> str | None:
        if _english() and self.note_en:
            return self.note_en
        return self.note


@dataclass(frozen=True)
class DeadlineRule:
    """Working-day limits for handling a lead (national report-handling defaults)."""

    accept_working_days: int
    handle_working_days: int
    max_extension_working_days: int
    article: str
    basis: str
    article_en: str = ""
    basis_en: str = ""

    def cite(self) -> str:
        if _english():
            return "; ".join(x for x in (self.article_en or self.article, self.basis_en) if x)
        return "；".join(x for x in (self.article, self.basis) if x)


@dataclass(frozen=True)
class MeetingDuty:
    """A meeting the department must hold every year (GX Art. 11(一))."""

    kind: str
    per_year: int
    label: str
    article: str
    label_en: str = ""
    article_en: str = ""

    def text(self) -> str:
        return self.label_en if _english() and self.label_en else self.label

    def cite(self) -> str:
        return self.article_en if _english() and self.article_en else self.article


@dataclass(frozen=True)
class RewardLevel:
    """A seriousness level of a ``levels`` reward rule, with its own rate and floor."""

    code: str
    label: str
    rate: Decimal
    floor: Decimal | None = None
    label_en: str = ""
    description: str | None = None
    description_en: str | None = None

    def text(self) -> str:
        return self.label_en if _english() and self.label_en else self.label


@dataclass(frozen=True)
class RewardBand:
    """A marginal band: ``rate`` applies to the part of the amount up to ``up_to``
    (``None``: everything above the previous band)."""

    up_to: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class RewardRule:
    """A region's reward rule for verified leads, read from a pack's ``[reward]`` table.

    Order of computation: the method gives the base (flat rate, level rate then the
    level's floor, or marginal bands); no amount → a value chosen in ``fixed_range``; then
    the global ``floor``; then the insider uplift; the global ``cap`` last.
    """

    method: str
    article: str
    basis: str
    claim_months: int
    rate: Decimal | None = None
    levels: tuple[RewardLevel, ...] = ()
    default_level: str | None = None
    bands: tuple[RewardBand, ...] = ()
    insider_uplift: Decimal | None = None  # fraction added: 0.5 → +50 %
    insider_article: str | None = None
    fixed_range: tuple[Decimal, Decimal] | None = None
    floor: Decimal | None = None
    cap: Decimal | None = None
    article_en: str = ""
    basis_en: str = ""
    # Which leads the rule rewards: subject or item codes (empty: every verified lead).
    eligible: tuple[str, ...] = ()
    eligible_note: str = ""
    eligible_note_en: str = ""

    def rewards(self, item_codes: tuple[str, ...] | list[str], subject_of) -> bool:
        """Whether a lead with these taxonomy items qualifies (any one of them suffices)."""
        if not self.eligible:
            return True
        return any(code in self.eligible or subject_of(code) in self.eligible
                   for code in item_codes)

    def level(self, code: str) -> RewardLevel | None:
        for level in self.levels:
            if level.code == code:
                return level
        return None

    def cite(self) -> str:
        if _english():
            return ", ".join(x for x in (self.article_en or self.article, self.basis_en) if x)
        return "、".join(x for x in (self.article, self.basis) if x)


@dataclass(frozen=True)
class Pack:
    """Everything that differs between regions, for one regulation (SPEC §1)."""

    name: str
    region: str
    regulation: str
    role_title: str
    term_years: int
    term_article: str
    renewal_consent: str
    renewal_article: str
    on_term_end: str
    on_term_end_article: str
    certificate_pattern: str
    lead_number_pattern: str
    deadlines: DeadlineRule
    criteria: tuple[PackItem, ...]
    channels: tuple[PackItem, ...]
    categories: tuple[PackItem, ...]
    backgrounds: tuple[PackItem, ...]
    recommending_bodies: tuple[PackItem, ...]
    discipline_rules: tuple[PackItem, ...]
    termination_grounds: tuple[PackItem, ...]
    report_channels: tuple[PackItem, ...]
    activity_kinds: tuple[PackItem, ...]
    subjects: tuple[PackItem, ...]
    items: tuple[PackItem, ...]
    # Health statuses an application may record (nm Art. 6, gx Art. 3(四)); empty: free text.
    health_statuses: tuple[PackItem, ...] = ()
    auto_dismiss_ground: str | None = None
    # The discipline rule that says a supervisor with an interest in an inspected
    # institution stays away (nm Art. 9(四), GX Art. 7(六)); activity proposals apply it.
    recusal_rule: str | None = None
    # Where the regulation lets an institution complain about a supervisor and the bureau
    # investigate and decide (nm Art. 15); `supervisor complaint` cites it when set.
    complaint_article: str | None = None
    # Lists the regulation leaves open ("等部门", gx Art. 5(二)): a name not listed, or
    # "other:NAME", is kept as the free text itself instead of being refused.
    open_lists: tuple[str, ...] = ()
    # Where the regulation weighs health (nm Art. 6 last paragraph, gx Art. 3(四)) and
    # where it names the recruitment record (notice or invitation letter, the application
    # form): set, the apply wizard asks for them (optional answers) citing the article.
    health_article: str | None = None
    recruitment_article: str | None = None
    age_range: tuple[int, int] | None = None
    age_article: str | None = None
    quota: int | None = None
    meeting_duty: MeetingDuty | None = None
    holiday_overrides: Mapping[date, bool] = field(default_factory=dict)
    holiday_years: tuple[int, ...] = ()
    reward: RewardRule | None = None
    reward_note: str | None = None
    region_en: str = ""
    regulation_en: str = ""
    role_title_en: str = ""
    reward_note_en: str | None = None
    article_prefix_en: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    _index: dict[str, dict[str, PackItem]] = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index = {kind: {item.code: item for item in getattr(self, kind)} for kind in KINDS}
        object.__setattr__(self, "_index", index)

    def __hash__(self) -> int:
        return hash((self.name, self.source))

    def text(self, attr: str) -> str | None:
        """A pack-level text (``region``, ``regulation``, ``role_title``, ``reward_note``)
        in the user's language."""
        value = getattr(self, attr)
        if _english():
            return getattr(self, f"{attr}_en", None) or value
        return value

    def cite(self, attr: str) -> str | None:
        """A pack-level article reference (``term_article``, ``renewal_article``,
        ``on_term_end_article``, ``age_article``) in the user's language."""
        value = getattr(self, attr)
        if value and _english():
            return english_article(value, self.article_prefix_en) or value
        return value

    def codes(self, kind: str) -> tuple[str, ...]:
        """The codes of one list, in the pack's order."""
        return tuple(self._kind(kind))

    def item(self, kind: str, code: str) -> PackItem:
        """The entry ``code`` of list ``kind``; an unknown code is the user's mistake."""
        found = self._kind(kind).get(code)
        if found is None:
            raise _invalid(kind, code, self._choices(kind))
        return found

    def _choices(self, kind: str) -> tuple[str, ...]:
        """Each entry as the user may type it: ``npc_deputy（人大代表）``; long taxonomy
        labels are left out (the codes say enough and the line stays readable)."""
        if kind == "items":
            return self.codes(kind)
        return tuple(
            t("pack.code_label", code=i.code, label=i.text(short=True))
            for i in self._kind(kind).values()
        )

    def label(self, kind: str, code: str, *, short: bool = False) -> str:
        return self.item(kind, code).text(short=short)

    def resolve(self, kind: str, text: str) -> PackItem:
        """Find an entry by code (any case), label, short label or English label —
        what a clerk types into a workbook cell."""
        wanted = " ".join(str(text).split())
        entries = self._kind(kind)
        if wanted in entries:
            return entries[wanted]
        folded = wanted.casefold()
        for item in entries.values():
            names = (item.code, item.label, item.short, item.label_en, item.short_en)
            if any(name and name.casefold() == folded for name in names):
                return item
        raise _invalid(kind, text, self._choices(kind))

    def open_value(self, kind: str, text: str, *, field: str, limit: int) -> str:
        """What to store for ``text`` in list ``kind``: a listed entry's code; where the
        pack marks the list open (the regulation's "等"), ``other:NAME`` or a name not
        listed is kept as the name itself, as written.  A bare "other" names nothing and
        is refused citing the list's article; a closed list refuses any unlisted name."""
        from medisup.errors import InvalidValue

        raw = " ".join(str(text or "").split())
        if kind not in self.open_lists:
            return self.resolve(kind, raw).code
        head, sep, name = raw.replace("：", ":").partition(":")
        try:
            item = self.resolve(kind, head.strip())
        except InvalidValue:
            item = None
        if item is None:
            value = raw
        elif item.code != "other" and not sep:
            return item.code
        else:
            value = name.strip() if item.code == "other" else ""
        if not value:
            other = self._kind(kind).get("other")
            article = other.cite() if other else ""
            raise InvalidValue(field, raw, t("pack.expect_open", kind=t(f"pack.kind.{kind}"),
                                             article=article))
        if len(value) > limit:
            raise InvalidValue(field, value, t("identity.expect_length", limit=limit))
        return value

    def display(self, kind: str, stored: str | None, *, short: bool = True) -> str | None:
        """A stored value of list ``kind`` for people: a code's label, or a free-text name
        (an open list's "other") as it was written."""
        if stored is None:
            return None
        found = self._kind(kind).get(stored)
        return found.text(short=short) if found else stored

    def resolve_item(self, text: str, target_kind: str | None = None) -> PackItem:
        """A taxonomy item by code or by wording. The same wording may name items of several
        subjects (nm-2024 A8 and B3 read alike): the lead's target kind then chooses the one
        whose subject covers it; without one that fits, the wording is refused naming every
        candidate code, never silently the first."""
        wanted = " ".join(str(text).split())
        entries = self._kind("items")
        if wanted in entries or wanted.upper() in entries:
            return entries.get(wanted) or entries[wanted.upper()]
        folded = wanted.casefold()
        found = [item for item in entries.values()
                 if any(name and name.casefold() == folded
                        for name in (item.code, item.label, item.short, item.label_en,
                                     item.short_en))]
        if len(found) > 1 and target_kind is not None:
            fitting = [i for i in found if self.fits_target(i.code, target_kind)]
            found = fitting or found
        if len(found) == 1:
            return found[0]
        if not found:
            raise _invalid("items", text, self._choices("items"))
        from medisup.errors import InvalidValue

        raise InvalidValue(t("pack.kind.items"), text, t(
            "pack.ambiguous_item", codes=t("pack.list_sep").join(i.code for i in found)))

    def taxonomy(self) -> list[tuple[PackItem, tuple[PackItem, ...]]]:
        """Subjects with their items, in order, for printing a tree."""
        return [
            (subject, tuple(i for i in self.items if i.subject == subject.code))
            for subject in self.subjects
        ]

    def subject_of(self, item_code: str) -> PackItem:
        return self.item("subjects", self.item("items", item_code).subject or "")

    def fits_target(self, item_code: str, target_kind: str) -> bool:
        """Whether a lead about a ``target_kind`` may carry taxonomy item ``item_code``."""
        return target_kind in self.subject_of(item_code).targets

    def ground(self, flag: str) -> PackItem | None:
        """The termination ground carrying ``flag`` (``from_discipline``, ``incompetence``,
        ``term_end``), if the pack has one."""
        for item in self.termination_grounds:
            if getattr(item, flag):
                return item
        return None

    def term_end(self, start: date) -> date:
        """Last day of a term that starts on ``start``: the same month and day
        ``term_years`` later, minus one day.  A 29 February start has its anniversary on
        28 February when that year has no 29th, so the term then ends on 27 February —
        the safe side, never a day longer than the regulation's term."""
        year = start.year + self.term_years
        day = start.day
        if start.month == 2 and day == 29 and not _leap(year):
            day = 28
        return date(year, start.month, day) - timedelta(days=1)

    def _kind(self, kind: str) -> dict[str, PackItem]:
        try:
            return self._index[kind]
        except KeyError:
            raise ValueError(f"unknown pack list {kind!r}") from None


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def one_of(choices: Any) -> str:
    """``expected`` text for an enumerated value, in the user's language."""
    return t("pack.one_of", choices=t("pack.list_sep").join(str(c) for c in choices))


def _invalid(kind: str, value: Any, codes: tuple[str, ...]) -> Exception:
    from medisup.errors import InvalidValue

    return InvalidValue(t(f"pack.kind.{kind}"), value, one_of(codes))


_NUMERALS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_ARTICLE = re.compile(r"第([〇零一二两三四五六七八九十百]+)条")
_CLAUSE = re.compile(r"（([〇零一二两三四五六七八九十百]+)）")
_ITEM = re.compile(r"\)(\d+)")
_CJK = re.compile(r"[\u3400-\u9fff]")


def chinese_number(text: str) -> int:
    """``十二`` → 12, ``二十一`` → 21, ``一百零五`` → 105 (article numbers only)."""
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _NUMERALS[char]
    return total + current


def english_article(article: str, prefixes: Mapping[str, str] | None = None) -> str:
    """``广西办法第三条（五）`` → ``GX Art. 3(5)``; ``第八条（一）1`` → ``Art. 8(1) item 1``.

    Returns an empty string when some Chinese is left over, so the caller shows the
    Chinese reference rather than a half translation."""
    text = article
    for zh, en in (prefixes or {}).items():
        text = text.replace(zh, f"{en} " if en else "")
    text = _ARTICLE.sub(lambda m: f"Art. {chinese_number(m.group(1))}", text)
    text = _CLAUSE.sub(lambda m: f"({chinese_number(m.group(1))})", text)
    text = _ITEM.sub(lambda m: f") item {m.group(1)}", text)
    text = text.replace("、", ", ").replace("，", ", ")
    text = " ".join(text.split())
    return "" if _CJK.search(text) else text
