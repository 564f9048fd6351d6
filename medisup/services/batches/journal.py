"""The undo journal of a batch: ids created per table, as ranges, and before-images."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from medisup.canonical import plain

# ---------------------------------------------------------------- ranges of ids


def to_ranges(ids: Iterable[int]) -> list[list[int]]:
    """[1, 2, 3, 7, 8] → [[1, 3], [7, 8]]: allocated ids are mostly consecutive."""
    out: list[list[int]] = []
    for value in sorted(ids):
        if out and value == out[-1][1] + 1:
            out[-1][1] = value
        else:
            out.append([value, value])
    return out


def merge_ranges(ranges: Iterable[Sequence[int]]) -> list[list[int]]:
    """Overlapping or touching ranges joined: [[1, 3], [4, 6], [9, 9]] → [[1, 6], [9, 9]]."""
    out: list[list[int]] = []
    for a, b in sorted((int(r[0]), int(r[1])) for r in ranges):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def in_ranges(ranges: Sequence[Sequence[int]], value: int) -> bool:
    starts = [r[0] for r in ranges]
    i = bisect.bisect_right(starts, value) - 1
    return i >= 0 and ranges[i][0] <= value <= ranges[i][1]


# ---------------------------------------------------------------- the journal


@dataclass
class Journal:
    """What ``undo`` needs: ids created per table (as ranges), child tables deleted with
    their new parents, and the before-image of every updated row."""

    created: dict[str, list[list[int]]] = field(default_factory=dict)
    owned: dict[str, list[str]] = field(default_factory=dict)  # child → [fk column, parent]
    updated: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add_created(self, table: str, ids: Sequence[int]) -> None:
        if ids and ids[-1] - ids[0] == len(ids) - 1:  # one run, as allocated: no sorting
            found = [[ids[0], ids[-1]]]
        else:
            found = to_ranges(ids)
        self.created[table] = merge_ranges([*self.created.get(table, []), *found])

    def add_updated(self, table: str, row_id: int, before: Mapping[str, Any]) -> None:
        self.updated.setdefault(table, []).append({"id": row_id, "before": plain(dict(before))})

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "owned": self.owned, "updated": self.updated}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Journal:
        return cls(created=dict(doc.get("created") or {}), owned=dict(doc.get("owned") or {}),
                   updated=dict(doc.get("updated") or {}))
