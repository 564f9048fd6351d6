"""The audit trail: every change and every disclosure, in a tamper-evident hash chain.

Over 400 lines: writing an entry, sealing, verifying the chain and reading it back share the
canonical form that the hash covers, which must exist once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from medisup import clock
from medisup.canonical import plain
from medisup.errors import DataError
from medisup.i18n import t
from medisup.models import AuditEntry, Counter

GENESIS = "0" * 64
HEAD_COUNTER = "audit"
KEY_COUNTER = "audit_key"  # head = the key's fingerprint, value = the first keyed entry

# Fields masked when the audit log is shown without --reveal.
PERSONAL_KEYS = frozenset({"id_number", "phone", "description", "address", "email",
                           "birth_date"})

# The last entry of every writing transaction carries digests of these tables, so rows
# changed behind the tool's back are found by ``audit verify --deep``.
SEAL_KEY = "_seal"
SEALED_TABLES = ("department", "person", "application", "term", "termination",
                 "discipline", "certificate", "lead", "reward", "activity", "import_batch")

SEAL_FULL_MAX = 50_000  # rows; larger tables are sealed by their count
_INFO = "medisup.audit"  # per-session state in Session.info


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(plain(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _payload(entry: AuditEntry) -> bytes:
    return json.dumps(
        [entry.id, entry.at, entry.operator, entry.dept, entry.command, entry.action,
         entry.entity, entry.entity_id, entry.before, entry.after, entry.batch_id,
         entry.prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    ).encode("utf-8")


def entry_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    """The hash of an entry's content and its predecessor's hash: HMAC-SHA256 under the
    chain's key, or plain SHA-256 for entries written before the key existed."""
    payload = _payload(entry)
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _state(session: Session) -> dict[str, Any]:
    return session.info.setdefault(_INFO, {})


def _chain_key(session: Session) -> bytes | None:
    """The key new entries are written with; refuses to write unkeyed into a keyed chain."""
    from medisup.services.audit_key import fingerprint, key_path, load_key

    state = _state(session)
    if "key" in state:
        return state["key"]
    key = load_key()
    marker = session.exec(select(Counter).where(Counter.name == KEY_COUNTER)).first()
    if marker is not None:
        if key is None:
            raise DataError(t("audit.key.missing", path=key_path()))
        if marker.head != fingerprint(key):
            raise DataError(t("audit.key.wrong", path=key_path()))
    state["key"] = key
    return key


def _head(session: Session) -> tuple[Counter, bool]:
    """The head counter, rebuilt from the last entry when its row is gone (True then)."""
    # FOR UPDATE serialises writers on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
    head = session.exec(
        select(Counter).where(Counter.name == HEAD_COUNTER).with_for_update()
    ).first()
    if head is not None:
        return head, False
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    head = Counter(name=HEAD_COUNTER, value=last.id if last else 0,
                   head=last.hash if last else GENESIS)
    session.add(head)
    session.flush()
    return head, last is not None


def _write(session: Session, head: Counter, key: bytes | None, **values: Any) -> AuditEntry:
    entry = AuditEntry(
        id=head.value + 1,
        at=clock.now().isoformat(timespec="microseconds"),
        prev_hash=head.head or GENESIS,
        **values,
    )
    entry.hash = entry_hash(entry, key)
    session.add(entry)
    head.value = entry.id
    head.head = entry.hash
    session.add(head)
    session.flush()
    state = _state(session)
    state["last"] = entry
    return entry


def append(
    session: Session, *, operator: str, dept: str | None, command: str,
    batch_id: int | None, action: str, entity: str, entity_id: str,
    before: Any = None, after: Any = None,
) -> AuditEntry:
    """Add one entry at the end of the chain, inside the command's transaction.

    Takes the actor's plain values, not the unit of work, so the unit of work can call it
    without the two modules importing each other.
    """
    from medisup.services.audit_key import fingerprint

    key = _chain_key(session)
    head, restored = _head(session)
    common = {"operator": operator[:100], "dept": dept, "command": command[:200],
              "batch_id": batch_id}
    if restored:  # the counter row vanished: say so in the chain itself, then go on
        _write(session, head, key, action="head_restored", entity="audit_entry",
               entity_id=str(head.value), before=None,
               after=_canonical({"last": head.value}), **{**common, "batch_id": None})
    if key is not None and session.get(Counter, KEY_COUNTER) is None:
        session.add(Counter(name=KEY_COUNTER, value=head.value + 1, head=fingerprint(key)))
    return _write(session, head, key, action=action, entity=entity, entity_id=entity_id[:80],
                  before=_canonical(before), after=_canonical(after), **common)


def table_digests(session: Session) -> dict[str, list]:
    """Row count and SHA-256 of every sealed table's rows, in primary-key order; a table
    above ``SEAL_FULL_MAX`` rows gets its count only (hashing it on every write would cost
    seconds), so its rows are checked by count alone."""
    from sqlalchemy import func
    from sqlalchemy import inspect as sa_inspect
    from sqlmodel import SQLModel

    tables = SQLModel.metadata.tables
    conn = session.connection()
    present = set(sa_inspect(conn).get_table_names())
    out: dict[str, list] = {}
    for name in SEALED_TABLES:
        if name not in tables or name not in present:
            continue
        table = tables[name]
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if count > SEAL_FULL_MAX:
            out[name] = [count, None]
            continue
        digest = hashlib.sha256()
        for row in conn.execute(table.select().order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode("utf-8"))
            digest.update(b"\n")
        out[name] = [count, digest.hexdigest()]
    return out


