"""Bulk writing of an import on the unit of work's connection, and the batch row with
its one audit entry holding the journal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, insert, select, text, update

from medisup.clock import now
from medisup.models import ImportBatch, metadata
from medisup.services.batches.journal import Journal

if TYPE_CHECKING:
    from medisup.services.batches.pipeline import ImportReport
    from medisup.services.uow import UnitOfWork


def table_of(name: str) -> Table:
    return metadata.tables[name]


class Writer:
    """Writes one import's rows in bulk on the unit of work's connection and keeps the
    journal of what it did.

    Each insert is a Core ``insert()`` compiled once and run as one executemany.  Values
    go through the column type's own bind processor once per distinct value (dates and
    timestamps repeat across the rows), which spares SQLAlchemy its per-row parameter
    processing.  Measured on 100,000 roster rows (person, category, application, term;
    foreign keys enforced): Core ``insert()`` with a list of dicts 3.5 s, this 1.5 s, raw
    ``sqlite3`` executemany 1.45 s.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.conn = uow.session.connection()
        self.dialect = self.conn.dialect
        self.journal = Journal()

    # -- keys ---------------------------------------------------------------
    def allocate(self, table: str, count: int) -> list[int]:
        """``count`` fresh primary keys for ``table``, reserved inside this transaction.

        SQLite: above the highest id, safe under the BEGIN IMMEDIATE write lock every
        writing command holds.  PostgreSQL: taken from the column's own sequence, so
        concurrent writers never collide.
        """
        if count <= 0:
            return []
        if self.dialect.name == "postgresql":
            rows = self.conn.execute(
                text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                     "FROM generate_series(1, :n)"), {"t": table, "n": count})
            return sorted(r[0] for r in rows)
        highest = self.conn.execute(select(table_of(table).c.id).order_by(
            table_of(table).c.id.desc()).limit(1)).scalar() or 0
        return list(range(highest + 1, highest + count + 1))

    # -- inserts ------------------------------------------------------------
    def insert(self, table: str, count: int, columns: Mapping[str, Any], *,
               journal: bool = True) -> None:
        """Insert ``count`` rows given column by column: a list per column, or one value
        for a column that is the same on every row."""
        if count == 0:
            return
        target = table_of(table)
        keys = list(columns)
        compiled = insert(target).compile(dialect=self.dialect, column_keys=keys)
        prepared: dict[str, Any] = {}
        for key in keys:
            values = columns[key]
            process = target.c[key].type.dialect_impl(self.dialect).bind_processor(self.dialect)
            if isinstance(values, list):
                if len(values) != count:
                    raise ValueError(f"{table}.{key}: {len(values)} values for {count} rows")
                prepared[key] = _processed(process, values) if process else values
            else:
                prepared[key] = repeat(process(values) if process else values, count)
        if compiled.positional:
            params: list[Any] = list(zip(*(prepared[k] for k in compiled.positiontup),
                                         strict=False))
        else:
            names = keys
            params = [dict(zip(names, row, strict=True))
                      for row in zip(*(prepared[k] for k in names), strict=False)]
        self.conn.exec_driver_sql(compiled.string, params)
        if journal and "id" in columns and isinstance(columns["id"], list):
            self.journal.add_created(table, columns["id"])

    def own(self, child: str, column: str, parent: str) -> None:
        """Rows of ``child`` are removed with the batch's new ``parent`` rows on undo."""
        self.journal.owned[child] = [column, parent]

    # -- updates ------------------------------------------------------------
    def update(self, table: str, rows: Sequence[Mapping[str, Any]],
               befores: Sequence[Mapping[str, Any]]) -> None:
        """Update rows by id (each a dict with ``id`` and the new values), keeping each
        row's before-image for undo.  Rows are grouped by the set of columns they change."""
        target = table_of(table)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row, before in zip(rows, befores, strict=True):
            self.journal.add_updated(table, row["id"], before)
            values = {k: v for k, v in row.items() if k != "id"}
            groups.setdefault(tuple(sorted(values)), []).append({"_id": row["id"], **values})
        for keys, params in groups.items():
            statement = update(target).where(target.c.id == bindparam("_id")).values(
                {k: bindparam(k) for k in keys})
            self.conn.execute(statement, params)

    def execute(self, statement: Any, params: Any = None) -> Any:
        return self.conn.execute(statement, params) if params is not None \
            else self.conn.execute(statement)


def _processed(process: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``process`` over a column, once per distinct value (dates and timestamps repeat)."""
    try:
        converted = {value: process(value) for value in set(values)}
    except TypeError:  # an unhashable value: convert every one
        return list(map(process, values))
    return list(map(converted.__getitem__, values))


# ---------------------------------------------------------------- the batch


def start_batch(uow: UnitOfWork, kind: str, report: ImportReport) -> ImportBatch:
    """The batch row; from here on every audit entry of the command carries its id."""
    batch = ImportBatch(kind=kind, file_name=report.file[:300], sheet=report.sheet,
                        operator=uow.actor.operator, dept=uow.actor.dept, started_at=now(),
                        rows=report.rows)
    uow.session.add(batch)
    uow.session.flush()
    uow.batch_id = batch.id
    report.batch_id = batch.id
    return batch


def finish_batch(uow: UnitOfWork, batch: ImportBatch, report: ImportReport,
                 writer: Writer) -> None:
    """Counts on the batch row and the batch's one audit entry, holding the journal."""
    batch.created, batch.updated, batch.unchanged = report.created, report.updated, \
        report.unchanged
    uow.session.add(batch)
    uow.session.flush()
    uow.audit("import", "import_batch", batch.id, after={
        "kind": report.kind, "file": report.file, "sheet": report.sheet, "rows": report.rows,
        "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "journal": writer.journal.as_dict(),
    })
