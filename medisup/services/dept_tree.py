"""The department tree as the database holds it: which codes sit below which.

Kept apart from :mod:`medisup.services.departments` (the use cases, which take a unit of
work) so that the unit of work can compute the operator's scope without importing them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from medisup.errors import NotFound
from medisup.i18n import t
from medisup.tables import department

# ``session``: an ORM session or a Core connection (a read that needs no ORM); both execute.


def children_by_parent(session: Any) -> dict[str, list[str]]:
    """Every department code under its parent's code (``""`` for the top)."""
    children: dict[str, list[str]] = {}
    for code, parent in session.execute(select(department.c.code, department.c.parent_code)):
        children.setdefault(parent or "", []).append(code)
    return children


def subtree_codes(session: Any, code: str) -> list[str]:
    """``code`` and every department below it, in tree order."""
    found = session.execute(select(department.c.code).where(department.c.code == code)).first()
    if found is None:
        raise NotFound(t("dept.not_found", code=code))
    children = children_by_parent(session)
    out, stack = [], [code]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(sorted(children.get(current, []), reverse=True))
    return out
