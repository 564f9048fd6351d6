"""Locked counters that hand out numbers which never repeat (activity numbers, …)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from medisup.models import Counter


def _locked(session: Session, name: str) -> Counter | None:
    return session.exec(select(Counter).where(Counter.name == name).with_for_update()).first()


def next_value(session: Session, name: str, *, at_least: int = 0, count: int = 1) -> int:
    """The next value of counter ``name`` (1, 2, …), above ``at_least`` too.

    The row is locked for the rest of the transaction, so two writers never get the same
    value; it only ever grows, so a value is never handed out twice, even after the
    record that used it was deleted.  ``at_least`` lets rows written without the counter
    (an old import) be respected by starting above the highest one on file.  With
    ``count``, that many consecutive values are reserved and the first is returned.
    """
    counter = _locked(session, name)
    if counter is None:
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=0))
        except IntegrityError:  # another writer created it first
            pass
        counter = _locked(session, name)
        assert counter is not None
    value = max(counter.value, at_least) + 1
    counter.value = value + count - 1
    session.add(counter)
    return value


__all__ = ["next_value"]
