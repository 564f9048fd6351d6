"""Database adapter: engines for SQLite and PostgreSQL, the schema-revision check and
the Alembic runner that ships with the package."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool

from medisup.errors import DataError
from medisup.i18n import t

# Every revision in order; the last is the head this release expects.  A test keeps
# this in sync with migrations/versions, so start-up never has to load Alembic.
REVISIONS: tuple[str, ...] = (
    "0001_foundation",
    "0002_supervisors",
    "0003_leads",
    "0004_activities",
    "0005_imports",
    "0006_lead_open_index",
    "0007_certificates_activities",
    "0008_review_list_indexes",
    "0009_consent_recruitment",
    "0010_review_speed",
    "0011_lead_outcome",
)
HEAD_REVISION = REVISIONS[-1]

SQLITE_BUSY_TIMEOUT_MS = 15_000


def migrations_path() -> Path:
    """Where the migrations are: inside the installed wheel, or beside the source tree."""
    packaged = Path(__file__).parent / "migrations"
    if (packaged / "env.py").exists():
        return packaged
    return Path(__file__).resolve().parent.parent / "migrations"


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def make_engine(url: str, *, create_dirs: bool = False, write: bool = True) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout, foreign keys and, for
    writing commands, ``BEGIN IMMEDIATE`` so two staff writing at once wait for each
    other instead of failing half-way."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DataError(t("db.bad_url", url=url)) from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database.startswith("file:"):  # URI form, e.g. file:/path/x.db?mode=ro&uri=true
            database = database[5:].split("?")[0]
        if database and database != ":memory:":
            path = Path(database)
            if create_dirs:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.exists():
                raise DataError(t("db.missing", path=path))
        engine = create_engine(
            parsed,
            poolclass=NullPool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _sqlite_events(engine, immediate=write)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, poolclass=NullPool)
    except (ArgumentError, ImportError, ModuleNotFoundError) as exc:
        raise DataError(t("db.bad_url", url=describe_url(url)) + f" ({exc})") from None


def _sqlite_events(engine: Engine, *, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record) -> None:
        # Take over transaction control so BEGIN IMMEDIATE can be issued below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        try:
            cur.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # a read-only file keeps its journal mode; writes are refused later
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        if not immediate:
            conn.exec_driver_sql("BEGIN")
            return
        try:
            begin_immediate(conn.connection.dbapi_connection)
        except sqlite3.OperationalError as exc:
            raise translate_operational_error(exc, str(engine.url)) from None


# A write waits for another writer (a long import, a backup) instead of failing: quietly
# for a moment, then saying so on stderr, up to ``SQLITE_WRITE_WAIT_MS`` in all.
SQLITE_QUIET_WAIT_MS = 2_000
SQLITE_WRITE_WAIT_MS = 600_000


def begin_immediate(raw: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE`` on a DB-API connection: take SQLite's write lock, waiting for
    another writer quietly at first, then saying so; ``sqlite3.OperationalError`` when the
    lock is still taken after ``SQLITE_WRITE_WAIT_MS`` (or on any other failure)."""
    raw.execute(f"PRAGMA busy_timeout = {SQLITE_QUIET_WAIT_MS}")
    try:
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                raise
            from medisup.render import message

            message(t("db.waiting", seconds=SQLITE_WRITE_WAIT_MS // 1000))
            raw.execute(f"PRAGMA busy_timeout = {SQLITE_WRITE_WAIT_MS}")
            raw.execute("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_path(engine: Engine) -> Path | None:
    if not is_sqlite(engine) or not engine.url.database or engine.url.database == ":memory:":
        return None
    return Path(engine.url.database)


def translate_operational_error(exc: Exception, url: str) -> DataError:
    """A one-line, user-language message for a failure to reach or write the database."""
    text_ = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    lowered = text_.lower()
    if "disk is full" in lowered or "no space left" in lowered:
        return DataError(t("files.disk_full", path=describe_url(url)))
    if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        return DataError(t("db.read_only", url=describe_url(url)))
    if "unable to open" in lowered:
        return DataError(t("db.cannot_open", url=describe_url(url), problem=text_))
    if "locked" in lowered:
        return DataError(t("db.locked", url=describe_url(url)))
    return DataError(t("db.unreachable", url=describe_url(url), problem=text_))


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database, or ``None`` when it was never initialised."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        raise translate_operational_error(exc, str(engine.url)) from None


def check_schema(engine: Engine) -> str:
    """Refuse to work on a database that is uninitialised, older or newer than this release."""
    revision = current_revision(engine)
    url = describe_url(str(engine.url))
    if revision is None:
        raise DataError(t("db.not_initialised", url=url))
    if revision == HEAD_REVISION:
        return revision
    if revision in REVISIONS:
        raise DataError(t("db.older", url=url, revision=revision, head=HEAD_REVISION))
    raise DataError(t("db.newer", url=url, revision=revision, head=HEAD_REVISION))


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    cfg.set_main_option("sqlalchemy.url", str(engine.url).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply migrations up to ``revision``; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    if before is not None and before not in REVISIONS:
        raise DataError(
            t("db.newer", url=describe_url(str(engine.url)), revision=before, head=HEAD_REVISION)
        )
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise translate_operational_error(exc, str(engine.url)) from None
    return before, current_revision(engine)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


@contextmanager
def connection_for_migrations(engine: Engine) -> Iterator:
    """A connection with SQLite foreign keys off (a batch rebuild of a parent table
    would otherwise cascade-delete its children); checked again afterwards."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            # On the DB-API connection, outside any transaction: the engine's "begin" hook
            # would otherwise open one first, and inside a transaction the pragma is ignored.
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            yield conn
        finally:
            if is_sqlite(engine):
                if conn.in_transaction():
                    conn.rollback()
                raw = conn.connection.dbapi_connection
                problems = raw.execute("PRAGMA foreign_key_check").fetchall()
                raw.execute("PRAGMA foreign_keys = ON")
                if problems:
                    raise DataError(t("db.foreign_key_check", count=len(problems)))


def backup_sqlite(engine: Engine, target: Path) -> int:
    """A consistent copy of a live SQLite database via the online backup API; returns pages.

    The copy is made in a private (0600) file beside ``target`` and renamed into place
    only once complete and checked, so a full disk or a failure leaves nothing behind."""
    from medisup.files import staged

    source_path = sqlite_path(engine)
    if source_path is None:
        raise DataError(t("db.backup_not_sqlite"))
    if target.exists():
        raise DataError(t("db.backup_exists", path=target))
    pages = 0
    try:
        with staged(target, overwrite=False) as part:
            pages = copy_sqlite(source_path, part)
    except FileExistsError:
        raise DataError(t("db.backup_exists", path=target)) from None
    except sqlite3.DatabaseError as exc:
        raise DataError(t("db.backup_failed", path=target, problem=str(exc))) from None
    return pages


def copy_sqlite(source_path: Path, part: Path, *, check: bool = True) -> int:
    """Copy ``source_path`` into the (already created, private) file ``part``."""
    from medisup.files import disk_full_error, is_disk_full

    src = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True,
                          timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(str(part))
    pages = 0
    try:
        def progress(_status, remaining, total):
            nonlocal pages
            pages = total

        src.backup(dst, pages=1024, progress=progress)
        dst.execute("PRAGMA journal_mode = DELETE")
        if check:
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise DataError(t("db.backup_corrupt", path=part, problem=ok))
    except sqlite3.OperationalError as exc:
        if is_disk_full(exc):
            raise disk_full_error(part.parent) from None
        raise
    finally:
        dst.close()
        src.close()
    return pages
