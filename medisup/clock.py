"""The current moment, in UTC, as every service stamps its rows; and a stored moment as
the bureau reads it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """An aware UTC timestamp (stored as such; shown in the machine's local time)."""
    return datetime.now(UTC)


def local_text(moment: datetime | str) -> str:
    """A stored moment in the machine's local time, to the second (a bureau reads Beijing
    time).  A moment without a zone was stored in UTC; text is read as ISO 8601."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment[:19].replace("T", " ")
    if not isinstance(moment, datetime):
        return str(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")