def seal(session: Session) -> tuple[int, str] | None:
    """Before commit: put the digests of the sealed tables into this transaction's last
    entry and re-hash it; returns the new (count, head) for the witness file."""
    from medisup.db import HEAD_REVISION

    state = _state(session)
    entry: AuditEntry | None = state.pop("last", None)
    if entry is None:
        return None
    session.flush()
    doc = json.loads(entry.after) if entry.after else None
    seal_doc = {"rev": HEAD_REVISION, "tables": table_digests(session)}
    if isinstance(doc, dict):
        doc[SEAL_KEY] = seal_doc
    else:
        doc = {SEAL_KEY: seal_doc} | ({"_value": doc} if doc is not None else {})
    entry.after = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    entry.hash = entry_hash(entry, state.get("key"))
    head = session.get(Counter, HEAD_COUNTER)
    head.head = entry.hash
    session.add_all([entry, head])
    session.flush()
    return entry.id, entry.hash


def unseal(doc: Any) -> Any:
    """An ``after`` document as the command wrote it (the seal taken out)."""
    if isinstance(doc, dict) and SEAL_KEY in doc:
        doc = {k: v for k, v in doc.items() if k != SEAL_KEY}
        if set(doc) == {"_value"}:
            return doc["_value"]
        return doc or None
    return doc


@dataclass(frozen=True)
class ChainReport:
    """Outcome of ``audit verify``."""

    entries: int
    broken_at: int | None = None
    problem: str | None = None  # edited / missing / truncated / head_missing / unkeyed / anchor
    legacy: int = 0  # entries verified with the old unkeyed hash (written before the key)
    keyed: bool = False
    head: str = GENESIS
    witness: tuple[int, str] | None = None
    tables: tuple[tuple[str, str], ...] = ()  # (table, how) changed behind the tool's back
    suspects: tuple[tuple[str, str, str, Any, Any, int], ...] = ()  # table, key, field, was, now, entry
    deep: str | None = None  # None (not asked) / checked / unsealed / schema_changed

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.tables


def _entries(session: Session):
    return session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))


def verify(
    session: Session, *, anchor: tuple[str, int] | None = None, deep: bool = False,
    url: str | None = None,
) -> ChainReport:
    """Walk the chain; name the first entry that was edited, removed or cut off.

    Keyed entries need the key file; entries before the first keyed one may carry the old
    unkeyed hash. ``anchor`` (hash, n) is a head recorded elsewhere; ``url`` selects this
    machine's witness of the last head it wrote; ``deep`` compares the sealed tables."""
    from medisup.services.audit_key import fingerprint, key_path, load_key, read_witness

    key = load_key()
    marker = session.get(Counter, KEY_COUNTER)
    keyed_from = marker.value if marker is not None else None
    if marker is not None:
        if key is None:
            raise DataError(t("audit.key.missing", path=key_path()))
        if marker.head != fingerprint(key):
            raise DataError(t("audit.key.wrong", path=key_path()))
    witness = read_witness(url) if url else None
    expected_prev, expected_id, count, legacy, seen_keyed = GENESIS, 1, 0, 0, False
    hashes_at: dict[int, str] = {}
    want = {n for n in ((anchor[1] if anchor else None), (witness[0] if witness else None)) if n}

    def broken(at: int, problem: str) -> ChainReport:
        return ChainReport(count, broken_at=at, problem=problem, legacy=legacy,
                           keyed=seen_keyed, witness=witness)

    for entry in _entries(session):
        try:
            if not isinstance(entry.id, int) or entry.id != expected_id:
                return broken(expected_id, "missing")
            if entry.prev_hash != expected_prev:
                return broken(entry.id, "missing")
            if key is not None and hmac.compare_digest(str(entry.hash), entry_hash(entry, key)):
                seen_keyed = True
            elif entry_hash(entry) == entry.hash:
                if seen_keyed or (keyed_from is not None and entry.id >= keyed_from):
                    return broken(entry.id, "unkeyed")
                legacy += 1
            else:
                return broken(entry.id, "edited")
        except (TypeError, ValueError, AttributeError):
            return broken(entry.id if isinstance(entry.id, int) else expected_id, "edited")
        if entry.id in want:
            hashes_at[entry.id] = entry.hash
        expected_prev, expected_id, count = entry.hash, entry.id + 1, count + 1
    if keyed_from is not None and count >= keyed_from and not seen_keyed:
        return broken(keyed_from, "unkeyed")
    head = session.get(Counter, HEAD_COUNTER)
    if head is None and count:
        return broken(count + 1, "head_missing")
    if head is not None and (head.value != count or (head.head or GENESIS) != expected_prev):
        return broken(count + 1, "truncated")
    if witness is not None and hashes_at.get(witness[0]) != witness[1]:
        return broken(min(witness[0], count + 1), "witness")
    if anchor is not None and hashes_at.get(anchor[1]) != anchor[0]:
        return broken(min(anchor[1], count + 1), "anchor")
    report = ChainReport(count, legacy=legacy, keyed=seen_keyed, head=expected_prev,
                         witness=witness)
    if deep:
        report = _deep(session, report)
    return report


