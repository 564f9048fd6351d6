"""A lead's taxonomy codes as they are stored: each says whether it opens its subject on the
lead, so that leads by subject are counted from the item rows alone (the annual review reads
a million leads' items this way).  A subject's codes share their first letter (A1–A9 under
A) and sort together."""

from __future__ import annotations

from collections.abc import Iterable


def subject_of(code: str) -> str:
    return code[:1]


def with_openers(codes: Iterable[str]) -> list[tuple[str, bool]]:
    """The codes in order, each with whether it is its subject's first on the lead."""
    seen: set[str] = set()
    out = []
    for code in sorted(set(codes)):
        subject = subject_of(code)
        out.append((code, subject not in seen))
        seen.add(subject)
    return out
