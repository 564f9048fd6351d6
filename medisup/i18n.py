"""User-facing text: per-language catalogues under ``medisup/locales/<lang>/*.toml``.

Every string a user reads is looked up here by key.  Chinese (``zh``) is the default;
``MEDISUP_LANG=en`` (or ``lang`` in the configuration file) selects English.  A
catalogue is a directory of TOML files whose tables nest into dotted keys, so each
part of the program keeps its strings in its own file.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable
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
    """All strings of one language, keyed by dotted name.

    Parsing two dozen TOML files costs more than the rest of start-up, so the flattened
    catalogue is kept as JSON in the user's cache directory, keyed by the files' names,
    sizes and modification times; any change to a catalogue file rebuilds it.
    """
    folder = resources.files("medisup") / "locales" / lang
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".toml")),
                     key=lambda e: e.name)
    stamp = _stamp(entries)
    cached = _read_cached(lang, stamp)
    if cached is not None:
        return cached
    out: dict[str, str] = {}
    for entry in entries:
        _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), out)
    _write_cached(lang, stamp, out)
    return out


def _stamp(entries: list[Any]) -> str | None:
    parts = []
    for entry in entries:
        try:
            info = os.stat(os.fspath(entry))
        except TypeError:  # not a file on disk (a zipped package): no cache
            return None
        parts.append(f"{entry.name}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(parts)


def _cache_file(lang: str):
    from medisup.dirs import cache_dir

    return cache_dir() / f"catalogue-{lang}.json"


def _read_cached(lang: str, stamp: str | None) -> dict[str, str] | None:
    if stamp is None:
        return None
    try:
        doc = json.loads(_cache_file(lang).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("stamp") != stamp:
        return None
    strings = doc.get("strings")
    return strings if isinstance(strings, dict) else None


def _write_cached(lang: str, stamp: str | None, strings: dict[str, str]) -> None:
    """Best effort: a read-only home only means the next start parses the files again."""
    if stamp is None:
        return
    try:
        path = _cache_file(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{os.getpid()}")
        staged.write_text(json.dumps({"stamp": stamp, "strings": strings}, ensure_ascii=False),
                          encoding="utf-8")
        os.replace(staged, path)
    except OSError:
        return


def t(key: str, /, **params: Any) -> str:
    """The text for ``key`` in the current language, with ``{placeholders}`` filled in.

    A key missing from the current language falls back to Chinese, then to the key
    itself, so a gap never crashes a command (tests keep the catalogues complete).
    """
    text = catalogue(language()).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key, key)
    return _fill(text, params)


def translator() -> Callable[..., str]:
    """:func:`t` bound to the language in force now, for code that writes many strings in
    one go (a line per record): the language is looked up once instead of per string —
    reading the environment costs more than the look-up and formatting together."""
    strings = catalogue(language())
    fallback = catalogue(DEFAULT_LANGUAGE)

    def translate(key: str, /, **params: Any) -> str:
        text = strings.get(key)
        if text is None:
            text = fallback.get(key, key)
        return _fill(text, params)

    return translate


def _fill(text: str, params: dict[str, Any]) -> str:
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def has(key: str) -> bool:
    """Whether ``key`` exists in the current language's catalogue."""
    return key in catalogue(language())
