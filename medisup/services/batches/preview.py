"""What undoing an import batch would remove and restore, read from its journal without
changing anything, so the command can say so before it asks for confirmation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import select

from medisup.errors import NotFound
from medisup.i18n import has, t
from medisup.models import AuditEntry, ImportBatch

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

# The tables a clerk thinks in, first; the rest follow in the journal's order.
_ORDER = ("person", "application", "term", "certificate", "lead", "activity")


@dataclass(frozen=True)
class UndoPreview:
    batch: int
    file_name: str
    deleted: tuple[tuple[str, int], ...]  # (table, rows) the undo deletes
    restored: int  # rows it puts back as they were before the batch

    def describe(self) -> str:
        """将删除 20000 名人员、20000 条聘期…；恢复 3 条被更新的记录"""
        parts = [_count(table, n) for table, n in self.deleted]
        text = t("wizard.undo.summary", batch=self.batch, file=self.file_name,
                 deleted=t("wizard.list_sep").join(parts) or t("wizard.undo.nothing"))
        if self.restored:
            text += t("wizard.undo.restored", count=self.restored)
        return text + t("wizard.undo.end")


def _count(table: str, n: int) -> str:
    key = f"wizard.undo.table.{table}"
    return t(key, count=n) if has(key) else f"{n} × {table}"


def preview(uow: UnitOfWork, batch_id: int) -> UndoPreview:
    """Counts of what ``import undo`` would delete and restore (no check that it may)."""
    session = uow.session
    batch = session.get(ImportBatch, batch_id)
    if batch is None or (batch.dept is not None and batch.dept not in uow.scope):
        raise NotFound(t("import.batch_not_found", batch=batch_id))
    entry = session.exec(select(AuditEntry).where(
        AuditEntry.entity == "import_batch", AuditEntry.entity_id == str(batch_id),
        AuditEntry.action == "import")).first()
    journal = json.loads(entry.after).get("journal") or {} if entry and entry.after else {}
    created = {table: sum(last - first + 1 for first, last in ranges)
               for table, ranges in (journal.get("created") or {}).items()}
    tables = [x for x in _ORDER if created.get(x)] + [
        x for x in created if x not in _ORDER and created[x]]
    restored = sum(len(rows) for rows in (journal.get("updated") or {}).values())
    return UndoPreview(batch=batch_id, file_name=batch.file_name or "",
                       deleted=tuple((x, created[x]) for x in tables), restored=restored)
