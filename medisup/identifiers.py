"""Identifiers and amounts, each checked one way for the workbook reader, the commands and
the services: resident ID numbers (GB 11643), unified social credit codes (GB 32100),
phones, e-mail addresses, amounts in yuan, and person names.

Every check is pure and fast (the reader runs it on every cell of a column) and answers
with the canonical value, ``None`` for an empty cell, or a :class:`Fault` saying why the
value was refused.  Callers turn a fault into their own message: the reader into an
``Invalid`` cell, the services into an ``InvalidValue`` naming the field.

Policies decided here once:

* Phones: a mobile number is stored as its 11 digits; a landline as ``area-number``
  (``0471-6612345``); an extension written with ``-``, ``转``, ``ext``, ``x`` or ``#`` is
  kept as ``0471-6612345-801``.  A ``+86``/``0086`` prefix is dropped.
* Amounts: ``1,234.50``, full-width digits, a trailing ``元``/``万``/``万元`` and a
  leading ``¥``/``￥`` are accepted everywhere; more than two decimals (after ``万`` is
  applied) is refused everywhere rather than rounded; a number cell is read as Excel
  shows it (15 significant digits), so ``0.1 + 0.2`` is 0.30 but 12.345 is refused.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any


class Fault(Enum):
    """Why a value was refused."""

    ID_SHAPE = "id_shape"
    ID_OLD = "id_old"  # a 15-digit first-generation number
    ID_NUMERIC = "id_numeric"  # a number in scientific notation: digits already lost
    ID_CHECK = "id_check"
    CREDIT_SHAPE = "credit_shape"
    CREDIT_CHECK = "credit_check"
    PHONE = "phone"
    EMAIL = "email"
    AMOUNT = "amount"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_PLACES = "amount_places"  # more than two decimals
    AMOUNT_LARGE = "amount_large"


def is_fault(value: object) -> bool:
    return value.__class__ is Fault


# --- folding -------------------------------------------------------------------------------

SPACE_CHARS = (
    "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
DROP_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff" + "".join(
    chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]
)

# Free text: full-width letters and digits folded, odd spaces made plain, invisibles gone.
TEXT_TABLE: dict[int, int | None] = {}
for _lo, _hi, _to in ((0xFF10, 0xFF19, 0x30), (0xFF21, 0xFF3A, 0x41), (0xFF41, 0xFF5A, 0x61)):
    for _c in range(_lo, _hi + 1):
        TEXT_TABLE[_c] = _to + _c - _lo
TEXT_TABLE.update({ord(c): 0x20 for c in SPACE_CHARS})
TEXT_TABLE.update({ord(c): None for c in DROP_CHARS})

# Numbers, dates and codes lose every full-width form and every kind of dash.
STRICT_TABLE: dict[int, int | None] = dict(TEXT_TABLE)
STRICT_TABLE.update({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
STRICT_TABLE.update({c: 0x2D for c in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)})

# What bureaus write for "nothing here" in amount, date, phone and code fields.
PLACEHOLDERS = frozenset({"-", "--", "---", "/", "无", "暂无", "空", "N/A", "n/a", "NA"})


def fold(value: str) -> str:
    """A code-like value folded: full-width forms made half-width, every kind of space
    removed, an apostrophe prefix (Excel's "this is text" mark) dropped."""
    if not value.isascii():
        value = value.translate(STRICT_TABLE)
    value = "".join(value.split())
    if value[:1] == "'":
        value = value[1:]
    return value


# --- resident ID numbers (GB 11643, ISO 7064 MOD 11-2) --------------------------------------

_ID_CHECK = "10X98765432"
_SCIENTIFIC_RE = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+|\d{12,}\.\d*")
ID_MIN_YEAR = 1900


def id_check_digit(body: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are ``body``."""
    # Weights are 2**(17-i) mod 11; reading the digits in base 13 (13 ≡ 2 mod 11) lets
    # int() do the weighted sum in C.
    return _ID_CHECK[2 * int(body, 13) % 11]


def is_valid_id_number(value: str) -> bool:
    """Whether ``value`` is 17 digits and the right check character (upper-case X)."""
    return (
        len(value) == 18
        and value.isascii()
        and value[:17].isdigit()
        and id_check_digit(value[:17]) == value[17]
    )


def is_foreign_permanent_resident_number(number: str) -> bool:
    """Whether an 18-character number is of the form used on foreigners' permanent-residence
    cards (first digit 9): it passes the GB 11643 check but is no citizen's resident ID."""
    return len(number) == 18 and number[:1] == "9"


def id_number(value: str) -> str | Fault | None:
    """An 18-character resident ID number with a valid check character, ``X`` upper-case."""
    if len(value) == 18 and value.isdigit() and value.isascii():
        return value if _ID_CHECK[2 * int(value[:17], 13) % 11] == value[17] else Fault.ID_CHECK
    if not (len(value) == 18 and value.isascii() and value.isalnum()):
        value = fold(value)
        if not value or value in PLACEHOLDERS:
            return None
    if len(value) == 18 and value.isascii() and value[:17].isdigit():
        last = value[17]
        if last == "x":
            value = value[:17] + "X"
            last = "X"
        if last == "X" or last.isdigit():
            return value if _ID_CHECK[2 * int(value[:17], 13) % 11] == last else Fault.ID_CHECK
    if value.isascii() and value.isdigit() and len(value) == 15:
        return Fault.ID_OLD
    if _SCIENTIFIC_RE.fullmatch(value):
        return Fault.ID_NUMERIC
    return Fault.ID_SHAPE


def id_birth_date(number: str, today: date | None = None) -> date | None:
    """The birth date written in a valid ID number when it is a real day from 1900 up to
    ``today``; ``None`` when it is not."""
    digits = number[6:14]
    try:
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return day if ID_MIN_YEAR <= day.year and day <= (today or date.today()) else None


def id_gender(number: str) -> str:
    """``M`` or ``F`` from the 17th digit of a valid ID number (odd for men)."""
    return "M" if number[16] in "13579" else "F"


# --- unified social credit codes (GB 32100) -------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Registration authority and kind (2), division code (6 digits), organisation code (9),
# check character (1); the letters I, O, S, V and Z are never used.
_CC_RE = re.compile("[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
# Character values 0..30 spelt as base-34 digits: reversed, the code read in base 34
# (34 ≡ 3 mod 31) is the weighted sum with weights 3**i mod 31.
_CC_TO_BASE34 = str.maketrans(CREDIT_CODE_ALPHABET, "0123456789ABCDEFGHIJKLMNOPQRSTU")


def credit_check_char(body: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are ``body``."""
    total = int(body.translate(_CC_TO_BASE34)[::-1], 34) % 31
    return CREDIT_CODE_ALPHABET[(31 - total) % 31]


def is_valid_credit_code(value: str) -> bool:
    """Whether ``value`` is a well-formed code with the right check character."""
    return bool(_CC_RE.fullmatch(value)) and credit_check_char(value[:17]) == value[17]


def credit_code(value: str) -> str | Fault | None:
    """An 18-character unified social credit code, upper-case, check character verified."""
    if not (len(value) == 18 and value.isascii() and value.isalnum()):
        value = fold(value)
        if not value or value in PLACEHOLDERS:
            return None
    value = value.upper()
    if not _CC_RE.fullmatch(value):
        return Fault.CREDIT_SHAPE
    return value if credit_check_char(value[:17]) == value[17] else Fault.CREDIT_CHECK


# --- phones --------------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
# 010 and 02x are the only three-digit area codes; the rest have four digits.
_LANDLINE_RE = re.compile(
    r"(?:\+?86|0086)?(010|02\d|0[3-9]\d\d)-?([1-9]\d{6,7})(?:(?:-|转|ext\.?|x|#)(\d{1,6}))?",
    re.IGNORECASE,
)


def phone(value: str) -> str | Fault | None:
    """A mobile number (13812345678) or a landline with area code (0471-1234567[-801])."""
    if (
        len(value) == 11
        and value.isascii()
        and value.isdigit()
        and value[0] == "1"
        and value[1] in "3456789"
    ):
        return value
    value = fold(value).replace("(", "").replace(")", "")
    if not value or value in PLACEHOLDERS:
        return None
    return phone_digits(value) or Fault.PHONE


def phone_digits(value: str) -> str | None:
    """The canonical form of a folded phone text, or ``None`` when it is not a phone."""
    m = _MOBILE_RE.fullmatch(value.replace("-", ""))
    if m is not None:
        return m[1]
    m = _LANDLINE_RE.fullmatch(value) or _LANDLINE_RE.fullmatch(value.replace("-", ""))
    if m is not None:
        number = f"{m[1]}-{m[2]}"
        return f"{number}-{m[3]}" if m[3] else number
    return None


# --- e-mail --------------------------------------------------------------------------------

EMAIL_MAX = 100  # the column's length
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def email(value: str) -> str | Fault | None:
    """An e-mail address of plausible shape (name@host.domain, no empty label)."""
    if not (value.isascii() and value.isprintable() and " " not in value):
        value = fold(value)
    if not value or value in PLACEHOLDERS:
        return None
    if len(value) > EMAIL_MAX or not _EMAIL_RE.fullmatch(value):
        return Fault.EMAIL
    return value


# --- amounts -------------------------------------------------------------------------------

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # the columns are Numeric(14, 2)
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def amount_text(value: str) -> tuple[str, int] | None:
    """The bare number written in a text, with the factor its unit implies (``万`` is
    10 000); ``None`` when the text is empty or a placeholder."""
    value = fold(value)
    if not value or value in PLACEHOLDERS:
        return None
    factor = 1
    if value.endswith("万元"):
        factor, value = 10000, value[:-2]
    elif value.endswith("万"):
        factor, value = 10000, value[:-1]
    elif value.endswith("元"):
        value = value[:-1]
    value = value.lstrip("¥￥").replace(",", "")
    return value, factor


def amount(value: Any) -> Decimal | Fault | None:
    """An amount in yuan as a ``Decimal`` with two places; see the module's policy."""
    cls = value.__class__
    if cls is str:
        parsed = amount_text(value)
        if parsed is None:
            return None
        text, factor = parsed
        if not _NUMBER_RE.fullmatch(text):
            return Fault.AMOUNT
        try:
            number = Decimal(text) * factor
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return Fault.AMOUNT
    elif cls is float:
        if not math.isfinite(value):
            return Fault.AMOUNT
        number = Decimal(format(value, ".15g"))
    elif cls is int:
        number = Decimal(value)
    elif value is None:
        return None
    elif isinstance(value, Decimal):
        if not value.is_finite():
            return Fault.AMOUNT
        number = value
    else:  # bool and anything else
        return Fault.AMOUNT
    if number < 0:
        return Fault.AMOUNT_NEGATIVE
    if number > MAX_AMOUNT:
        return Fault.AMOUNT_LARGE
    rounded = number.quantize(CENT)
    if rounded != number:
        return Fault.AMOUNT_PLACES
    return rounded


# --- names ---------------------------------------------------------------------------------

_CJK = "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP_RE = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")


def fold_name(value: str) -> str:
    """A cleaned person name with the space between two Chinese characters dropped
    (张 三, typed to align two-character names in a roster)."""
    if " " in value and not value.isascii():
        return _CJK_GAP_RE.sub("", value)
    return value
