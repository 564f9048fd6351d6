"""Batches listed and undone: what a batch created is deleted, what it updated restored,
unless something later depends on it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, delete, insert, or_, select, update

from medisup.clock import local_text, now
from medisup.errors import NotFound, RuleViolation
from medisup.i18n import t
from medisup.models import AuditEntry, ImportBatch, metadata
from medisup.services.batches.journal import Journal, in_ranges, merge_ranges, to_ranges
from medisup.services.batches.pipeline import chunks
from medisup.services.batches.writer import Writer, table_of

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

# Audit entities named after their table, whose entity_id is the row's numeric id.
_ID_ENTITIES = ("person", "application", "term", "interest")
# Actions that read but change nothing: they never make a batch depend-upon.
_READ_ONLY_ACTIONS = frozenset({"reveal", "export"})


@dataclass(frozen=True)
class BatchPublic:
    id: int
    kind: str
    file_name: str
    sheet: str | None
    operator: str
    dept: str | None
    started_at: datetime
    rows: int
    created: int
    updated: int
    unchanged: int
    undone_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def _public(b: ImportBatch) -> BatchPublic:
    return BatchPublic(b.id, b.kind, b.file_name, b.sheet, b.operator, b.dept, b.started_at,
                       b.rows, b.created, b.updated, b.unchanged, b.undone_at)


def list_batches(uow: UnitOfWork, *, limit: int | None = 100) -> list[BatchPublic]:
    """Batches imported in the operator's departments, newest first."""
    from sqlmodel import col

    query = select(ImportBatch).where(col(ImportBatch.dept).in_(sorted(uow.scope))) \
        .order_by(col(ImportBatch.id).desc())
    if limit:
        query = query.limit(limit)
    return [_public(b) for b in uow.session.scalars(query)]


# ---------------------------------------------------------------- undo


def undo(uow: UnitOfWork, batch_id: int) -> BatchPublic:
    """Reverse a batch: delete what it created, restore what it updated.

    Refused when the batch was undone already, or when anything later depends on it:
    a later change recorded in the audit log to a row it created or updated, a later
    row referring to a row it created, or a later batch that updated the same rows.
    """
    session = uow.session
    batch = session.scalars(select(ImportBatch).where(ImportBatch.id == batch_id)
                            .with_for_update()).first()
    if batch is None or (batch.dept is not None and batch.dept not in uow.scope):
        raise NotFound(t("import.batch_not_found", batch=batch_id))
    if batch.undone_at is not None:
        raise RuleViolation(t("import.already_undone", batch=batch_id,
                              at=local_text(batch.undone_at)))
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "import_batch", AuditEntry.entity_id == str(batch_id),
        AuditEntry.action == "import")).first()
    if entry is None or not entry.after:
        raise RuleViolation(t("import.no_journal", batch=batch_id))
    journal = Journal.from_dict(json.loads(entry.after).get("journal") or {})
    writer = Writer(uow)
    _refuse_later_changes(writer, batch_id, entry.id, journal)
    _refuse_later_batches(writer, batch_id, entry.id, journal)
    _refuse_dependent_rows(writer, batch_id, journal)

    _delete_created(writer, journal)
    _restore_updated(writer, journal)
    batch.undone_at = now()
    session.add(batch)
    session.flush()
    uow.batch_id = batch.id
    uow.audit("undo", "import_batch", batch.id,
              before={"created": batch.created, "updated": batch.updated},
              after={"undone_at": batch.undone_at})
    return _public(batch)


def _touched(journal: Journal) -> dict[str, list[list[int]]]:
    """Ids per table the batch created or updated, as ranges."""
    out = {name: list(ranges) for name, ranges in journal.created.items()}
    for name, rows in journal.updated.items():
        out[name] = merge_ranges([*out.get(name, []), *to_ranges(r["id"] for r in rows)])
    return out


def _refuse(batch_id: int, reason: str) -> RuleViolation:
    return RuleViolation(t("import.undo_refused", batch=batch_id, reason=reason))


