"""The write lock of a long import on SQLite: rows are checked in a read transaction, and
the lock is taken only for the short write that follows.

A writing command's connection starts with ``BEGIN IMMEDIATE`` (``medisup.db``): it holds
SQLite's one write lock from its first query to its commit.  For an import that is the
whole check of every row — tens of seconds for a large roster, past the 15 s every other
writer waits before it gives up (``database is locked``).  So the import hands the lock
back at once and checks under a plain ``BEGIN`` (WAL: other writers go on meanwhile);
before writing it takes the lock again and asks SQLite whether any other connection
committed in between (``PRAGMA data_version``).  If none did, the plan stands on exactly
the data it was made from; if one did, the rows are checked again under the lock.

PostgreSQL has no such lock (row locks, MVCC): there nothing changes.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

class WriteLock:
    """Gives the write lock back for the checks and takes it again for the write."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.raw: Any = None
        self.version: int | None = None
        conn = uow.session.connection()
        if conn.dialect.name != "sqlite":
            return
        raw = conn.connection.dbapi_connection
        # Only when this command has written nothing yet: giving back the lock ends the
        # transaction, and with it anything already written.
        if not isinstance(raw, sqlite3.Connection) or raw.total_changes or not raw.in_transaction:
            return
        raw.execute("ROLLBACK")
        raw.execute("BEGIN")
        # Before the first read of the checks, so a commit by anyone from here on shows.
        self.version = raw.execute("PRAGMA data_version").fetchone()[0]
        self.raw = raw

    @property
    def released(self) -> bool:
        """Whether the checks run without the lock (SQLite, nothing written before)."""
        return self.raw is not None

    def take(self) -> bool:
        """Hold the write lock from here to the command's commit.  True when no other
        connection committed since the checks began (the plan is still true); False when
        one did, so the caller checks again, now under the lock."""
        if self.raw is None:
            return True
        raw, self.raw = self.raw, None
        raw.execute("COMMIT")  # the read transaction: nothing was written in it
        from medisup.db import begin_immediate, translate_operational_error

        try:
            begin_immediate(raw)  # waits for another writer, as every write does
        except sqlite3.OperationalError as exc:
            raw.execute("BEGIN")  # leave the session in a transaction it can end
            url = str(self.uow.session.get_bind().url)
            raise translate_operational_error(exc, url) from None
        return raw.execute("PRAGMA data_version").fetchone()[0] == self.version
