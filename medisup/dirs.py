"""User directories and the configuration file's raw keys (read by config and i18n alike)."""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

APP_NAME = "medisup"


def config_dir() -> Path:
    """The user's configuration directory (``MEDISUP_CONFIG_DIR`` overrides it)."""
    override = os.environ.get("MEDISUP_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The user's data directory, home of the default SQLite file (``MEDISUP_DATA_DIR``)."""
    override = os.environ.get("MEDISUP_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """The user's cache directory (``MEDISUP_CACHE_DIR``): files that can be rebuilt."""
    override = os.environ.get("MEDISUP_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME))


def config_path() -> Path:
    return config_dir() / "config.toml"


@cache
def config_file_values() -> dict[str, Any]:
    """The configuration file's keys; an unreadable file counts as empty here and is
    reported by :func:`medisup.config.load_settings`, which needs its values."""
    try:
        return tomllib.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
