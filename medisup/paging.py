"""A page of a list: its rows and where they sit among all the rows the filters select.

One shape for every list, whether the page came from SQL (leads, supervisors) or was cut
from a short list in memory (departments, certificates …), so the count line under a
table reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    total: int
    page: int
    per_page: int | None  # None: every selected row on one page

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page if self.per_page else 0

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when none is)."""
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)

    @property
    def more(self) -> bool:
        return self.last < self.total
