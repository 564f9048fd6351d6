"""User-facing text: per-language catalogues under ``medisup/locales/<lang>/*.toml``.

Every string a user reads is looked up here by key.  Chinese (``zh``) is the default;
``MEDISUP_LANG=en`` (or ``lang`` in the configuration file) selects English.  A
catalogue is a directory of TOML files whose tables nest into dotted keys, so each
part of the program keeps its strings in its own file.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_language: str | None = None


def set_language(lang: str | None) -> None:
    """Fix the language for this process (called once the configuration is read)."""
    global _language
    _language = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def language() -> str:
    """The language in force: explicit setting, then ``MEDISUP_LANG``, then Chinese."""
    if _language is not None:
        return _language
    env = os.environ.get("MEDISUP_LANG", "").strip().lower()[:2]
    if env in LANGUAGES:
        return env
    return _configured_language() or DEFAULT_LANGUAGE


@cache
def _configured_language() -> str | None:
    from medisup.dirs import config_file_values

    value = str(config_file_values().get("lang", "")).strip().lower()[:2]
    return value if value in LANGUAGES else None


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All strings of one language, keyed by dotted name."""
    out: dict[str, str] = {}
    folder = resources.files("medisup") / "locales" / lang
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), out)
    return out


def t(key: str, /, **params: Any) -> str:
    """The text for ``key`` in the current language, with ``{placeholders}`` filled in.

    A key missing from the current language falls back to Chinese, then to the key
    itself, so a gap never crashes a command (tests keep the catalogues complete).
    """
    text = catalogue(language()).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def has(key: str) -> bool:
    """Whether ``key`` exists in the current language's catalogue."""
    return key in catalogue(language())
