"""Supervisor rules over plain facts, one home each: the last day served, the serving
window, places against a quota, terminations that block reapplication, the start of a
term against its application, and when two declared interests are the same.

Pure functions (no session): ``supervisor approve``/``renew``/``terminate``, the people
history, the bulk import and the reviews all call them with what they have loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Protocol

from medisup.errors import InvalidValue
from medisup.i18n import t
from medisup.packs import Pack
from medisup.services.supervisors.eligibility import BlockingTermination, ServingFact


class TermLike(Protocol):
    """What the rules read of a term: a ``Term`` row or any named tuple alike."""

    @property
    def department_code(self) -> str: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date: ...
    @property
    def terminated_on(self) -> date | None: ...


def last_day(end_date: date, terminated_on: date | None) -> date:
    """The last day actually served (or to be served) in a term: a termination takes
    effect on its day, so the day before is the last one served."""
    if terminated_on is not None:
        return min(end_date, terminated_on - timedelta(days=1))
    return end_date


def serves_on(start_date: date, end_date: date, terminated_on: date | None, on: date) -> bool:
    """Whether a term covers day ``on`` and was not terminated by then (the SQL form of the
    same rule is :func:`medisup.services.roster.serving_clause`)."""
    return start_date <= on <= last_day(end_date, terminated_on)


def serving_in(terms: Iterable[TermLike], start: date, end: date) -> tuple[ServingFact, ...]:
    """The terms served on some day of [start, end] (the serving window), as facts."""
    out = []
    for term in terms:
        last = last_day(term.end_date, term.terminated_on)
        if term.start_date <= end and last >= start:
            out.append(ServingFact(term.department_code, term.start_date, last))
    return tuple(out)


# ---------------------------------------------------------------- quota


def place_of(person_id: int, term: TermLike) -> tuple[int, date, date] | None:
    """The place a term holds against its department's quota, as (person, first day,
    last day served); ``None`` for a term ended before it began."""
    last = last_day(term.end_date, term.terminated_on)
    return (person_id, term.start_date, last) if last >= term.start_date else None


def peak_places(places: list[tuple[int, date, date]], start: date, end: date) -> tuple[int, date]:
    """The most people holding a place on any day of [start, end], and that day.

    ``places`` are (person id, first day, last day served).  A term starting later in the
    window takes a place from its first day, so someone approved to start next month
    counts against the quota of a term starting today.  Used by ``supervisor approve``
    and by the bulk import alike.
    """
    inside = [p for p in places if p[1] <= end and p[2] >= start]
    days = sorted({start} | {p[1] for p in inside if start < p[1] <= end})
    best, best_day = 0, start
    for day in days:
        people = {p[0] for p in inside if p[1] <= day <= p[2]}
        if len(people) > best:
            best, best_day = len(people), day
    return best, best_day


def quota_of(dept_quota: int | None, pack: Pack) -> int | None:
    """The department's own quota, else the pack's; ``None`` is unlimited."""
    return dept_quota if dept_quota is not None else pack.quota


# ---------------------------------------------------------------- history


def blocking_termination(pack: Pack, department_code: str, ground: str,
                         effective_on: date) -> BlockingTermination | None:
    """An earlier termination as a fact for eligibility, when its ground (in the pack of
    the department that terminated) blocks reapplying; an unknown ground blocks nothing."""
    try:
        item = pack.item("termination_grounds", ground)
    except InvalidValue:
        return None
    if not item.blocks_reapplication:
        return None
    return BlockingTermination(department_code, item.code, item.text(short=True), item.cite(),
                               effective_on)


# ---------------------------------------------------------------- applications and terms


def not_before_application(day: date, applied_on: date) -> str | None:
    """What is wrong with a term's first day, or the decision's, against its application
    (neither may come before the application was made); ``None`` when nothing is."""
    if day < applied_on:
        return t("supervisor.expect_after_applied", applied=applied_on.isoformat())
    return None


def term_number(terms_in_department: int) -> int:
    """The number of a person's next term in a department: terms there so far, plus one
    (a renewal is the 2nd term, and so on)."""
    return terms_in_department + 1


def same_name(stored: str, given: str | None) -> bool:
    """The name given with a known ID number is the one on record (names are folded as
    they are read): a different one means a mistyped number or another person, and is
    refused rather than overwriting the record."""
    return given is None or given == stored


def same_interest(name: str, code: str | None, other_name: str, other_code: str | None) -> bool:
    """Two declarations of an interest are the same: by credit code when both have one,
    else by the institution's name."""
    if code and other_code:
        return code == other_code
    return name == other_name


