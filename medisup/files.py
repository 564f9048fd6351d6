"""Writing files safely: staged beside the target and renamed into place, removed on any
failure, private (0600) where they hold personal data; a full disk named as such.

Every stage carries a recognisable hidden name — ``.medisup-stage-HOST-PID-TOKEN-…`` —
so a stage left behind by a killed process (``kill -9``, a power cut) is found and
removed by the next write into the same folder once that process is gone."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
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


STAGE_PREFIX = ".medisup-stage-"
_STAGE_NAME = re.compile(re.escape(STAGE_PREFIX) + r"([0-9a-f]{6})-(\d+)-")
_NAME_KEPT = 60  # of the target's name, inside the stage's name (file names stop at 255)


def _host() -> str:
    """This machine, shortly: a stage on a shared folder belongs to the host that wrote it."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def stage_path(target: Path) -> Path:
    """A fresh name beside ``target`` (same directory, so the rename is atomic), naming
    this host and process so that a stale stage can be told from a live one."""
    name = f"{STAGE_PREFIX}{_host()}-{os.getpid()}-{secrets.token_hex(4)}-{target.name[-_NAME_KEPT:]}"
    return target.with_name(f"{name}.part")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (EPERM), or a platform without signals
        return True
    return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the stages in ``folder`` that this host's dead processes left behind (a
    killed export's half-written workbook with unmasked data, say); returns them.

    Only our own files go: the name must carry this host, the owner must be this user,
    and the writing process must be gone.  A live writer's stage is never touched."""
    removed: list[Path] = []
    host = _host()
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        found = _STAGE_NAME.match(entry.name)
        if found is None or found.group(1) != host or _alive(int(found.group(2))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if uid is not None and info.st_uid != uid:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


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
    sweep_stale(target.parent)
    part = stage_path(target)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.close(fd)
    try:
        yield part
        os.chmod(part, mode)
        publish(part, target, overwrite=overwrite)
    except BaseException as exc:
        remove_quietly(part)
        if is_disk_full(exc):
            raise disk_full_error(target.parent) from None
        raise


def publish(part: Path, target: Path, *, overwrite: bool) -> None:
    """Put the finished ``part`` under the ``target`` name.  Without ``overwrite`` a file
    that appeared meanwhile is never replaced (``FileExistsError``)."""
    if overwrite:
        os.replace(part, target)
        return
    try:
        os.link(part, target)  # fails if the target exists: the check and the write are one
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if target.exists() or target.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.replace(part, target)
        return
    os.unlink(part)


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A private folder (0700) beside ``target`` for a writer that needs scratch files
    of its own (xlsxwriter keeps each sheet's rows in a temporary file): nothing it
    writes lands in the system's temporary folder.  Removed with all it holds when the
    block ends, however it ends; a killed process's folder goes at the next sweep."""
    target = Path(target)
    sweep_stale(target.parent)
    folder = stage_path(target)
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` (mode 0600) through a staged file."""
    with staged(Path(path), overwrite=not exclusive) as part:
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
