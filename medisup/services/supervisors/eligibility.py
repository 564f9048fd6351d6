"""Eligibility review against a department's pack: the reviewer's findings on each criterion
and the automatic ones (ID valid, age, not serving, no blocking earlier termination),
each citing its clause.

Pure: the facts from the database come in as plain values, so the Excel import can run
the same review on every row before it writes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.identifiers import is_foreign_permanent_resident_number
from medisup.packs import Pack, PackItem
from medisup.services.supervisors.identity import age_on, birthday, clean_text

# What a reviewer may find on a criterion; `blocking` and `warning` are automatic only.
DECLARED = ("met", "not_met", "not_checked")
RESULTS = (*DECLARED, "blocking", "warning")
# Checks the tool makes itself (criterion codes of the automatic Finding rows).
AUTO_CODES = ("id_valid", "age", "not_serving", "no_blocking_termination")
_RESULT_WORDS = {
    "met": "met", "yes": "met", "y": "met", "ok": "met", "符合": "met", "是": "met",
    "not_met": "not_met", "no": "not_met", "n": "not_met", "不符合": "not_met", "否": "not_met",
    "not_checked": "not_checked", "unchecked": "not_checked", "未审查": "not_checked",
    "未核实": "not_checked",
}


@dataclass(frozen=True)
class Check:
    """One finding: a pack criterion or an automatic check, with the clause it rests on."""

    code: str
    result: str
    article: str
    label: str
    note: str | None = None
    automatic: bool = False
    preferred: bool = False


@dataclass(frozen=True)
class ServingFact:
    """A term of the person that would overlap the new one."""

    department_code: str
    start_date: date
    end_date: date


@dataclass(frozen=True)
class BlockingTermination:
    """An earlier termination on a ground that blocks reapplication."""

    department_code: str
    ground: str
    label: str
    article: str
    effective_on: date


@dataclass(frozen=True)
class History:
    """What the database knows about the person that the review needs."""

    serving: tuple[ServingFact, ...] = ()
    blocking: tuple[BlockingTermination, ...] = ()


# ---------------------------------------------------------------- declared findings


def parse_result(value: str, *, field: str) -> str:
    found = _RESULT_WORDS.get(clean_text(value).casefold())
    if found is None:
        raise InvalidValue(field, value, t("eligibility.expect_result"))
    return found


def parse_finding(pack: Pack, text: str) -> tuple[str, str, str | None]:
    """``CODE=met[:note]`` → (criterion code, result, note); the criterion may be its label."""
    field = "--finding"
    code, sep, rest = clean_text(text).replace("＝", "=").partition("=")
    if not sep or not code.strip():
        raise InvalidValue(field, text, t("eligibility.expect_finding"))
    criterion = pack.resolve("criteria", code.strip()).code
    parts = re.split(r"[:：]", rest, maxsplit=1)
    result = _RESULT_WORDS.get(clean_text(parts[0]).casefold())
    if result is None:
        raise InvalidValue(field, text, t("eligibility.expect_result"))
    note = clean_text(parts[1]) if len(parts) > 1 and clean_text(parts[1]) else None
    if note and len(note) > 500:
        raise InvalidValue(field, text, t("identity.expect_length", limit=500))
    return criterion, result, note


def declared_findings(
    pack: Pack, items: Iterable[str] = (), *, all_met: bool = False
) -> dict[str, tuple[str, str | None]]:
    """The reviewer's findings from ``--finding`` options; ``all_met`` fills every
    criterion not named with ``met``."""
    found: dict[str, tuple[str, str | None]] = {}
    for text in items:
        code, result, note = parse_finding(pack, text)
        found[code] = (result, note)
    if all_met:
        for code in pack.codes("criteria"):
            found.setdefault(code, ("met", None))
    return found


# ---------------------------------------------------------------- the review


def _criterion(item: PackItem, result: str, note: str | None, *, automatic: bool = False) -> Check:
    return Check(code=item.code, result=result, article=item.cite(), label=item.text(short=True),
                 note=note, automatic=automatic, preferred=item.preferred)


def _auto(code: str, result: str, article: str, note: str | None = None) -> Check:
    return Check(code=code, result=result, article=article, label=t(f"eligibility.check.{code}"),
                 note=note, automatic=True)


def age_check(pack: Pack, birth: date, start: date, end: date | None) -> Check | None:
    """The pack's age range at the start of the term and, when the term is known, on its
    last day: the person must stay within the range for the whole term."""
    if pack.age_range is None:
        return None
    low, high = pack.age_range
    article = pack.age_article or ""
    age = age_on(birth, start)
    if age < low or age > high:
        note = t("eligibility.age_out", age=age, low=low, high=high, on=start.isoformat())
        return _auto("age", "not_met", article, note)
    if end is not None:
        limit = birthday(birth, high + 1)
        if end >= limit:
            note = t("eligibility.age_term", end=end.isoformat(), limit=limit.isoformat(),
                     age=high + 1, low=low, high=high)
            return _auto("age", "not_met", article, note)
    return _auto("age", "met", article, t("eligibility.age_ok", age=age, low=low, high=high))


def evaluate(
    pack: Pack,
    *,
    birth_date: date,
    region_code: str,
    region_known: bool,
    declared: Mapping[str, tuple[str, str | None]],
    history: History,
    on: date,
    term_start: date | None = None,
    term_end: date | None = None,
    override_reason: str | None = None,
    id_number: str = "",
) -> list[Check]:
    """Every finding for an application: the pack's criteria in order, then the automatic
    checks.  ``term_start`` defaults to ``on``; ``term_end`` enables the upper-age check.

    A criterion the pack links to the ID check (``auto = "citizen_id"``) keeps the
    reviewer's finding: a valid ID number is evidence of citizenship only, and the clause
    also asks what no number shows (nm Art. 5(一)); the check adds a note, never a result.
    """
    start = term_start or on
    foreign = is_foreign_permanent_resident_number(id_number)
    citizen_article = ""
    checks: list[Check] = []
    for item in pack.criteria:
        result, note = declared.get(item.code, ("not_checked", None))
        if item.auto == "citizen_id":
            citizen_article = item.cite()
            evidence = t("eligibility.citizen_foreign" if foreign else "eligibility.citizen_evidence")
            note = note or evidence  # the reviewer's own words first; id_valid flags a 9
        checks.append(_criterion(item, result, note))

    id_article = citizen_article or t("eligibility.article.id")
    if foreign:
        checks.append(_auto("id_valid", "warning", id_article, t("eligibility.id_foreign")))
    elif region_known:
        checks.append(_auto("id_valid", "met", id_article, t("eligibility.id_ok")))
    else:
        checks.append(_auto("id_valid", "warning", id_article,
                            t("identity.region_unknown", region=region_code)))

    age = age_check(pack, birth_date, start, term_end)
    if age is not None:
        checks.append(age)

    rule = t("eligibility.article.one_post")
    if history.serving:
        where = t("pack.list_sep").join(
            t("eligibility.serving_in", dept=s.department_code, start=s.start_date.isoformat(),
              end=s.end_date.isoformat()) for s in history.serving)
        checks.append(_auto("not_serving", "not_met", rule, t("eligibility.serving", where=where)))
    else:
        checks.append(_auto("not_serving", "met", rule, t("eligibility.not_serving")))

    if history.blocking:
        articles = "、".join(dict.fromkeys(b.article for b in history.blocking))
        what = t("pack.list_sep").join(
            t("eligibility.blocked_by", dept=b.department_code, on=b.effective_on.isoformat(),
              ground=b.label, article=b.article) for b in history.blocking)
        note = t("eligibility.blocking", what=what)
        if override_reason:
            note += t("eligibility.overridden", reason=override_reason)
        checks.append(_auto("no_blocking_termination", "blocking", articles, note))
    else:
        checks.append(_auto("no_blocking_termination", "met", t("eligibility.article.blocking"),
                            t("eligibility.no_blocking")))
    return checks


def problems(checks: Sequence[Check], *, overridden: bool = False) -> list[Check]:
    """The findings that stand in the way of an appointment.

    Preferred criteria never do; a warning never does; a blocking finding does until an
    override reason is recorded; every other criterion must be ``met``.
    """
    out = []
    for check in checks:
        if check.result == "warning" or check.preferred:
            continue
        if check.result == "blocking":
            if not overridden:
                out.append(check)
            continue
        if check.result != "met":
            out.append(check)
    return out


def describe(check: Check) -> str:
    """``第五条（二）热心医保事业，责任心强：未审查`` — one problem in a message."""
    text = t("eligibility.problem", article=check.article, label=check.label,
             result=t(f"eligibility.result.{check.result}"))
    if check.automatic and check.note and check.result == "not_met":
        text += t("eligibility.problem_note", note=check.note)
    return text


def _open_body(pack: Pack, body: str, field: str, article: str) -> str:
    """A body of an open list ("等部门"): a listed one by its code; ``other:NAME`` or a
    name not listed kept as the name itself; a bare "other" names nobody and is refused."""
    head, sep, name = body.replace("：", ":").partition(":")
    try:
        item = pack.resolve("recommending_bodies", clean_text(head))
    except InvalidValue:
        item = None
    if item is None:
        text = body
    elif item.code != "other" and not sep:
        return item.code
    else:
        text = clean_text(name) if item.code == "other" else ""
    if not text:
        raise InvalidValue(field, body, t("eligibility.expect_open_body", article=article))
    if len(text) > 100:
        raise InvalidValue(field, text, t("identity.expect_length", limit=100))
    return text


def check_channel(pack: Pack, channel: str, recommending_body: str | None = None
                  ) -> tuple[str, str | None]:
    """A recruitment channel (code or label) and the recommending body it may need: a
    pack code where the pack lists the bodies (GX Art. 5(二)), otherwise the unit's name."""
    item = pack.resolve("channels", clean_text(channel))
    body = clean_text(recommending_body) or None
    field = t("supervisor.field.recommending_body")
    if not item.needs_recommender:
        if body:
            raise InvalidValue(field, body, t("eligibility.expect_no_body", channel=item.text()))
        return item.code, None
    if body is None:
        raise InvalidValue(field, "", t("eligibility.expect_body", channel=item.text(),
                                        article=item.cite()))
    if pack.recommending_bodies:
        if "recommending_bodies" not in pack.open_lists:
            return item.code, pack.resolve("recommending_bodies", body).code
        return item.code, _open_body(pack, body, field, item.cite())
    if len(body) > 100:
        raise InvalidValue(field, body, t("identity.expect_length", limit=100))
    return item.code, body
