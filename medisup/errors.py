"""Domain errors and the exit statuses they map to (SPEC §10)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitStatus(IntEnum):
    """Process exit codes: the only ones medisup uses."""

    OK = 0
    PROBLEMS = 1  # the command ran but found problems (validation, findings)
    USAGE = 2  # the command line itself is wrong or incomplete
    DATA = 3  # the database, a pack file or another data source is unusable


class MedisupError(Exception):
    """Base of every error a user may see; ``message`` is already in the user's language."""

    exit_status: ExitStatus = ExitStatus.PROBLEMS

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(MedisupError):
    """A required option is missing (and no prompt may be shown) or options conflict."""

    exit_status = ExitStatus.USAGE


class InvalidValue(MedisupError):
    """A value given by the user is wrong: names the field, the value and what was expected."""

    def __init__(self, field: str, value: Any, expected: str) -> None:
        from medisup.i18n import t

        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(t("error.invalid_value", field=field, value=value, expected=expected))


class NotFound(MedisupError):
    """A record the user named does not exist (or is outside the operator's scope)."""


class RuleViolation(MedisupError):
    """A request breaks a rule of the regulation or of the tool's data model."""


class ScopeError(MedisupError):
    """A write (or read) outside the department the operator works as."""


class DataError(MedisupError):
    """The database or a data file cannot be used as it is."""

    exit_status = ExitStatus.DATA


class PackError(DataError):
    """A regulation pack file is malformed: names the file, the key and the problem."""


class RowErrors(MedisupError):
    """Several problems found in one batch (e.g. an import); each item is a one-line message."""

    def __init__(self, message: str, problems: list[Any]) -> None:
        super().__init__(message)
        self.problems = problems


class Cancelled(Exception):
    """The user stopped a wizard or declined a confirmation; nothing was written."""
