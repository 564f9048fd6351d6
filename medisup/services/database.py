"""Database life cycle: initialise, upgrade, report the revision, back up."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from medisup.config import Settings
from medisup.db import (
    HEAD_REVISION,
    REVISIONS,
    backup_sqlite,
    copy_sqlite,
    current_revision,
    describe_url,
    make_engine,
    sqlite_path,
    upgrade,
)
from medisup.errors import DataError, InvalidValue
from medisup.i18n import t
from medisup.models import Department


@dataclass(frozen=True)
class Revision:
    url: str
    current: str | None
    head: str
    state: str  # up_to_date / older / newer / uninitialised


@dataclass(frozen=True)
class InitResult:
    url: str
    before: str | None
    after: str | None
    department: object | None  # DepartmentPublic when one was added
    existing_departments: int
    audit_key: str | None = None  # path of the audit key file when init created it


def _writable(engine) -> None:
    path = sqlite_path(engine)
    if path is None:
        return
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK) or (path.exists() and not os.access(path.parent, os.W_OK)):
        raise DataError(t("db.read_only", url=describe_url(str(engine.url))))


def initialise(
    settings: Settings, *, code: str | None, name: str | None, pack: str | None,
    quota: int | None, command: str = "init",
) -> InitResult:
    """Create or upgrade the database, then register the first department if there is none."""
    from medisup.services import departments
    from medisup.services.uow import unit_of_work

    # Validate what we can before touching the disk: a bad code writes nothing.
    if code is not None:
        departments.validate_code(code)
    if pack is not None:
        from medisup.packs import load_pack

        load_pack(pack)
    engine = make_engine(settings.database_url, create_dirs=True)
    try:
        _writable(engine)
        fresh = sqlite_path(engine)
        if fresh is not None and not fresh.exists():
            before, after = _create_sqlite(fresh)
        else:
            before, after = upgrade(engine)
    finally:
        engine.dispose()
    from medisup.services.audit_key import ensure_key as ensure_audit_key
    from medisup.services.audit_key import forget_witness

    if before is None:  # a new database: no head this machine saw belongs to it
        forget_witness(settings.database_url)
    key_path, key_created = ensure_audit_key()  # before the first entry is written
    acting = settings.with_options(dept=code) if code else settings
    with unit_of_work(acting, command=command) as uow:
        existing = departments.count(uow.session)
        dept = None
        known = code is not None and uow.session.get(Department, code) is not None
        if existing == 0 or (code and not known):
            missing = [opt for opt, v in (("--code", code), ("--name", name), ("--pack", pack)) if not v]
            if missing:
                raise InvalidValue(t("field.first_dept"), "", t("init.need_first", options=", ".join(missing)))
            dept = departments.add(uow, code=code, name=name, pack=pack, quota=quota, first=True)
        from medisup.services.supervisors.certificates import ensure_secret

        ensure_secret(uow.session)  # the key of certificate verification codes
    return InitResult(describe_url(settings.database_url), before, after, dept, existing,
                      audit_key=str(key_path) if key_created else None)


def _create_sqlite(path: Path) -> tuple[str | None, str | None]:
    """A new SQLite file, migrated in a private (0600) file beside it and renamed into
    place: a full disk or a failed migration leaves no empty or half-made database."""
    from medisup.files import staged

    with staged(path, overwrite=False) as part:
        engine = make_engine(f"sqlite:///{part}")
        try:
            before, after = upgrade(engine)
        finally:
            engine.dispose()
        _checkpoint(part)
    return before, after


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file so the file alone is the whole database."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def has_departments(settings: Settings) -> bool | None:
    """Whether the database exists and already holds departments (for the init wizard)."""
    try:
        engine = make_engine(settings.database_url)
    except DataError:
        return None
    try:
        if current_revision(engine) is None:
            return False
        from sqlalchemy import text

        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT COUNT(*) FROM department")).scalar())
    except DataError:
        return None
    finally:
        engine.dispose()


def migrate(settings: Settings) -> tuple[str | None, str | None]:
    engine = make_engine(settings.database_url)
    try:
        _writable(engine)
        if current_revision(engine) is None:
            raise DataError(t("db.not_initialised", url=describe_url(settings.database_url)))
        return upgrade(engine)
    finally:
        engine.dispose()


def revision(settings: Settings) -> Revision:
    engine = make_engine(settings.database_url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    if current is None:
        state = "uninitialised"
    elif current == HEAD_REVISION:
        state = "up_to_date"
    elif current in REVISIONS:
        state = "older"
    else:
        state = "newer"
    return Revision(describe_url(settings.database_url), current, HEAD_REVISION, state)


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    method: str  # sqlite-online-backup / pg_dump


def backup(settings: Settings, target: Path) -> Backup:
    """A consistent copy while the database is in use."""
    engine = make_engine(settings.database_url)
    try:
        if engine.dialect.name == "sqlite":
            backup_sqlite(engine, target)
            return Backup(target, target.stat().st_size, "sqlite-online-backup")
        if engine.dialect.name == "postgresql":
            return _pg_dump(engine, target)
        raise DataError(t("db.backup_unsupported", dialect=engine.dialect.name))
    finally:
        engine.dispose()


def pg_dump_hint(url: str, target: Path) -> str:
    return f'pg_dump --format=custom --file "{target}" "{describe_url(url)}"'


def _pg_dump(engine, target: Path) -> Backup:
    url = engine.url
    if target.exists():
        raise DataError(t("db.backup_exists", path=target))
    exe = shutil.which("pg_dump") or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), reverse=True)), None
    )
    hint = pg_dump_hint(str(url), target)
    if exe is None:
        raise DataError(t("db.pg_dump_missing", hint=hint))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    from medisup.files import staged

    with staged(target, overwrite=False) as part:
        _run_pg_dump(exe, url, part, env, hint)
    return Backup(target, target.stat().st_size, "pg_dump")


def _run_pg_dump(exe: str, url, part: Path, env: dict, hint: str):
    args = [exe, "--format=custom", "--file", str(part), "--dbname", url.database or "",
            "--host", url.host or "localhost"]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    query_host = url.query.get("host")
    if query_host:
        args[args.index("--host") + 1] = str(query_host)
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        problem = (done.stderr or "").strip().splitlines()[-1:] or [""]
        if "no space left" in problem[0].lower():
            from medisup.files import disk_full_error

            raise disk_full_error(part.parent)
        raise DataError(t("db.pg_dump_failed", problem=problem[0], hint=hint))
    return done


@dataclass(frozen=True)
class Restore:
    path: Path  # the database now holding the restored copy
    kept: Path | None  # the replaced database, kept beside it
    revision: str
    entries: int
    legacy: int


def restore(settings: Settings, source: Path) -> Restore:
    """Replace the SQLite database with ``source`` once the copy proves sound: it opens,
    passes SQLite's integrity check, has the schema at a known revision and its audit
    chain verifies. The replaced database is kept as ``NAME.replaced-YYYYMMDDTHHMMSS``."""
    import sqlite3
    from datetime import datetime

    from medisup.files import remove_quietly, staged

    engine = make_engine(settings.database_url, create_dirs=True)
    try:
        target = sqlite_path(engine)
    finally:
        engine.dispose()
    if target is None:
        raise DataError(t("db.restore_not_sqlite", hint=pg_restore_hint(settings.database_url)))
    source = Path(source)
    if not source.is_file():
        raise InvalidValue("FILE", str(source), t("db.restore_expect_file"))
    if source.resolve() == target.resolve():
        raise InvalidValue("FILE", str(source), t("db.restore_not_itself"))
    with staged(target) as part:
        try:
            copy_sqlite(source, part)
        except (sqlite3.DatabaseError, DataError) as exc:
            problem = exc.message if isinstance(exc, DataError) else str(exc)
            raise DataError(t("db.restore_refused", file=source.name, problem=problem)) from None
        revision, entries, legacy = _check_copy(source, part)
        kept = None
        if target.exists():
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
            kept = target.with_name(f"{target.name}.replaced-{stamp}")
            live = make_engine(f"sqlite:///{target}")
            try:
                backup_sqlite(live, kept)
            finally:
                live.dispose()
            _checkpoint(target)
        os.chmod(part, 0o600)
    remove_quietly(Path(f"{target}-wal"), Path(f"{target}-shm"))
    from medisup.services.audit_key import forget_witness

    forget_witness(settings.database_url)
    return Restore(target, kept, revision, entries, legacy)


def _check_copy(source: Path, part: Path) -> tuple[str, int, int]:
    from sqlmodel import Session

    from medisup.services import audit

    engine = make_engine(f"sqlite:///{part}", write=False)
    try:
        revision_ = current_revision(engine)
        if revision_ not in REVISIONS:
            raise DataError(t("db.restore_refused", file=source.name,
                              problem=t("db.restore_revision", revision=revision_ or "—")))
        with Session(engine) as session:
            report = audit.verify(session)
    except DataError as exc:
        if exc.message.startswith(t("db.restore_refused", file=source.name, problem="")):
            raise
        raise DataError(t("db.restore_refused", file=source.name, problem=exc.message)) from None
    except Exception as exc:  # a file that opens but is not our schema
        raise DataError(t("db.restore_refused", file=source.name,
                          problem=f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                          if str(exc) else type(exc).__name__)) from None
    finally:
        engine.dispose()
    if not report.ok:
        raise DataError(t("db.restore_refused", file=source.name, problem=t(
            f"audit.broken.{report.problem}", id=report.broken_at, count=report.entries,
            witness="", anchor_n="")))
    return revision_, report.entries, report.legacy


def pg_restore_hint(url: str) -> str:
    return f'pg_restore --clean --dbname "{describe_url(url)}" FILE'