# ---------------------------------------------------------------- the application record

HEALTH_LIMIT = 40  # application.health_status
RECRUITMENT_LIMIT = 100  # application.recruitment_ref


def check_health(pack: Pack, text: str | None) -> str | None:
    """The applicant's health status (nm Art. 6 last paragraph, gx Art. 3(四)): a code of
    the pack's list where it has one, else free text of at most 40 characters."""
    value = " ".join(str(text or "").split())
    if not value:
        return None
    if pack.health_statuses:
        return pack.resolve("health_statuses", value).code
    if len(value) > HEALTH_LIMIT:
        raise InvalidValue(t("supervisor.field.health_status"), value,
                           t("identity.expect_length", limit=HEALTH_LIMIT))
    return value


def check_recruitment_ref(text: str | None) -> str | None:
    """The recruitment notice's or invitation letter's reference, at most 100 characters."""
    value = " ".join(str(text or "").split())
    if len(value) > RECRUITMENT_LIMIT:
        raise InvalidValue(t("supervisor.field.recruitment_ref"), value,
                           t("identity.expect_length", limit=RECRUITMENT_LIMIT))
    return value or None


def check_form_date(form_on: date | None, applied_on: date, today: date) -> date | None:
    """The date on the application form: filled in before (or on) the day the application
    was received, and never in the future."""
    if form_on is None:
        return None
    field = t("supervisor.field.form_on")
    if form_on > today:
        raise InvalidValue(field, form_on.isoformat(),
                           t("supervisor.expect_not_future", today=today.isoformat()))
    if form_on > applied_on:
        raise InvalidValue(field, form_on.isoformat(),
                           t("supervisor.expect_form_before_applied", applied=applied_on.isoformat()))
    return form_on


# ---------------------------------------------------------------- status on a day


def status_at(apps: list[Any], terms: list[Any], on: date) -> tuple[str | None, Any]:
    """A person's status in one department on day ``on``, and the term it concerns.

    Replays history: an application decided after ``on`` was still pending then; a
    term not yet begun makes the person appointed; of an ended term and a rejection
    the later one decides.  ``None``: nothing had happened there by that day.
    """
    for term in terms:
        if term.start_date <= on <= term.end_date and (
                term.terminated_on is None or term.terminated_on > on):
            return "serving", term
    if any(a.applied_on <= on and (a.status == "pending" or (a.decided_on and a.decided_on > on))
           for a in apps):
        return "pending", None
    decided = {a.id: a.decided_on for a in apps}

    def known(term: Any) -> bool:  # the appointment had been made by that day
        when = decided.get(term.application_id) if term.number == 1 else None
        return (when or term.created_at.date()) <= on

    upcoming = [x for x in terms if x.start_date > on and known(x)
                and (x.terminated_on is None or x.terminated_on > x.start_date)]
    if upcoming:
        return "appointed", upcoming[0]
    past = [x for x in terms if x.start_date <= on]
    rejected = [a for a in apps if a.status == "rejected" and a.decided_on and a.decided_on <= on]
    last_rejection = max((a.decided_on for a in rejected), default=None)
    if past:
        last = past[-1]
        ended = last.terminated_on is not None and last.terminated_on <= on
        when = last.terminated_on if ended else last.end_date + timedelta(days=1)
        if last_rejection is None or when >= last_rejection:
            return ("terminated" if ended else "expired"), last
    if last_rejection is not None:
        return "rejected", None
    return None, None


def application_of(apps: list[Any], term: Any | None) -> Any | None:
    if term is not None and term.application_id is not None:
        for app in apps:
            if app.id == term.application_id:
                return app
    return apps[-1] if apps else None