def _deep(session: Session, report: ChainReport) -> ChainReport:
    from dataclasses import replace

    from medisup.db import HEAD_REVISION

    sealed = None
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())):
        if entry.after and SEAL_KEY in entry.after:
            try:
                doc = json.loads(entry.after)
            except ValueError:
                continue
            if isinstance(doc, dict) and isinstance(doc.get(SEAL_KEY), dict):
                sealed = doc[SEAL_KEY]
                break
    if sealed is None:
        return replace(report, deep="unsealed")
    if sealed.get("rev") != HEAD_REVISION:
        return replace(report, deep="schema_changed")
    recorded = sealed.get("tables") or {}
    changed = []
    for name, (count, digest) in table_digests(session).items():
        was = recorded.get(name)
        if was is None:
            continue
        if was[0] != count:
            changed.append((name, f"{was[0]} → {count}"))
        elif was[1] is not None and digest is not None and was[1] != digest:
            changed.append((name, "edited"))
    suspects: list = []
    for name, _how in changed:
        suspects.extend(_suspects(session, name))
    return replace(report, deep="checked", tables=tuple(changed), suspects=tuple(suspects[:20]))


# Which audit entity records a sealed table's rows, and by which column.
ENTITY_OF_TABLE = {"department": ("department", "code"), "person": ("person", "id"),
                   "term": ("term", "id"), "lead": ("lead", "number"),
                   "application": ("application", "id"), "activity": ("activity", "number"),
                   "certificate": ("certificate", "number"),
                   "import_batch": ("import_batch", "id")}


def _suspects(session: Session, table_name: str, limit: int = 10) -> list[tuple]:
    """Rows of a changed table whose values differ from the last state the audit log
    recorded for them (a hint where to look; the table-level finding is the verdict)."""
    from sqlmodel import SQLModel

    if table_name not in ENTITY_OF_TABLE:
        return []
    entity, key_column = ENTITY_OF_TABLE[table_name]
    table = SQLModel.metadata.tables[table_name]
    last: dict[str, tuple[int, dict]] = {}
    for entry in session.exec(select(AuditEntry).where(AuditEntry.entity == entity)
                              .order_by(col(AuditEntry.id))):
        doc = unseal(_document(entry.after))
        if isinstance(doc, dict) and entry.action not in ("reveal",):
            last[str(entry.entity_id)] = (entry.id, doc)
    found = []
    for row in session.connection().execute(table.select()):
        values = row._mapping
        key = str(values[key_column])
        if key not in last:
            continue
        entry_id, doc = last[key]
        for column, now in values.items():
            if column in doc and not isinstance(doc[column], (dict, list)):
                was = doc[column]
                if str(plain(now)) != str(was) and not (now is None and was in (None, "")):
                    shown = mask_personal({column: was, "_now": plain(now)})
                    if column in PERSONAL_KEYS:  # personal values stay masked in messages
                        from medisup.services.masking import mask_value

                        shown["_now"] = mask_value(column, shown["_now"])
                    found.append((table_name, key, column, shown[column], shown["_now"],
                                  entry_id))
                    break
        if len(found) >= limit:
            break
    return found


def head_of(session: Session) -> tuple[str, int]:
    """The head to record elsewhere: (hash of the last entry, its number)."""
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    return (last.hash, last.id) if last is not None else (GENESIS, 0)


def parse_anchor(text: str) -> tuple[str, int]:
    """``HASH:N`` as printed by ``audit head``."""
    from medisup.errors import InvalidValue

    digest, _, number = text.strip().partition(":")
    digest = digest.lower()
    if (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)
            or not number.isdigit() or not 0 < int(number) < 2**63):
        raise InvalidValue("--anchor", _safe(text[:80]), t("audit.expect_anchor"))
    return digest, int(number)


def _safe(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
        before, after = _document(e.before), unseal(_document(e.after))
        if not reveal:
            before, after = mask_personal(before), mask_personal(after)
        rows.append({
            "id": e.id, "at": clock.local_text(e.at), "operator": e.operator,
            "dept": e.dept, "command": e.command, "action": e.action, "entity": e.entity,
            "entity_id": e.entity_id, "before": before, "after": after,
            "batch_id": e.batch_id, "hash": str(e.hash)[:12],
        })
    return rows


def log_in_scope(uow, **filters: Any) -> list[dict[str, Any]]:
    """The log as the operator may read it: entries written within their subtree (SPEC §4:
    every read, the audit log included, covers only the operator's subtree)."""
    from medisup.models import Department

    dept = uow.session.get(Department, uow.require_dept())
    top = dept is not None and dept.parent_code is None
    return log(uow.session, scope=uow.scope, include_unscoped=top, **filters)


def _document(text: Any) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return str(text)
