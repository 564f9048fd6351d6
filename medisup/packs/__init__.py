"""Regulation packs: each region's rules as a TOML file, validated on load (SPEC §1).

Shipped packs live in ``medisup/packs/data/<name>.toml``; a bureau of another province
adds a file of the same form and loads it with :func:`load_pack_file`.  Only the standard
library is imported here, so the command line starts fast.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from medisup.packs.model import (
    KINDS,
    TARGET_KINDS,
    DeadlineRule,
    MeetingDuty,
    Pack,
    PackItem,
    RewardBand,
    RewardLevel,
    RewardRule,
    one_of,
)

__all__ = [
    "KINDS",
    "TARGET_KINDS",
    "DeadlineRule",
    "MeetingDuty",
    "Pack",
    "PackItem",
    "RewardBand",
    "RewardLevel",
    "RewardRule",
    "available_packs",
    "load_pack",
    "load_pack_file",
]

_SUFFIX = ".toml"


def _data_dir():  # a Traversable: the packs may sit inside a wheel or a zip
    return resources.files(__name__) / "data"


def _shipped() -> set[str]:
    return {
        entry.name[: -len(_SUFFIX)]
        for entry in _data_dir().iterdir()
        if entry.name.endswith(_SUFFIX)
    }


def user_pack_dir() -> Path:
    """Where a bureau puts its own pack files: ``packs/`` in the user configuration folder."""
    from medisup.config import config_dir

    return config_dir() / "packs"


def _user_packs() -> dict[str, Path]:
    folder = user_pack_dir()
    if not folder.is_dir():
        return {}
    return {p.name[: -len(_SUFFIX)]: p for p in folder.iterdir() if p.name.endswith(_SUFFIX)}


def available_packs() -> list[str]:
    """Names of the shipped packs and of the bureau's own pack files, sorted.  A shipped
    name cannot be shadowed: the regulation texts behind it are fixed."""
    return sorted(_shipped() | set(_user_packs()))


def load_pack(name: str) -> Pack:
    """The pack ``name`` (shipped, or the bureau's own); an unknown name is the user's mistake."""
    if name in _shipped():
        return _load_shipped(name)
    own = _user_packs().get(name)
    if own is None:
        from medisup.errors import InvalidValue
        from medisup.i18n import t

        raise InvalidValue(t("field.pack"), name, one_of(available_packs()))
    return _load_own(str(own), own.stat().st_mtime_ns)


@cache
def _load_shipped(name: str) -> Pack:
    with resources.as_file(_data_dir() / f"{name}{_SUFFIX}") as path:
        return load_pack_file(path)


@cache
def _load_own(path: str, _mtime: int) -> Pack:
    # Keyed by modification time too: an edited pack file is read again.
    return load_pack_file(path)


def load_pack_file(path: Path | str) -> Pack:
    """Load and validate any pack file; a malformed one raises ``PackError``."""
    from medisup.packs.loader import parse_file

    return parse_file(path)
