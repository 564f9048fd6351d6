"""Per-row rules for leads, free of the database: taxonomy codes against the target,
amounts, targets and credit codes, conflicts of interest, the status machine, numbers.

Everything here works on plain values so that the Excel import can check a whole
workbook row by row without loading ORM objects.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from medisup import identifiers
from medisup.errors import InvalidValue, RuleViolation
from medisup.i18n import t
from medisup.packs.model import TARGET_KINDS, Pack, one_of
from medisup.services.supervisors.identity import check_credit_code

# ---------------------------------------------------------------- statuses

RECEIVED = "received"
IN_PROGRESS = "in_progress"
VERIFIED = "verified"
UNFOUNDED = "unfounded"
REFERRED = "referred"
CLOSED = "closed"

STATUSES = (RECEIVED, IN_PROGRESS, VERIFIED, UNFOUNDED, REFERRED, CLOSED)
OUTCOMES = (VERIFIED, UNFOUNDED, REFERRED)

# 已登记 → 办理中 → 已查实 / 不属实 / 已移交 → 已办结; nothing else.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (IN_PROGRESS,),
    IN_PROGRESS: OUTCOMES,
    VERIFIED: (CLOSED,),
    UNFOUNDED: (CLOSED,),
    REFERRED: (CLOSED,),
    CLOSED: (),
}

# Kinds of target that are designated institutions: named by unified social credit code.
INSTITUTION_KINDS = ("medical_institution", "pharmacy")

LEAD_PATTERN = "{dept}-{year}-{seq:04d}"
CHANNEL_LIMIT = 40  # lead.channel
MAX_AMOUNT = identifiers.MAX_AMOUNT  # Numeric(14, 2)
CENT = identifiers.CENT

TEXT_LIMITS = {
    "target_name": 200,
    "handling_unit": 100,
    "referral_target": 200,
    "note": 500,
    "reason": 500,
    "approved_by": 100,
    "description": 5000,
}


def status_label(code: str) -> str:
    return t(f"lead.status.{code}")


def target_label(kind: str) -> str:
    return t(f"pack.target.{kind}")


def resolve_status(text: str) -> str:
    """A status by code (``verified``) or by its label in either language (``已查实``)."""
    wanted = " ".join(str(text or "").split()).casefold()
    for code in STATUSES:
        if wanted in {code} | _labels(f"lead.status.{code}"):
            return code
    raise InvalidValue(t("lead.field.status"), text, one_of(STATUSES))


def resolve_target_kind(text: str) -> str:
    """A target kind by code or by its label in either language."""
    wanted = " ".join(str(text or "").split()).casefold()
    for kind in TARGET_KINDS:
        if wanted in {kind} | _labels(f"pack.target.{kind}"):
            return kind
    raise InvalidValue(t("lead.field.target_kind"), text, one_of(TARGET_KINDS))


def _labels(key: str) -> set[str]:
    """The label of ``key`` in every language, case folded: a clerk may type either."""
    from medisup.i18n import LANGUAGES, catalogue

    return {catalogue(lang).get(key, "").casefold() for lang in LANGUAGES} - {""}


def check_transition(current: str, requested: str) -> None:
    """Refuse a status change the machine does not allow, naming what would be allowed."""
    allowed = TRANSITIONS.get(current, ())
    if requested in allowed:
        return
    names = t("pack.list_sep").join(
        t("lead.status_with_code", label=status_label(s), code=s) for s in allowed)
    raise RuleViolation(t(
        "lead.transition_refused",
        current=status_label(current), current_code=current,
        requested=status_label(requested), requested_code=requested,
        allowed=names or t("lead.transition_none"),
    ))


def status_path(current: str, wanted: str) -> list[str]:
    """The steps from ``current`` to ``wanted`` along ``TRANSITIONS``: refused (naming the
    allowed next steps) when none leads there, and when more than one shortest path does
    (to 已办结 the outcome must be said)."""
    if wanted == current:
        return []
    paths: list[list[str]] = []
    queue = deque([[current]])
    while queue:
        path = queue.popleft()
        if paths and len(path) > len(paths[0]):
            break
        for nxt in TRANSITIONS.get(path[-1], ()):
            if nxt == wanted:
                paths.append(path[1:] + [nxt])
            elif nxt not in path:
                queue.append(path + [nxt])
    if not paths:
        check_transition(current, wanted)  # raises, naming what is allowed
    if len(paths) > 1:
        raise RuleViolation(t("import.expect_status_path", current=status_label(current),
                              requested=status_label(wanted)))
    return paths[0]


def step(current: str, to: str, *, outcome: str | None, handling_unit: str | None,
         referral_target: str | None, verified_amount: Decimal | None,
         number: str | None = None) -> None:
    """One status step checked against the lead's facts, as ``lead update --to`` and the
    lead import both take it: allowed by the machine; accepting (办理中) needs a handling
    unit; 已移交 needs the unit it was referred to; closing a verified lead needs the
    verified amount.  ``outcome`` is the lead's outcome once this step is taken.
    Raises :class:`InvalidValue` naming the missing field, or :class:`RuleViolation`.
    """
    check_transition(current, to)
    if to == IN_PROGRESS and handling_unit is None:
        raise InvalidValue(t("lead.field.handling_unit"), "",
                           t("lead.expect_text", limit=TEXT_LIMITS["handling_unit"]))
    if to == REFERRED and referral_target is None:
        raise InvalidValue(t("lead.field.referral_target"), "",
                           t("lead.expect_text", limit=TEXT_LIMITS["referral_target"]))
    if to == CLOSED and outcome == VERIFIED and verified_amount is None:
        raise RuleViolation(t("lead.close_needs_verified_amount", number=number or "—"))


def outcome_amounts(verified: Decimal | None, recovered: Decimal | None, *,
                    on_file: tuple[Decimal | None, Decimal | None],
                    given: Any = None) -> tuple[Decimal | None, Decimal | None]:
    """The verified and recovered amounts after a change: a new value replaces the one on
    file; money recovered needs a verified amount and may not exceed it.  ``given`` is
    the recovered amount as the user wrote it, for the message."""
    final_verified = verified if verified is not None else on_file[0]
    final_recovered = recovered if recovered is not None else on_file[1]
    if final_recovered is not None:
        if final_verified is None:
            raise RuleViolation(t("lead.recovered_needs_verified"))
        if final_recovered > final_verified:
            raise InvalidValue(t("lead.field.recovered_amount"),
                               given if given is not None else recovered,
                               t("lead.expect_recovered", verified=final_verified))
    return final_verified, final_recovered


def is_overdue(status: str, accept_by: date | None, handle_by: date | None, as_of: date) -> bool:
    """Not closed, and past the acceptance deadline while still received or past the
    handling deadline afterwards."""
    if status == CLOSED:
        return False
    due = accept_by if status == RECEIVED else handle_by
    return due is not None and as_of > due


# A deadline this close (in working days) makes a lead stand out in a list.
DUE_SOON_WORKING_DAYS = 3


def is_due_soon(status: str, accept_by: date | None, handle_by: date | None, as_of: date,
                pack: Pack | None) -> bool:
    """Not overdue yet, and its current deadline falls within the next
    :data:`DUE_SOON_WORKING_DAYS` working days (the pack's holiday calendar)."""
    due = due_date(status, accept_by, handle_by)
    if due is None or due < as_of or is_overdue(status, accept_by, handle_by, as_of):
        return False
    from medisup.services.leads.deadlines import WorkCalendar

    calendar = WorkCalendar(pack.holiday_overrides if pack else None,
                            complete_years=getattr(pack, "holiday_years", ()))
    return calendar.between(as_of, due) <= DUE_SOON_WORKING_DAYS


def due_date(status: str, accept_by: date | None, handle_by: date | None) -> date | None:
    """The deadline that matters now: acceptance while received, handling afterwards."""
    if status == CLOSED:
        return None
    return accept_by if status == RECEIVED else handle_by


# ---------------------------------------------------------------- taxonomy


def check_items(pack: Pack, codes: Iterable[str], target_kind: str) -> tuple[str, ...]:
    """Taxonomy codes (or labels) checked against the pack and the target's kind;
    duplicates dropped, order kept.  Refuses an unknown code and a code whose subject
    does not cover the target's kind."""
    out: list[str] = []
    for raw in codes:
        text = str(raw or "").strip()
        if not text:
            continue
        item = pack.resolve_item(text, target_kind)
        subject = pack.subject_of(item.code)
        if target_kind not in subject.targets:
            allowed = t("pack.list_sep").join(target_label(k) for k in subject.targets)
            raise InvalidValue(
                t("lead.field.code"), item.code,
                t("lead.expect_code_target", subject=f"{subject.code} {subject.text(short=True)}",
                  allowed=allowed, kind=target_label(target_kind)),
            )
        if item.code not in out:
            out.append(item.code)
    if not out:
        raise InvalidValue(t("lead.field.code"), "", t("lead.expect_codes"))
    return tuple(out)


def check_channel(pack: Pack, text: str) -> str:
    """A report channel of the pack, by code or label; where the pack leaves the list open
    (nm Art. 10(二) "电话、电子邮件、来函来访等形式"), a channel not listed, or
    ``其他形式:名称``, is kept as its name, as written (≤ 40 characters, the column)."""
    return pack.open_value("report_channels", str(text or "").strip(),
                           field=t("lead.field.channel"), limit=CHANNEL_LIMIT)


# ---------------------------------------------------------------- amounts


def check_amount(value: Any, field: str | None = None) -> Decimal | None:
    """An amount in yuan: not negative, at most two decimals; empty means none.

    Accepts what clerks type and workbooks hold alike (:func:`medisup.identifiers.amount`):
    ``1,234.5``, full-width digits, ``元``, ``1.5万元``, ``￥300``.
    """
    out = identifiers.amount(value)
    if out.__class__ is identifiers.Fault:
        raise InvalidValue(field or t("lead.field.amount"), value, t("lead.expect_amount"))
    return out


def check_text(value: str | None, key: str, *, required: bool = False) -> str | None:
    """Free text trimmed; required ones may not be empty; each has a length limit."""
    if value is None:
        text = ""
    elif key == "description":  # keeps its line breaks
        text = str(value).strip()
    else:
        text = " ".join(str(value).split())
    if not text:
        if required:
            raise InvalidValue(t(f"lead.field.{key}"), "", t("lead.expect_text",
                                                              limit=TEXT_LIMITS[key]))
        return None
    if len(text) > TEXT_LIMITS[key]:
        raise InvalidValue(t(f"lead.field.{key}"), text[:20] + "…",
                           t("lead.expect_text", limit=TEXT_LIMITS[key]))
    return text


# ---------------------------------------------------------------- targets

def normalise_credit_code(value: str | None) -> str | None:
    """A credit code as searched and compared: folded, upper case; empty → None."""
    if value is None:
        return None
    return identifiers.fold(str(value)).upper() or None


@dataclass(frozen=True)
class Target:
    """Who or what a lead is about."""

    kind: str
    name: str
    credit_code: str | None = None


def check_target(kind: str, name: str | None, credit_code: str | None = None) -> Target:
    """A target checked for its kind: institutions need a name and a valid credit code;
    a person needs a name (and no credit code); an agency or other target needs a
    unit name, with a credit code optional."""
    kind = resolve_target_kind(kind)
    clean = check_text(name, "target_name")
    if clean is None:
        raise InvalidValue(t("lead.field.target_name"), "", t(f"lead.expect_target_name.{kind}"))
    if kind in INSTITUTION_KINDS:
        if not normalise_credit_code(credit_code):
            raise InvalidValue(t("lead.field.credit_code"), "",
                               t("lead.expect_credit_code_needed", kind=target_label(kind)))
        return Target(kind, clean, check_credit_code(credit_code, required=False))
    if kind == "insured_person":
        if normalise_credit_code(credit_code):
            raise InvalidValue(t("lead.field.credit_code"), credit_code,
                               t("lead.expect_no_credit_code"))
        return Target(kind, clean, None)
    return Target(kind, clean, check_credit_code(credit_code, required=False))


# ---------------------------------------------------------------- conflicts


def normalise_name(value: str | None) -> str:
    """Names compared for conflicts: full-width folded, spaces removed, case folded."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(text.split()).casefold()


def conflict_of(interests: Iterable[Any], target: Target) -> Any | None:
    """The declared interest a target matches, if any: by credit code when both have
    one, else by the exact normalised name.  ``interests`` are objects with
    ``institution_name`` and ``credit_code`` (``Interest`` rows or any look-alike)."""
    code = normalise_credit_code(target.credit_code)
    name = normalise_name(target.name)
    for interest in interests:
        theirs = normalise_credit_code(getattr(interest, "credit_code", None))
        if code and theirs:
            if code == theirs:
                return interest
            continue
        if name and normalise_name(getattr(interest, "institution_name", None)) == name:
            return interest
    return None


# ---------------------------------------------------------------- numbers


def number(dept: str, year: int, seq: int, pattern: str = LEAD_PATTERN) -> str:
    """The lead number, e.g. ``150102-2026-0007``."""
    return pattern.format(dept=dept, year=year, seq=seq)


def counter_name(dept: str, year: int) -> str:
    """The ``Counter`` row that hands out a department's lead numbers for one year."""
    return f"lead:{dept}:{year}"


def split_codes(values: Sequence[str] | None) -> list[str]:
    """``["A1,A2", "B3"]`` → ``["A1", "A2", "B3"]`` (commas, 、 and spaces separate)."""
    out: list[str] = []
    for value in values or ():
        out.extend(p for p in re.split(r"[,，、;；\s]+", str(value)) if p)
    return out
