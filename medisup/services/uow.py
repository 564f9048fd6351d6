"""The unit of work: one session and one transaction per command, with the operator's
identity and scope, and the audit trail written in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, OperationalError

from medisup.config import Settings
from medisup.db import check_schema, describe_url, make_engine, translate_operational_error
from medisup.errors import DataError, ScopeError, UsageError
from medisup.files import disk_full_error, is_disk_full
from medisup.i18n import t

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlmodel import Session


@dataclass(frozen=True)
class Actor:
    """Who runs the command, as which department, and which command it is."""

    operator: str
    dept: str | None
    command: str


@dataclass
class UnitOfWork:
    """What a service receives: the session, the actor and helpers bound to both.

    ``session`` is a plain Core connection in a unit of work opened with ``orm=False``: a
    read that selects rows through ``medisup.tables`` and writes nothing (no audit)."""

    session: Session | Connection
    actor: Actor
    batch_id: int | None = None
    _departments: dict[str, Any] | None = field(default=None, repr=False)

    def connection(self) -> Connection:
        """The Core connection under the session (or the session itself, without the ORM)."""
        from sqlalchemy import Connection

        session = self.session
        return session if isinstance(session, Connection) else session.connection()

    # -- scope ---------------------------------------------------------------
    @cached_property
    def scope(self) -> frozenset[str]:
        """Codes of the operator's department and every department below it."""
        from medisup.services.dept_tree import subtree_codes

        dept = self.require_dept()
        return frozenset(subtree_codes(self.session, dept))

    def require_dept(self) -> str:
        if not self.actor.dept:
            raise UsageError(t("scope.no_dept"))
        return self.actor.dept

    def check_scope(self, code: str) -> None:
        """Refuse to touch a department outside the operator's own subtree."""
        if code not in self.scope:
            raise ScopeError(t("scope.outside", code=code, dept=self.actor.dept))

    # -- audit ---------------------------------------------------------------
    def audit(
        self,
        action: str,
        entity: str,
        entity_id: Any,
        *,
        before: Any = None,
        after: Any = None,
    ) -> None:
        from medisup.services.audit import append

        append(self.session, operator=self.actor.operator, dept=self.actor.dept,
               command=self.actor.command, batch_id=self.batch_id, action=action,
               entity=entity, entity_id=str(entity_id), before=before, after=after)


@contextmanager
def unit_of_work(
    settings: Settings, *, command: str, write: bool = True, check: bool = True,
    orm: bool = True,
) -> Iterator[UnitOfWork]:
    """Open the database, check its revision, yield a unit of work, commit once at the end.

    Any exception rolls everything back, so a command never leaves half its work behind.
    ``orm=False`` (reads only): the unit of work holds a Core connection, and neither
    SQLModel nor the models are loaded.
    """
    _check_operator(settings.operator)
    if not orm and write:
        raise ValueError("a unit of work without the ORM only reads")
    engine = make_engine(settings.database_url, write=write)
    try:
        if check:
            check_schema(engine)
        if not orm:
            with engine.connect() as connection:
                yield UnitOfWork(connection, Actor(settings.operator, settings.dept, command))
            return
        from sqlmodel import Session

        with Session(engine, expire_on_commit=False) as session:
            uow = UnitOfWork(session, Actor(settings.operator, settings.dept, command))
            try:
                yield uow
                sealed = _seal(session) if write else None
                session.commit()
            except BaseException:
                session.rollback()
                raise
            if sealed is not None:
                from medisup.services.audit_key import note_witness

                note_witness(settings.database_url, *sealed)
    except OperationalError as exc:
        if is_disk_full(exc):
            raise disk_full_error(describe_url(settings.database_url)) from None
        raise translate_operational_error(exc, settings.database_url) from None
    except DBAPIError as exc:
        raise DataError(
            t("db.error", url=describe_url(settings.database_url),
              problem=str(exc.orig).strip().splitlines()[0] if exc.orig else exc)
        ) from None
    finally:
        engine.dispose()


def _seal(session: Session):
    """Digests of the sealed tables into the transaction's last audit entry (if any)."""
    from medisup.services.audit import seal

    return seal(session)


OPERATOR_MAX = 100  # the audit column's width


def _check_operator(name: str) -> None:
    """The operator name goes into every audit entry: printable, at most 100 characters."""
    if name is None:
        return
    if len(name) > OPERATOR_MAX or not name.isprintable():
        shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name[:20])
        raise UsageError(t("error.invalid_value", field="--operator",
                           value=shown + ("…" if len(name) > 20 else ""),
                           expected=t("scope.operator_expected", max=OPERATOR_MAX)))
