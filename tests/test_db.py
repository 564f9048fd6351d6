"""Storage: migrations up and down on a database with rows, revision checks, backups,
and the failures a user can run into (unreachable, newer, read-only)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from medisup import db
from medisup.errors import DataError
from tests.conftest import PG_ADMIN_URL, Env, seed_departments


def test_revisions_constant_matches_migration_scripts():
    from alembic.script import ScriptDirectory

    engine = db.make_engine("sqlite://")
    script = ScriptDirectory.from_config(db.alembic_config(engine))
    chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(chain) == db.REVISIONS
    assert script.get_current_head() == db.HEAD_REVISION


def test_models_match_migrations(db_url):
    """`alembic check`: no drift between the tables and the migration scripts."""
    from alembic import command

    engine = db.make_engine(db_url)
    command.check(db.alembic_config(engine))
    engine.dispose()


def _count(url, table):
    engine = db.make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
    engine.dispose()
    return n


# The first revision that holds each table: a downgrade below it drops the table by design.
TABLE_SINCE = {"department": "0001_foundation", "audit_entry": "0001_foundation",
               "person": "0002_supervisors", "term": "0002_supervisors",
               "lead": "0003_leads", "lead_item": "0003_leads"}


def test_every_revision_downgrades_and_upgrades_with_rows(seeded):
    """Step down through every revision and back up on a database holding departments,
    a serving supervisor and a lead: each table keeps its rows while its revision stands."""
    from tests.helpers_leads import log_lead
    from tests.helpers_supervisors import appoint, make_id

    supervisor = make_id("150102", "19800101", 7)
    appoint(seeded, "150102", supervisor, name="李四", start=date(2025, 6, 1))
    log_lead(seeded, supervisor, dept="150102", received=date(2025, 12, 20))
    before = {table: _count(seeded.url, table) for table in TABLE_SINCE}
    assert before["lead"] == 1 and before["person"] == 1
    engine = db.make_engine(seeded.url)
    for revision in reversed(db.REVISIONS[:-1]):
        db.downgrade(engine, revision)
        assert db.current_revision(engine) == revision
        standing = db.REVISIONS[: db.REVISIONS.index(revision) + 1]
        for table, since in TABLE_SINCE.items():
            if since in standing:
                assert _count(seeded.url, table) == before[table], (revision, table)
    # back up from the first revision: the foundation's rows survive every upgrade
    db.upgrade(engine)
    assert db.current_revision(engine) == db.HEAD_REVISION
    engine.dispose()
    assert _count(seeded.url, "department") == before["department"]
    assert _count(seeded.url, "audit_entry") == before["audit_entry"]


def test_upgrade_keeps_rows_of_each_revision(empty_db_url):
    """A database from every earlier release upgrades in place with its rows."""
    from tests.helpers_leads import log_lead
    from tests.helpers_supervisors import appoint, make_id

    engine = db.make_engine(empty_db_url, create_dirs=True)
    db.upgrade(engine, "0005_imports")
    engine.dispose()
    # rows written by a release at 0005 (the schema before the open-leads index)
    engine = db.make_engine(empty_db_url)
    db.upgrade(engine)
    env = Env(empty_db_url)
    seed_departments(env)
    supervisor = make_id("150102", "19800101", 8)
    appoint(env, "150102", supervisor, name="王五", start=date(2025, 6, 1))
    log_lead(env, supervisor, dept="150102", received=date(2025, 12, 20))
    db.downgrade(engine, "0005_imports")
    assert _count(empty_db_url, "lead") == 1
    db.upgrade(engine)
    engine.dispose()
    assert _count(empty_db_url, "lead") == 1 and _count(empty_db_url, "person") == 1


def test_upgrade_from_first_revision_keeps_rows_and_audit_chain(empty_db_url):
    engine = db.make_engine(empty_db_url, create_dirs=True)
    db.upgrade(engine, "0001_foundation")
    engine.dispose()
    with pytest.raises(DataError) as err:
        db.check_schema(db.make_engine(empty_db_url))
    assert "medisup db upgrade" in err.value.message
    engine = db.make_engine(empty_db_url)
    db.upgrade(engine)
    engine.dispose()
    env = Env(empty_db_url)
    seed_departments(env)
    from medisup.services import audit

    with env.uow(write=False) as uow:
        assert audit.verify(uow.session).ok


def test_database_from_newer_release_is_refused(seeded, cli):
    engine = db.make_engine(seeded.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()
    result = cli("dept", "list")
    assert result.exit_code == 3
    assert "更新版本" in result.stderr and "0099_future" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    upgrade = cli("db", "upgrade")
    assert upgrade.exit_code == 3


def test_uninitialised_database(empty_db_url, bare_cli):
    result = bare_cli("--db", empty_db_url, "--dept", "150000", "dept", "list", dept=None)
    assert result.exit_code == 3
    assert "medisup init" in result.stderr


def test_unreachable_database_url(bare_cli):
    result = bare_cli("--db", "postgresql://nobody@127.0.0.1:1/none", "dept", "list", dept="150000")
    assert result.exit_code == 3
    assert "无法连接数据库" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_url_scheme(bare_cli):
    result = bare_cli("--db", "mysql+nosuchdriver://x/y", "dept", "list", dept="150000")
    assert result.exit_code == 3 and "Traceback" not in result.stderr


@pytest.mark.sqlite_only
@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_database_file_is_refused(seeded, cli):
    path = Path(seeded.url.removeprefix("sqlite:///"))
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        result = cli("dept", "add", "150104", "玉泉区医疗保障局", "--parent", "150100")
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)
    assert result.exit_code == 3
    assert "只读" in result.stderr


def _nobody_runs_python() -> bool:
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return False
    done = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c", "pass"],
                          capture_output=True, timeout=30)
    return done.returncode == 0


@pytest.mark.sqlite_only
@pytest.mark.skipif(not _nobody_runs_python(), reason="needs root, runuser and a Python 'nobody' may run")
def test_read_only_file_for_an_unprivileged_user(seeded):
    """As root, run the real command as 'nobody' against a file nobody may write."""
    folder = Path(tempfile.mkdtemp(prefix="medisup-ro-"))
    try:
        folder.chmod(0o755)
        db_file = folder / "medisup.db"
        shutil.copyfile(seeded.url.removeprefix("sqlite:///"), db_file)
        db_file.chmod(0o644)
        done = subprocess.run(
            ["runuser", "-u", "nobody", "--", sys.executable, "-m", "medisup", "--db", str(db_file),
             "--dept", "150000", "dept", "add", "150104", "玉泉区医疗保障局", "--parent", "150100"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "MEDISUP_CONFIG_DIR": str(folder / "cfg"), "HOME": str(folder)},
        )
        assert done.returncode == 3, done.stderr
        assert "只读" in done.stderr and "Traceback" not in done.stderr
        assert _count(f"sqlite:///{db_file}", "department") == 8
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.sqlite_only
def test_read_only_database_refused_even_as_root(seeded, cli, tmp_path):
    """As root, permissions do not stop writes; SQLite's own read-only mode stands in."""
    url = "sqlite:///file:" + seeded.url.removeprefix("sqlite:///") + "?mode=ro&uri=true"
    result = cli("--db", url, "dept", "add", "150104", "玉泉区医疗保障局", "--parent", "150100")
    assert result.exit_code == 3
    assert "只读" in result.stderr
    assert _count(seeded.url, "department") == 8


