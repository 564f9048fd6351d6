"""Verification codes: the per-database secret and the short code derived from a
certificate's facts, printed on it so a paper copy can be checked."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from medisup import clock
from medisup.models import DatabaseSecret

if TYPE_CHECKING:
    pass

SECRET_NAME = "certificate_code"
# No 0/O, 1/I/L: a code read off paper and typed back must not be ambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8

# ---------------------------------------------------------------- secret and codes


def ensure_secret(session: Session) -> str:
    """The database's key for verification codes, created on first use (``init`` creates
    it; a database upgraded from an earlier release gets it when it is first needed)."""
    row = session.get(DatabaseSecret, SECRET_NAME)
    if row is None:
        try:
            with session.begin_nested():
                session.add(DatabaseSecret(name=SECRET_NAME, value=secrets.token_hex(32),
                                           created_at=clock.now()))
        except IntegrityError:  # another writer created it first
            pass
        row = session.get(DatabaseSecret, SECRET_NAME)
        assert row is not None
    return row.value


def make_code(secret: str, *, number: str, id_number: str, term_start: date, term_end: date,
              department: str) -> str:
    """Eight characters derived from the certificate's facts and the database secret: a
    forged or altered certificate cannot carry a code that verifies."""
    message = "|".join((number, id_number, term_start.isoformat(), term_end.isoformat(),
                        department)).encode()
    value = int.from_bytes(hmac.new(secret.encode(), message, hashlib.sha256).digest(), "big")
    chars = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


def normalise_code(value: str) -> str:
    return re.sub(r"[\s\-－]", "", value or "").upper()
