"""Settings read once: configuration file (TOML) → environment → command-line option."""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# The directories and the raw file live in medisup.dirs, which i18n reads too; they are
# named here as well because callers (and the test fixtures) know them as config.*.
from medisup.dirs import APP_NAME, config_dir, config_file_values, config_path, data_dir
from medisup.errors import DataError
from medisup.i18n import t

__all__ = [
    "APP_NAME", "ENV", "KEYS", "Settings", "config_dir", "config_file_values", "config_path",
    "data_dir", "database_url_from", "default_database_url", "load_settings", "save_settings",
]

KEYS = ("operator", "dept", "database", "lang")
ENV = {
    "operator": "MEDISUP_OPERATOR",
    "dept": "MEDISUP_DEPT",
    "database": "MEDISUP_DATABASE_URL",
    "lang": "MEDISUP_LANG",
}


def default_database_url() -> str:
    return "sqlite:///" + str(data_dir() / "medisup.db")


def database_url_from(value: str) -> str:
    """Accept a SQLAlchemy URL or a plain path to a SQLite file."""
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about who runs it, where, and how."""

    operator: str
    dept: str | None
    database_url: str
    lang: str
    debug: bool = False
    no_input: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    def with_options(self, **options: Any) -> Settings:
        """A copy with command-line options applied (``None`` means not given)."""
        given = {k: v for k, v in options.items() if v is not None}
        if "database_url" in given:
            given["database_url"] = database_url_from(given["database_url"])
        return replace(self, **given)


def load_settings() -> Settings:
    """Read the file, then the environment; options are applied by the CLI on top."""
    path = config_path()
    values: dict[str, Any] = {}
    if path.exists():
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise DataError(t("config.unreadable", path=path, problem=exc)) from None
    sources: dict[str, str] = {}
    resolved: dict[str, Any] = {}
    for key in KEYS:
        value = values.get(key)
        source = "file" if value not in (None, "") else "default"
        env_value = os.environ.get(ENV[key])
        if env_value:
            value, source = env_value, "env"
        resolved[key] = value
        sources[key] = source
    operator = str(resolved["operator"] or _system_user())
    database = resolved["database"]
    return Settings(
        operator=operator,
        dept=str(resolved["dept"]) if resolved["dept"] else None,
        database_url=database_url_from(str(database)) if database else default_database_url(),
        lang=str(resolved["lang"] or "zh").lower()[:2],
        sources=sources,
    )


def _system_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "operator"


def save_settings(**values: Any) -> Path:
    """Write keys into the configuration file, keeping the others."""
    path = config_path()
    current = dict(config_file_values())
    current.update({k: v for k, v in values.items() if v is not None})
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {_toml_string(str(current[key]))}" for key in sorted(current)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config_file_values.cache_clear()
    return path


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
