"""Lead deadlines counted in Chinese working days, holiday swaps (调休) included."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from medisup.errors import InvalidValue
from medisup.i18n import t


class WorkCalendar:
    """Answers "is this a working day?" and remembers the years it had to guess.

    Order of authority: the pack's override table, then the official schedule shipped
    with ``chinese_calendar``, then — for years that library does not know — plain
    weekends.  Guessed years are collected in ``estimated_years`` so that a deadline
    built on them can say it is only an estimate.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        complete_years: Collection[int] = (),
    ) -> None:
        self.overrides: Mapping[date, bool] = overrides or {}
        self.complete_years = frozenset(complete_years)
        self.estimated_years: set[int] = set()

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return bool(self.overrides[day])
        import chinese_calendar

        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self.complete_years:
                self.estimated_years.add(day.year)
            return day.weekday() < 5

    def add(self, start: date, days: int) -> date:
        """The day that is ``days`` working days after ``start`` (before it, if negative);
        ``start`` itself never counts, so adding 0 gives ``start``."""
        step = timedelta(days=1 if days >= 0 else -1)
        remaining = abs(days)
        day = start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative if ``end``
        comes first, so that ``between(s, add(s, n)) == n``."""
        if end < start:
            return -self.between(end, start)
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def is_working_day(
    day: date, *, overrides: Mapping[date, bool] | None = None, complete_years: Collection[int] = ()
) -> bool:
    """Whether ``day`` is a working day in mainland China (调休 Saturdays are)."""
    return WorkCalendar(overrides, complete_years=complete_years).is_working_day(day)


def add_working_days(
    start: date,
    days: int,
    *,
    overrides: Mapping[date, bool] | None = None,
    complete_years: Collection[int] = (),
) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    return WorkCalendar(overrides, complete_years=complete_years).add(start, days)


def working_days_between(
    start: date,
    end: date,
    *,
    overrides: Mapping[date, bool] | None = None,
    complete_years: Collection[int] = (),
) -> int:
    """Working days after ``start`` up to and including ``end``."""
    return WorkCalendar(overrides, complete_years=complete_years).between(start, end)


def calendar_covers(year: int) -> bool:
    """Whether the installed holiday schedule knows ``year``."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class Deadlines:
    """When a lead must be accepted and closed, and how those dates were reached."""

    received: date
    accept_by: date
    handle_from: date
    handle_by: date
    extension_days: int
    accept_working_days: int
    handle_working_days: int
    basis: str
    estimated_years: tuple[int, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def estimated(self) -> bool:
        """True when a year without an official holiday schedule was involved."""
        return bool(self.estimated_years)

    def overdue(self, as_of: date) -> bool:
        """Past the handling deadline (the caller decides whether the lead is closed)."""
        return as_of > self.handle_by

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received.isoformat(),
            "accept_by": self.accept_by.isoformat(),
            "handle_from": self.handle_from.isoformat(),
            "handle_by": self.handle_by.isoformat(),
            "extension_days": self.extension_days,
            "estimated": self.estimated,
            "estimated_years": list(self.estimated_years),
            "basis": self.basis,
        }


def lead_deadlines(
    received: date,
    pack: Any,
    *,
    extensions: Iterable[int] = (),
    accepted: date | None = None,
) -> Deadlines:
    """Acceptance and handling deadlines of a lead under ``pack.deadlines``.

    The handling period runs from the acceptance date when one is recorded, otherwise
    from the day received — the stricter reading while acceptance is pending.  Each
    extension (in working days) pushes the handling deadline; together they may not
    exceed the pack's maximum.
    """
    rule = pack.deadlines
    extension_days = 0
    for days in extensions:
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise InvalidValue(t("deadline.field_extension"), days, t("deadline.positive"))
        if extension_days + days > rule.max_extension_working_days:
            raise InvalidValue(
                t("deadline.field_extension"),
                days,
                t(
                    "deadline.extension_expected",
                    limit=rule.max_extension_working_days,
                    used=extension_days,
                ),
            )
        extension_days += days
    calendar = WorkCalendar(
        pack.holiday_overrides, complete_years=getattr(pack, "holiday_years", ())
    )
    handle_from = accepted or received
    accept_by = calendar.add(received, rule.accept_working_days)
    handle_by = calendar.add(handle_from, rule.handle_working_days + extension_days)
    years = tuple(sorted(calendar.estimated_years))
    warnings = ()
    if years:
        warnings = (t("deadline.estimated", years=t("pack.list_sep").join(map(str, years))),)
    return Deadlines(
        received=received,
        accept_by=accept_by,
        handle_from=handle_from,
        handle_by=handle_by,
        extension_days=extension_days,
        accept_working_days=rule.accept_working_days,
        handle_working_days=rule.handle_working_days,
        basis=rule.cite(),
        estimated_years=years,
        warnings=warnings,
    )
