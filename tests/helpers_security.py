"""Helpers for the tampering, file-safety and fuzzing tests: a keyed, seeded chain and
raw SQL edits made behind the tool's back."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import text

from tests.conftest import Env, seed_departments


def keyed_env(db_url: str) -> Env:
    """A database whose chain is keyed from its first entry (as after ``medisup init``)."""
    from medisup.services.audit_key import ensure_key

    ensure_key()
    env = Env(db_url)
    seed_departments(env)
    return env


def sql(env: Env, *statements: str, **params) -> list:
    from medisup.db import make_engine

    engine = make_engine(env.url)
    out = []
    try:
        with engine.begin() as conn:
            for statement in statements:
                result = conn.execute(text(statement), params)
                out.append(result.fetchall() if result.returns_rows else None)
    finally:
        engine.dispose()
    return out


def report(env: Env, **kwargs):
    from medisup.services import audit

    with env.uow(write=False) as uow:
        return audit.verify(uow.session, url=env.url, **kwargs)


def rechain(env: Env, key: bytes | None, *, start: int = 1) -> None:
    """Recompute every hash from ``start`` on, as a forger who can write the file would."""
    import hmac

    from medisup.db import make_engine
    from medisup.services.audit import GENESIS

    engine = make_engine(env.url)
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT * FROM audit_entry ORDER BY id")).mappings().all()
        prev = GENESIS
        for row in rows:
            if row["id"] < start:
                prev = row["hash"]
                continue
            payload = json.dumps(
                [row["id"], row["at"], row["operator"], row["dept"], row["command"],
                 row["action"], row["entity"], row["entity_id"], row["before"], row["after"],
                 row["batch_id"], prev], ensure_ascii=False, separators=(",", ":")).encode()
            digest = (hmac.new(key, payload, hashlib.sha256).hexdigest() if key
                      else hashlib.sha256(payload).hexdigest())
            conn.execute(text("UPDATE audit_entry SET prev_hash=:p, hash=:h WHERE id=:i"),
                         {"p": prev, "h": digest, "i": row["id"]})
            prev = digest
        conn.execute(text("UPDATE counter SET value=:v, head=:h WHERE name='audit'"),
                     {"v": len(rows), "h": prev})
    engine.dispose()
