"""The current moment, in UTC: one function every service stamps its rows with."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """An aware UTC timestamp (stored as such; shown in the machine's local time)."""
    return datetime.now(UTC)
