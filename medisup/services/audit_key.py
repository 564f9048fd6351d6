"""The audit chain's key: an owner-only file outside the database, and the per-machine
record of the last head this machine wrote (so a cut-off chain is noticed)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from medisup.errors import DataError
from medisup.i18n import t

KEY_ENV = "MEDISUP_AUDIT_KEY_FILE"
KEY_BYTES = 32


def key_path() -> Path:
    """``MEDISUP_AUDIT_KEY_FILE``, else ``audit.key`` in the configuration directory.

    A PostgreSQL database shared by several machines needs the same file on each writer."""
    override = os.environ.get(KEY_ENV)
    if override:
        return Path(override)
    from medisup.dirs import config_dir

    return config_dir() / "audit.key"


def load_key() -> bytes | None:
    """The key, or ``None`` when this installation has none yet."""
    path = key_path()
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(t("audit.key.unreadable", path=path, problem=type(exc).__name__)) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise DataError(t("audit.key.unreadable", path=path, problem=t("audit.key.bad_format")))
    return key


def ensure_key() -> tuple[Path, bool]:
    """Create the key file (mode 0600) unless it exists; returns (path, created)."""
    from medisup.files import write_private

    path = key_path()
    if path.exists():
        load_key()
        return path, False
    write_private(path, (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"), exclusive=True)
    return path, True


def fingerprint(key: bytes) -> str:
    """A name for the key that reveals nothing of it (stored in the database)."""
    return hmac.new(key, b"medisup audit key id", hashlib.sha256).hexdigest()[:32]


# ---------------------------------------------------------------- witness


def _witness_path(url: str) -> Path:
    from medisup.dirs import config_dir

    name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
    return config_dir() / "audit-witness" / f"{name}.json"


def read_witness(url: str) -> tuple[int, str] | None:
    """The last (count, head) this machine wrote to the database at ``url``."""
    try:
        doc = json.loads(_witness_path(url).read_text(encoding="utf-8"))
        return int(doc["count"]), str(doc["head"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def note_witness(url: str, count: int, head: str) -> None:
    """Remember the head just committed; never fails the command that wrote it."""
    from medisup.files import write_private

    seen = read_witness(url)
    if seen is not None and seen[0] >= count:
        return
    try:
        write_private(_witness_path(url),
                      json.dumps({"count": count, "head": head}).encode("utf-8"))
    except (OSError, DataError):
        pass


def forget_witness(url: str) -> None:
    """After a restore the database legitimately holds fewer entries."""
    try:
        _witness_path(url).unlink()
    except OSError:
        pass
