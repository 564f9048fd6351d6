"""Writing files safely: staged beside the target and renamed into place, removed on any
failure, private (0600) where they hold personal data; a full disk named as such."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from medisup.errors import DataError
from medisup.i18n import t

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG})


def is_disk_full(exc: BaseException) -> bool:
    """An OS or SQLite error that means the disk (or quota) is full."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return "disk is full" in text or "no space left" in text or "disk full" in text


def disk_full_error(path: Path | str) -> DataError:
    return DataError(t("files.disk_full", path=path))


def stage_path(target: Path) -> Path:
    """A fresh name beside ``target`` (same directory, so the rename is atomic)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


def remove_quietly(*paths: Path) -> None:
    for path in paths:
        for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                p.unlink()
            except OSError:
                pass


@contextmanager
def staged(target: Path, *, mode: int = 0o600, overwrite: bool = True) -> Iterator[Path]:
    """Yield a private staging path; on success rename it onto ``target``.

    Any exception removes the staged file (and SQLite side files) and is re-raised, with a
    full disk turned into a one-line ``DataError``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = stage_path(target)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.close(fd)
    try:
        yield part
        os.chmod(part, mode)
        if not overwrite and target.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(target))
        os.replace(part, target)
    except BaseException as exc:
        remove_quietly(part)
        if is_disk_full(exc):
            raise disk_full_error(target.parent) from None
        raise


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` (mode 0600) through a staged file."""
    with staged(Path(path), overwrite=not exclusive) as part:
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
