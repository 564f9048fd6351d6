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
        from medisup.services.certificates import ensure_secret

        ensure_secret(uow.session)  # the key of certificate verification codes
    return InitResult(describe_url(settings.database_url), before, after, dept, existing,
                      audit_key=str(key_path) if key_created else None)


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
    args = [exe, "--format=custom", "--file", str(target), "--dbname", url.database or "",
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
        raise DataError(t("db.pg_dump_failed", problem=problem[0], hint=hint))
    return Backup(target, target.stat().st_size, "pg_dump")
