"""The audit trail: every change and every disclosure, in a tamper-evident hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from medisup.models import AuditEntry, Counter
from medisup.render import plain

GENESIS = "0" * 64
HEAD_COUNTER = "audit"

# Fields masked when the audit log is shown without --reveal.
PERSONAL_KEYS = frozenset({"id_number", "phone", "description", "address", "email"})


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(plain(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(entry: AuditEntry) -> str:
    """The hash of an entry's content and its predecessor's hash."""
    payload = json.dumps(
        [entry.id, entry.at, entry.operator, entry.dept, entry.command, entry.action,
         entry.entity, entry.entity_id, entry.before, entry.after, entry.batch_id,
         entry.prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _head(session: Session) -> Counter:
    # FOR UPDATE serialises writers on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
    head = session.exec(
        select(Counter).where(Counter.name == HEAD_COUNTER).with_for_update()
    ).first()
    if head is None:
        head = Counter(name=HEAD_COUNTER, value=0, head=GENESIS)
        session.add(head)
        session.flush()
    return head


def append(
    session: Session, *, operator: str, dept: str | None, command: str,
    batch_id: int | None, action: str, entity: str, entity_id: str,
    before: Any = None, after: Any = None,
) -> AuditEntry:
    """Add one entry at the end of the chain, inside the command's transaction.

    Takes the actor's plain values, not the unit of work, so the unit of work can call it
    without the two modules importing each other.
    """
    head = _head(session)
    entry = AuditEntry(
        id=head.value + 1,
        at=datetime.now(UTC).isoformat(timespec="microseconds"),
        operator=operator,
        dept=dept,
        command=command[:200],
        action=action,
        entity=entity,
        entity_id=entity_id[:80],
        before=_canonical(before),
        after=_canonical(after),
        batch_id=batch_id,
        prev_hash=head.head or GENESIS,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    head.value = entry.id
    head.head = entry.hash
    session.add(head)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """Outcome of ``audit verify``."""

    entries: int
    broken_at: int | None = None
    problem: str | None = None  # "edited" / "missing" / "truncated"

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session) -> ChainReport:
    """Walk the chain; name the first entry that was edited, removed or cut off."""
    expected_prev, expected_id, count = GENESIS, 1, 0
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        if entry.id != expected_id:
            return ChainReport(count, broken_at=expected_id, problem="missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(count, broken_at=entry.id, problem="missing")
        if entry_hash(entry) != entry.hash:
            return ChainReport(count, broken_at=entry.id, problem="edited")
        expected_prev, expected_id, count = entry.hash, entry.id + 1, count + 1
    head = session.get(Counter, HEAD_COUNTER)
    if head is not None and (head.value != count or (head.head or GENESIS) != expected_prev):
        return ChainReport(count, broken_at=count + 1, problem="truncated")
    return ChainReport(count)


def mask_personal(data: Any) -> Any:
    """Hide personal values inside a before/after document."""
    from medisup.services.masking import mask_value

    if isinstance(data, dict):
        return {
            k: (mask_value(k, v) if k in PERSONAL_KEYS else mask_personal(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [mask_personal(v) for v in data]
    return data


def log(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    operator: str | None = None,
    since: str | None = None,
    until: str | None = None,
    batch_id: int | None = None,
    limit: int | None = 100,
    reveal: bool = False,
    scope: Collection[str] | None = None,
    include_unscoped: bool = False,
) -> list[dict[str, Any]]:
    """Entries, newest first, filtered; personal data masked unless ``reveal``.

    ``scope`` limits the log to entries written by operators acting as one of those
    departments (the reader's subtree); entries with no department (written before any
    existed) are shown only with ``include_unscoped``, i.e. to an operator of a top level.
    """
    query = select(AuditEntry)
    if scope is not None:
        in_scope = col(AuditEntry.dept).in_(sorted(scope))
        query = query.where(or_(in_scope, col(AuditEntry.dept).is_(None))
                            if include_unscoped else in_scope)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if operator:
        query = query.where(AuditEntry.operator == operator)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until + "T99")  # whole last day, ISO text order
    if batch_id is not None:
        query = query.where(AuditEntry.batch_id == batch_id)
    query = query.order_by(col(AuditEntry.id).desc())
    if limit:
        query = query.limit(limit)
    rows = []
    for e in session.exec(query):
        before = json.loads(e.before) if e.before else None
        after = json.loads(e.after) if e.after else None
        if not reveal:
            before, after = mask_personal(before), mask_personal(after)
        rows.append({
            "id": e.id, "at": _local(e.at), "operator": e.operator,
            "dept": e.dept, "command": e.command, "action": e.action, "entity": e.entity,
            "entity_id": e.entity_id, "before": before, "after": after,
            "batch_id": e.batch_id, "hash": e.hash[:12],
        })
    return rows


def log_in_scope(uow, **filters: Any) -> list[dict[str, Any]]:
    """The log as the operator may read it: entries written within their subtree (SPEC §4:
    every read, the audit log included, covers only the operator's subtree)."""
    from medisup.models import Department

    dept = uow.session.get(Department, uow.require_dept())
    top = dept is not None and dept.parent_code is None
    return log(uow.session, scope=uow.scope, include_unscoped=top, **filters)


def _local(at: str) -> str:
    """Stored in UTC; shown in the machine's local time (a bureau reads Beijing time)."""
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return at[:19].replace("T", " ")
