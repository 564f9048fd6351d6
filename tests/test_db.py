"""Storage: migrations up and down on a database with rows, revision checks, backups,
and the failures a user can run into (unreachable, newer, read-only)."""

from __future__ import annotations

import os
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


def test_every_revision_downgrades_and_upgrades_with_rows(seeded):
    """Step down through every revision and back up, keeping the foundation's rows."""
    engine = db.make_engine(seeded.url)
    for revision in reversed(db.REVISIONS[:-1]):
        db.downgrade(engine, revision)
        assert db.current_revision(engine) == revision
        assert _count(seeded.url, "department") == 8
    db.upgrade(engine)
    assert db.current_revision(engine) == db.HEAD_REVISION
    engine.dispose()
    assert _count(seeded.url, "department") == 8
    assert _count(seeded.url, "audit_entry") == 8


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
