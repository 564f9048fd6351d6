"""Errors of the workbook adapter: each one a localised line that names the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medisup.errors import DataError, MedisupError


class WorkbookError(DataError):
    """A workbook or CSV file cannot be used; ``key`` is the catalogue key of the message."""

    def __init__(self, key: str, path: str | Path, **params: Any) -> None:
        from medisup.i18n import t

        self.key = key
        self.path = Path(path)
        self.params = params
        super().__init__(t(key, file=self.path.name, **params))


class FileProblem(WorkbookError):
    """The file is missing, unreadable, too large or empty."""


class UnsupportedFile(WorkbookError):
    """Not a workbook we read: an old .xls, a web page, another format or a broken file."""


class EncryptedWorkbook(UnsupportedFile):
    """A workbook with an opening password."""


class UnsafeWorkbook(WorkbookError):
    """A zip bomb, an XML part with a DTD or entity, or another hostile construction."""


class EncodingProblem(WorkbookError):
    """A CSV file whose text is neither UTF-8 nor GB18030/GBK."""


class SheetProblem(WorkbookError):
    """The sheet asked for does not exist, or there is no data at all."""


class HeaderProblem(WorkbookError):
    """No header row, two possible header rows, missing required or duplicate columns."""


class MaskedExport(MedisupError):
    """A masked export imported back: its ID numbers cannot be read, so the file is refused
    in one message (the command ran and found a problem) saying to export with --reveal."""

    def __init__(self, path: str | Path, *, count: int, row: int, example: str) -> None:
        from medisup.i18n import t

        self.path = Path(path)
        self.count = count
        super().__init__(t("excel.error.masked_export", file=self.path.name, count=count,
                           row=row, example=example))


class UnmappedColumns(MedisupError):
    """A column the import needs is missing and a column the reader does not know looks
    like it: refused (the command ran and found a problem), naming the ``--map`` that
    would read it."""