def _refuse_later_changes(writer: Writer, batch_id: int, entry_id: int,
                          journal: Journal) -> None:
    touched = _touched(journal)
    wanted = [entity for entity in _ID_ENTITIES if entity in touched]
    if "lead" in touched:
        wanted.append("lead")
    if not wanted:
        return
    entries = writer.execute(
        select(AuditEntry.id, AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id)
        .where(AuditEntry.id > entry_id, AuditEntry.entity.in_(wanted))
        .order_by(AuditEntry.id)).all()
    lead_ids: dict[str, int] = {}
    numbers = sorted({e.entity_id for e in entries if e.entity == "lead"})
    if numbers:
        lead = table_of("lead")
        for part in chunks(numbers):
            for row in writer.execute(select(lead.c.number, lead.c.id)
                                      .where(lead.c.number.in_(part))):
                lead_ids[row.number] = row.id
    for e in entries:
        if e.action in _READ_ONLY_ACTIONS:
            continue
        if e.entity == "lead":
            row_id = lead_ids.get(e.entity_id)
            ranges = touched.get("lead", [])
        else:
            row_id = int(e.entity_id) if e.entity_id.isdigit() else None
            ranges = touched.get(e.entity, [])
        if row_id is not None and in_ranges(ranges, row_id):
            raise _refuse(batch_id, t("import.depends_entry", entry=e.id, action=e.action,
                                      entity=_table_label(e.entity), id=e.entity_id))


def _refuse_later_batches(writer: Writer, batch_id: int, entry_id: int,
                          journal: Journal) -> None:
    touched = _touched(journal)
    later = writer.execute(
        select(AuditEntry.after, AuditEntry.entity_id, ImportBatch.undone_at)
        .join(ImportBatch, ImportBatch.id == AuditEntry.batch_id)
        .where(AuditEntry.id > entry_id, AuditEntry.entity == "import_batch",
               AuditEntry.action == "import")).all()
    for after, other, undone_at in later:
        if undone_at is not None or not after:
            continue
        theirs = Journal.from_dict(json.loads(after).get("journal") or {})
        for name, rows in theirs.updated.items():
            ranges = touched.get(name, [])
            if any(in_ranges(ranges, r["id"]) for r in rows):
                raise _refuse(batch_id, t("import.depends_batch", other=other,
                                          entity=_table_label(name)))


def _refuse_dependent_rows(writer: Writer, batch_id: int, journal: Journal) -> None:
    """Rows created later that refer to a row this batch created."""
    for parent, ranges in journal.created.items():
        parent_table = table_of(parent)
        for child in metadata.sorted_tables:
            for fk in child.foreign_keys:
                if fk.column.table is not parent_table:
                    continue
                owned = journal.owned.get(child.name)
                if owned is not None and owned[1] == parent:
                    continue  # removed with the parent
                ours = journal.created.get(child.name)
                for group in _range_groups(ranges):
                    condition = _range_clause(fk.parent, group)
                    if ours and "id" in child.c:
                        condition = and_(condition, ~_range_clause(child.c.id, ours))
                    found = writer.execute(select(child.c[fk.parent.name]).where(condition)
                                           .limit(1)).first()
                    if found is not None:
                        raise _refuse(batch_id, t("import.depends_rows",
                                                  entity=_table_label(child.name),
                                                  parent=_table_label(parent)))


def _table_label(name: str) -> str:
    key = f"import.table.{name}"
    from medisup.i18n import has

    return t(key) if has(key) else name


def _delete_created(writer: Writer, journal: Journal) -> None:
    order = [tbl for tbl in reversed(metadata.sorted_tables)
             if tbl.name in journal.created or tbl.name in journal.owned]
    for target in order:
        owned = journal.owned.get(target.name)
        if owned is not None:
            column, parent = owned
            for group in _range_groups(journal.created.get(parent, [])):
                writer.execute(delete(target).where(_range_clause(target.c[column], group)))
        ranges = journal.created.get(target.name)
        if ranges:
            for group in _range_groups(ranges):
                writer.execute(delete(target).where(_range_clause(target.c.id, group)))


def _restore_updated(writer: Writer, journal: Journal) -> None:
    for name, rows in journal.updated.items():
        target = table_of(name)
        for row in rows:
            before = dict(row["before"])
            categories = before.pop("categories", None)
            values = {k: _from_json(target, k, v) for k, v in before.items()}
            if values:
                writer.execute(update(target).where(target.c.id == row["id"]).values(values))
            if categories is not None:
                pc = table_of("person_category")
                writer.execute(delete(pc).where(pc.c.person_id == row["id"]))
                if categories:
                    writer.execute(insert(pc), [{"person_id": row["id"], "code": c}
                                                for c in categories])


def _from_json(target: Table, key: str, value: Any) -> Any:
    """A value from a before-image back to the column's Python type."""
    from sqlalchemy import Date, DateTime, Numeric

    if value is None:
        return None
    kind = target.c[key].type
    kind = getattr(kind, "impl", kind)  # a TypeDecorator stores what it decorates
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Numeric):
        return Decimal(value)
    return value


def _range_clause(column: Any, ranges: Sequence[Sequence[int]]) -> Any:
    return or_(*(column.between(a, b) for a, b in ranges))


def _range_groups(ranges: Sequence[Sequence[int]], size: int = 300) -> Iterator[Sequence[Any]]:
    yield from chunks(list(ranges), size)
