"""Shared fixtures: an isolated user directory, a fresh database per test (SQLite, or
PostgreSQL when ``MEDISUP_TEST_DATABASE_URL`` is set), a seeded department tree, and a
runner for the real command line."""

from __future__ import annotations

import io
import itertools
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass

import pytest

os.environ.setdefault("COLUMNS", "200")
PG_ADMIN_URL = os.environ.get("MEDISUP_TEST_DATABASE_URL")
BACKEND = "postgresql" if PG_ADMIN_URL else "sqlite"


def pytest_report_header(config):
    from clock import NOW

    return f"medisup database backend: {BACKEND}; clock frozen at {NOW.isoformat()}"


def pytest_configure(config):
    """Freeze the clock for the whole run (collection included), so a module constant
    taken at import and the date the code reads later are the same day."""
    import time_machine
    from clock import NOW

    config.addinivalue_line("markers", "backend(name): database backend of this run")
    config.addinivalue_line("markers", "sqlite_only: behaviour that exists only for SQLite files")
    traveller = time_machine.travel(NOW, tick=False)
    traveller.start()
    config._medisup_clock = traveller


def pytest_unconfigure(config):
    traveller = getattr(config, "_medisup_clock", None)
    if traveller is not None:
        traveller.stop()


# ---------------------------------------------------------------- isolation


