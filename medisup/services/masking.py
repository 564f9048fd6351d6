"""Masking of personal data for display and export (SPEC §4, confidentiality)."""

from __future__ import annotations

from datetime import date
from typing import Any


def mask_id_number(value: str | None) -> str | None:
    """``150102199001011234`` → ``150102********1234``."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_birth_date(value: date | None) -> int | None:
    """A birth date shown beside a masked ID number: the year only. The hidden digits of an
    ID number are the birth date, so a full date would give them back."""
    return value.year if value else None


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` → ``138****5678``; landlines keep area code and last four."""
    if not value:
        return value
    digits = value.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(value) > 6:
        return value[:4] + "*" * (len(value) - 8 if len(value) > 8 else 2) + value[-4:]
    return "*" * len(value)


def mask_text(value: str | None) -> str | None:
    """Free text (a lead's description, an address) is hidden entirely."""
    if not value:
        return value
    return "******"


def mask_email(value: str | None) -> str | None:
    if not value or "@" not in value:
        return mask_text(value)
    user, _, domain = value.partition("@")
    return (user[:1] + "***@" + domain) if user else "***@" + domain


def mask_value(key: str, value: Any) -> Any:
    if key == "birth_date":  # the digits an ID number's mask hides: the year only
        if isinstance(value, date):
            return value.year
        if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
            return int(value[:4])
        return value
    if not isinstance(value, str):
        return value
    if key == "id_number":
        return mask_id_number(value)
    if key == "phone":
        return mask_phone(value)
    if key == "email":
        return mask_email(value)
    return mask_text(value)
