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
        self._swept: set[Path] = set()

    def temp_for(self, target: Path) -> Path:
        # A stage named for this host and process (as exports stage): what a killed batch
        # leaves behind is recognised and removed by the next write into the folder.
        from medisup.files import stage_path, sweep_stale

        if target.parent not in self._swept:
            sweep_stale(target.parent)
            self._swept.add(target.parent)
        temp = stage_path(target)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.chmod(temp, 0o666 & ~_umask())  # the certificate is no secret: the usual mode
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