@pytest.fixture(scope="session", autouse=True)
def _session_user(tmp_path_factory) -> Iterator[None]:
    """Session-wide fixtures (the template databases) run before any test's own user
    directory exists: they get a scratch one too, never the real configuration folder."""
    home = tmp_path_factory.mktemp("session-user")
    names = {"MEDISUP_CONFIG_DIR": home / "config", "MEDISUP_DATA_DIR": home / "data",
             "MEDISUP_CACHE_DIR": home / "cache"}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: str(path) for name, path in names.items()})
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _isolated_user(tmp_path_factory, monkeypatch):
    """No test touches the real configuration or data directory."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("MEDISUP_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("MEDISUP_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("MEDISUP_CACHE_DIR", str(home / "cache"))
    for name in ("MEDISUP_DEPT", "MEDISUP_DATABASE_URL", "MEDISUP_OPERATOR", "MEDISUP_LANG",
                 "MEDISUP_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    from medisup import config, i18n

    config.config_file_values.cache_clear()
    i18n._configured_language.cache_clear()
    i18n.set_language(None)
    i18n._language = None
    yield home


# ---------------------------------------------------------------- databases

_counter = itertools.count()


def _pg_admin():
    from sqlalchemy import create_engine

    url = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _pg_url(dbname: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    return url.set(database=dbname).render_as_string(hide_password=False)


@contextmanager
def _pg_database(template: str | None = None) -> Iterator[str]:
    name = f"medisup_t{os.getpid()}_{next(_counter)}"
    admin = _pg_admin()
    with admin.connect() as conn:
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated_template(_session_user, tmp_path_factory) -> Iterator[str]:
    """A database at the head revision, built once and copied for each test."""
    from medisup.db import make_engine, upgrade

    if PG_ADMIN_URL:
        name = f"medisup_tpl{os.getpid()}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine = make_engine(_pg_url(name))
        upgrade(engine)
        engine.dispose()
        yield name
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}", create_dirs=True)
        upgrade(engine)
        engine.dispose()
        yield str(path)


@pytest.fixture
def empty_db_url(tmp_path) -> Iterator[str]:
    """A database that exists but has no schema (PostgreSQL) or a path not yet created (SQLite)."""
    if PG_ADMIN_URL:
        with _pg_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'medisup.db'}"


@pytest.fixture
def db_url(tmp_path, _migrated_template) -> Iterator[str]:
    """A fresh database at the head revision, with no departments."""
    if PG_ADMIN_URL:
        with _pg_database(template=_migrated_template) as url:
            yield url
    else:
        path = tmp_path / "medisup.db"
        shutil.copyfile(_migrated_template, path)
        yield f"sqlite:///{path}"


# ---------------------------------------------------------------- services


@dataclass
class Env:
    """A test database plus the helpers to run services against it."""

    url: str

    def settings(self, dept: str | None = "150000", operator: str = "测试员"):
        from medisup.config import Settings

        return Settings(operator=operator, dept=dept, database_url=self.url, lang="zh")

    @contextmanager
    def uow(self, dept: str | None = "150000", *, command: str = "test", write: bool = True,
            operator: str = "测试员"):
        from medisup.services.uow import unit_of_work

        with unit_of_work(self.settings(dept, operator), command=command, write=write) as uow:
            yield uow


TREE = [
    # code, name, parent, pack, quota
    ("150000", "内蒙古自治区医疗保障局", None, "nm-2024", None),
    ("150100", "呼和浩特市医疗保障局", "150000", None, 50),
    ("150102", "新城区医疗保障局", "150100", None, 3),
    ("150103", "回民区医疗保障局", "150100", None, 20),
    ("152500", "锡林郭勒盟医疗保障局", "150000", None, None),
    ("450000", "广西壮族自治区医疗保障局", None, "gx-trial", None),
    ("450100", "南宁市医疗保障局", "450000", None, 30),
    ("450102", "兴宁区医疗保障局", "450100", None, 10),
]


def seed_departments(env: Env) -> None:
    from medisup.services import departments

    for code, name, parent, pack, quota in TREE:
        acting = parent or code
        with env.uow(acting, command="dept add") as uow:
            departments.add(uow, code=code, name=name, parent=parent, pack=pack, quota=quota,
                            first=parent is None)


@pytest.fixture
def env(db_url) -> Env:
    """A migrated database with no departments."""
    return Env(db_url)


@pytest.fixture(scope="session")
def _seeded_template(_migrated_template, tmp_path_factory) -> Iterator[str]:
    """The migrated template with the department tree seeded once, copied for each test."""
    if PG_ADMIN_URL:
        name = f"medisup_seeded{os.getpid()}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{_migrated_template}"')
        seed_departments(Env(_pg_url(name)))
        yield name
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("seeded") / "seeded.db"
        shutil.copyfile(_migrated_template, path)
        seed_departments(Env(f"sqlite:///{path}"))
        yield str(path)


@pytest.fixture
def seeded(tmp_path, _seeded_template) -> Iterator[Env]:
    """A migrated database with an nm-2024 tree under 150000 and a gx-trial tree under 450000."""
    if PG_ADMIN_URL:
        with _pg_database(template=_seeded_template) as url:
            yield Env(url)
    else:
        path = tmp_path / "medisup.db"
        shutil.copyfile(_seeded_template, path)
        yield Env(f"sqlite:///{path}")


# ---------------------------------------------------------------- command line


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


class Cli:
    """Runs the real root command in-process, stdout and stderr captured apart."""

    def __init__(self, url: str | None, monkeypatch) -> None:
        self.url = url
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, dept: str | None = "150000", input: str = "",
                 env: dict[str, str] | None = None) -> CliResult:
        from typer.main import get_command

        from medisup.cli import app

        argv: list[str] = []
        if self.url:
            argv += ["--db", self.url]
        if dept:
            argv += ["--dept", dept]
        argv += ["--operator", "测试员", *args]
        for key, value in (env or {}).items():
            self.monkeypatch.setenv(key, value)
        out, err = io.StringIO(), io.StringIO()
        stdin = io.StringIO(input)
        self.monkeypatch.setattr(sys, "stdin", stdin)
        with redirect_stdout(out), redirect_stderr(err):
            code = get_command(app).main(args=argv, prog_name="medisup", standalone_mode=False)
        for key in env or {}:
            self.monkeypatch.delenv(key, raising=False)
        return CliResult(int(code or 0), out.getvalue(), err.getvalue())


@pytest.fixture
def cli(seeded, monkeypatch) -> Cli:
    """The command line on the seeded database, acting as 150000 by default."""
    return Cli(seeded.url, monkeypatch)


@pytest.fixture
def bare_cli(monkeypatch) -> Cli:
    """The command line with no database option at all."""
    return Cli(None, monkeypatch)


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.backend(BACKEND))




def pytest_runtest_setup(item):
    if PG_ADMIN_URL and item.get_closest_marker("sqlite_only"):
        pytest.skip("SQLite-only behaviour")

