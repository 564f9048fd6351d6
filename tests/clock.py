"""The one clock of the test suite: a fixed instant, never the wall clock.

The whole run is frozen at ``NOW`` (see ``conftest.pytest_configure``), so a test and the
code it calls always agree on the date, whenever the suite runs. ``MEDISUP_TEST_CLOCK``
moves the instant, e.g. to just before midnight on New Year's Eve::

    MEDISUP_TEST_CLOCK=2026-12-31T23:59:50+08:00 make test-sqlite
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
DEFAULT = "2026-06-15T10:00:00+08:00"

NOW = datetime.fromisoformat(os.environ.get("MEDISUP_TEST_CLOCK") or DEFAULT)
if NOW.tzinfo is None:
    NOW = NOW.replace(tzinfo=CHINA)
TODAY = NOW.astimezone(CHINA).date()
