"""Writing certificate files without ever leaving half of one: each file is rendered to a
temporary file beside its target and renamed into place only once everything succeeded."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from medisup.errors import InvalidValue
from medisup.i18n import t

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def file_name(number: str, name: str, suffix: str) -> str:
    """``150102-2026-0007-张三.pdf``: sorted by number, recognisable by name."""
    return _UNSAFE.sub("_", f"{number}-{name}") + suffix


def writable_dir(path: str | Path, option: str) -> Path:
    """A folder that exists (or can be made) and accepts files, checked before any work."""
    folder = Path(path).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".medisup-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InvalidValue(option, str(path), t("certificate.expect_writable",
                                                problem=exc.strerror or exc)) from None
    return folder


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Staging:
    """Temporary files waiting to become their targets (:meth:`publish`) or vanish."""

    def __init__(self) -> None:
        self.items: list[tuple[Path, Path]] = []

    def temp_for(self, target: Path) -> Path:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem[:40]}-", suffix=".part",
                                    dir=target.parent)
        os.close(fd)
        temp = Path(name)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp's 0600 would survive the rename
        self.items.append((temp, target))
        return temp

    def publish(self) -> list[Path]:
        done = []
        for temp, target in self.items:
            os.replace(temp, target)
            done.append(target)
        self.items = []
        return done

    def discard(self) -> None:
        for temp, _ in self.items:
            temp.unlink(missing_ok=True)
        self.items = []
