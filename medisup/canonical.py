"""The one JSON-friendly form of stored values, which the audit chain hashes.

Frozen: an entry's SHA-256 covers its before and after in this form, so a change here
would make every earlier entry fail verification.  JSON output and the import journal use
the same form; output that wants something else (labels, local times, rounding) is
formatted in :mod:`medisup.render`, never by changing this function.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any


def plain(value: Any) -> Any:
    """A JSON-friendly form of a value: ISO dates, times to the second, decimals as
    plain strings, enums by value, mappings and sequences element by element."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value