@pytest.mark.sqlite_only
def test_backup_is_a_consistent_copy(seeded, cli, tmp_path):
    target = tmp_path / "backup" / "copy.db"
    result = cli("db", "backup", str(target))
    assert result.exit_code == 0, result.stderr
    assert _count(f"sqlite:///{target}", "department") == 8
    again = cli("db", "backup", str(target))
    assert again.exit_code == 3 and "已存在" in again.stderr


@pytest.mark.skipif(not PG_ADMIN_URL, reason="needs PostgreSQL")
def test_postgres_backup_uses_pg_dump(seeded, cli, tmp_path):
    target = tmp_path / "dump.pgc"
    result = cli("db", "backup", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes()[:5] == b"PGDMP"


def test_db_current_reports_head(cli):
    result = cli("db", "current", "-f", "json")
    assert result.exit_code == 0
    assert f'"current": "{db.HEAD_REVISION}"' in result.stdout
    assert '"state": "up_to_date"' in result.stdout


# ---------------------------------------------------------------- files: modes, full disk, restore


def _disk_full(*_args, **_kwargs):
    import sqlite3

    raise sqlite3.OperationalError("database or disk is full")


@pytest.mark.sqlite_only
def test_backup_is_private_and_a_full_disk_leaves_nothing(seeded, cli, tmp_path, monkeypatch):
    target = tmp_path / "b" / "copy.db"
    assert cli("db", "backup", str(target)).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o600
    monkeypatch.setattr(db, "copy_sqlite", _disk_full_copy)
    other = tmp_path / "b" / "other.db"
    result = cli("db", "backup", str(other))
    assert result.exit_code == 3 and "磁盘空间不足" in result.stderr
    assert sorted(p.name for p in other.parent.iterdir()) == ["copy.db"]


def _disk_full_copy(source, part, **_):
    part.write_bytes(b"x" * 4096)  # what a partial copy leaves
    Path(f"{part}-journal").write_bytes(b"j")
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.sqlite_only
def test_init_creates_a_private_database_and_a_full_disk_leaves_none(bare_cli, tmp_path,
                                                                      monkeypatch):
    path = tmp_path / "d" / "medisup.db"
    done = bare_cli("--db", f"sqlite:///{path}", "init", "--code", "150000", "--name", "内蒙古",
                    "--pack", "nm-2024", "--no-save", dept=None)
    assert done.exit_code == 0, done.stderr
    assert path.stat().st_mode & 0o777 == 0o600
    from medisup.services import database

    monkeypatch.setattr(database, "upgrade", lambda engine: _disk_full())
    other = tmp_path / "e" / "medisup.db"
    done = bare_cli("--db", f"sqlite:///{other}", "init", "--code", "150000", "--name", "内蒙古",
                    "--pack", "nm-2024", "--no-save", dept=None)
    assert done.exit_code == 3 and "磁盘空间不足" in done.stderr, done.stderr
    assert list(other.parent.iterdir()) == []


def test_init_quota_out_of_range_is_a_usage_error(bare_cli, tmp_path):
    path = tmp_path / "q.db"
    done = bare_cli("--db", f"sqlite:///{path}", "init", "--code", "150000", "--name", "x",
                    "--pack", "nm-2024", "--quota", str(2**70), "--no-save", dept=None)
    assert done.exit_code == 2 and "--quota" in done.stderr and "1000000" in done.stderr


@pytest.mark.sqlite_only
def test_restore_checks_the_copy_and_keeps_the_replaced_database(seeded, cli, tmp_path):
    backup = tmp_path / "good.db"
    assert cli("db", "backup", str(backup)).exit_code == 0
    assert cli("dept", "update", "150102", "--quota", "7").exit_code == 0
    done = cli("db", "restore", "--yes", str(backup))
    assert done.exit_code == 0, done.stderr
    live = Path(seeded.url.removeprefix("sqlite:///"))
    kept = [p for p in live.parent.iterdir() if ".replaced-" in p.name]
    assert len(kept) == 1 and kept[0].stat().st_mode & 0o777 == 0o600
    assert _count(seeded.url, "audit_entry") == 8  # the quota change is gone with the copy
    assert cli("audit", "verify").exit_code == 0
    assert cli("dept", "update", "150102", "--quota", "8").exit_code == 0


@pytest.mark.sqlite_only
@pytest.mark.parametrize("damage", ["not sqlite", "tampered", "no schema", "newer"])
def test_restore_refuses_an_unsound_copy(seeded, cli, tmp_path, damage):
    import sqlite3

    backup = tmp_path / "bad.db"
    if damage == "not sqlite":
        backup.write_bytes(b"PK\x03\x04 not a database at all" * 50)
    elif damage == "no schema":
        sqlite3.connect(backup).execute("CREATE TABLE t (x)").connection.commit()
    else:
        assert cli("db", "backup", str(backup)).exit_code == 0
        conn = sqlite3.connect(backup)
        conn.execute("UPDATE audit_entry SET operator='x' WHERE id=3" if damage == "tampered"
                     else "UPDATE alembic_version SET version_num='9999_future'")
        conn.commit()
        conn.close()
    before = _count(seeded.url, "audit_entry")
    done = cli("db", "restore", "--yes", str(backup))
    assert done.exit_code == 3 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "bad.db" in done.stderr
    assert _count(seeded.url, "audit_entry") == before
    live = Path(seeded.url.removeprefix("sqlite:///"))
    assert not [p for p in live.parent.iterdir() if ".replaced-" in p.name or p.suffix == ".part"]


def _openers(url) -> dict[str, bool]:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, opens_subject FROM lead_item")).all()
    engine.dispose()
    return {code: bool(opens) for code, opens in rows}


def test_upgrade_marks_the_first_item_of_each_subject(seeded):
    """Leads by subject count the items that open their subject: written with the lead,
    and worked out for the leads already on file when the database is upgraded."""
    from tests.helpers_leads import log_lead
    from tests.helpers_supervisors import appoint, make_id

    supervisor = make_id("150102", "19800101", 9)
    appoint(seeded, "150102", supervisor, start=date(2025, 6, 1))
    log_lead(seeded, supervisor, dept="150102", received=date(2025, 12, 20),
             codes=("A2", "E1", "A1"))
    assert _openers(seeded.url) == {"A1": True, "A2": False, "E1": True}
    engine = db.make_engine(seeded.url)
    db.downgrade(engine, "0009_consent_recruitment")
    db.upgrade(engine)
    engine.dispose()
    assert _openers(seeded.url) == {"A1": True, "A2": False, "E1": True}
