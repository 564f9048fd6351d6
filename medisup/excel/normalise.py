"""Cell normalisation: any cell value in, a clean value or an ``Invalid`` out (pure and fast).

Longer than most modules because it holds one normaliser per column kind (text, names,
dates, numbers, lists, interests, headers), each with the fast paths that keep a
100,000-row workbook quick; the identifiers and amounts themselves are checked in
:mod:`medisup.identifiers`, which the commands use too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from medisup import identifiers
from medisup.identifiers import Fault

if TYPE_CHECKING:
    from medisup.excel.columns import ColumnSpec

Normaliser = Callable[[Any], Any]


class Invalid:
    """A value that does not fit its column; ``expected`` says, localised, what would.

    Normalisers return it rather than raise, so a whole column can go through ``map``.
    The text is looked up only when read, so the shared instances below are free.
    """

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params

    @property
    def expected(self) -> str:
        from medisup.i18n import t

        params = {k: v.expected if isinstance(v, Invalid) else v for k, v in self.params.items()}
        return t(self.key, **params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Invalid) and self.key == other.key and self.params == other.params

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Invalid({self.key!r})"


def is_invalid(value: object) -> bool:
    """Whether a normaliser refused the value."""
    return value.__class__ is Invalid


class MonthDate(date):
    """A date known only to its month (出生年月 written as 1990-03): the first of that month."""

    __slots__ = ()
    precision = "month"


class Interest(NamedTuple):
    """One declared interest: an institution's name and unified social credit code."""

    name: str | None
    credit_code: str | None

    def __str__(self) -> str:
        if self.name and self.credit_code:
            return f"{self.name}({self.credit_code})"
        return self.name or self.credit_code or ""


# --- translation tables --------------------------------------------------------------------

# The folding tables and the placeholders are the identifiers' own; free text keeps
# Chinese punctuation (、，（）) as the writer meant it, numbers and codes lose it.
_SPACE_CHARS = identifiers.SPACE_CHARS
_TEXT_TABLE = identifiers.TEXT_TABLE
_STRICT_TABLE = identifiers.STRICT_TABLE
_PLACEHOLDERS = identifiers.PLACEHOLDERS
_strict = identifiers.fold

_HEADER_TABLE: dict[int, int | None] = dict(_STRICT_TABLE)
_HEADER_TABLE.update({ord(c): None for c in " \n\r" + _SPACE_CHARS})

_TEXT_FIX_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_SPACE_RUN_RE = re.compile(" {2,}")


# --- text ----------------------------------------------------------------------------------


def text(value: Any) -> str | None:
    """Clean text: full-width letters/digits/spaces folded, stray spaces and invisibles gone.

    Inner runs of spaces collapse to one; line breaks inside the cell are kept.  A space
    between Chinese words stays (``某社区 主任`` separates unit and post); only names drop
    it (:func:`person_name`).
    """
    if value.__class__ is str:
        if value.isascii():
            if value.isprintable():
                if value[:1] != " " and value[-1:] != " " and "  " not in value:
                    return value or None
                return _SPACE_RUN_RE.sub(" ", value).strip() or None
            return _clean_text(value)
        if value.isprintable() and " " not in value and _TEXT_FIX_RE.search(value) is None:
            return value
        return _clean_text(value)
    if value is None:
        return None
    return _text_of(value)


def _clean_text(value: str) -> str | None:
    value = value.translate(_TEXT_TABLE)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in value:
        lines = (_tidy_line(line) for line in value.split("\n"))
        value = "\n".join(line for line in lines if line)
    else:
        value = _tidy_line(value)
    return value or None


def _tidy_line(line: str) -> str:
    return _SPACE_RUN_RE.sub(" ", line).strip()


def person_name(value: Any) -> str | None:
    """A person's name: clean text, and a space between two Chinese characters (张 三,
    typed to align two-character names in a roster) is dropped."""
    cleaned = text(value)
    return identifiers.fold_name(cleaned) if cleaned else cleaned


def _text_of(value: Any) -> str | None:
    cls = value.__class__
    if cls is float:
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if cls is int:
        return str(value)
    if cls is bool:
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (time, timedelta)):
        return str(value)
    return text(str(value))


def display_value(value: Any) -> str:
    """A cell value as the user sees it in Excel (1.50102E+17 for a long number), for messages."""
    cls = value.__class__
    if cls is float:
        if value.is_integer() and abs(value) < 1e11:
            return str(int(value))
        if abs(value) >= 1e11:
            mantissa, exponent = f"{value:.5E}".split("E")
            mantissa = mantissa.rstrip("0").rstrip(".")
            return f"{mantissa}E{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
        return repr(value)
    if value is None:
        return ""
    if cls is str:
        shown = value.replace("\r", " ").replace("\n", " ")
        return shown if len(shown) <= 60 else shown[:59] + "…"
    return _text_of(value) or ""


# --- dates ---------------------------------------------------------------------------------

MIN_YEAR, MAX_YEAR = 1900, 2099
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_MIN = 61  # 1900-03-01; lower serials are shifted by Excel's phantom 1900-02-29
_SERIAL_MAX = (date(MAX_YEAR, 12, 31) - _EXCEL_EPOCH).days

_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_MONTH_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_COMPACT_RE = re.compile(r"(\d{4})(\d{2})(\d{2})?")

_BAD_DATE = Invalid("excel.expected.date")
_BAD_DATE_RANGE = Invalid("excel.expected.date_range", low=MIN_YEAR, high=MAX_YEAR)
_BAD_DATE_MONTH = Invalid("excel.expected.date_full")
_BAD_DATE_YEAR = Invalid("excel.expected.date_year_only")
_BAD_DATE_NUMBER = Invalid("excel.expected.date_month_number")


def parse_date(value: Any, allow_month: bool = False) -> date | Invalid | None:
    """A ``date`` from a date cell, an Excel serial number or any written form.

    Accepted: 2024-01-05, 2024/1/5, 2024年1月5日, 2024.1.5, 20240105 (full-width digits
    too); with ``allow_month`` also 2024-1, 2024年1月, 2024.01, 202401 (→ ``MonthDate``).
    """
    cls = value.__class__
    if cls is date:
        return value if MIN_YEAR <= value.year <= MAX_YEAR else _BAD_DATE_RANGE
    if cls is datetime:
        return value.date() if MIN_YEAR <= value.year <= MAX_YEAR else _BAD_DATE_RANGE
    if cls is str:
        return _date_from_text(value, allow_month)
    if cls is float or cls is int:
        return _date_from_number(value, allow_month)
    if value is None:
        return None
    if isinstance(value, MonthDate):
        return value if allow_month else _BAD_DATE_MONTH
    if isinstance(value, datetime):
        return parse_date(value.date(), allow_month)
    if isinstance(value, date):
        return parse_date(date(value.year, value.month, value.day), allow_month)
    return _BAD_DATE


def _make_date(year: int, month: int, day: int) -> date | Invalid:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return _BAD_DATE_RANGE
    try:
        return date(year, month, day)
    except ValueError:
        return Invalid("excel.expected.date_impossible")


def _make_month(year: int, month: int, allow_month: bool) -> date | Invalid:
    if not allow_month:
        return _BAD_DATE_MONTH
    if not MIN_YEAR <= year <= MAX_YEAR:
        return _BAD_DATE_RANGE
    if not 1 <= month <= 12:
        return Invalid("excel.expected.date_impossible")
    return MonthDate(year, month, 1)


def _date_from_text(value: str, allow_month: bool) -> date | Invalid | None:
    if not value.isascii():
        value = value.translate(_STRICT_TABLE)
    value = value.strip()
    if not value or value in _PLACEHOLDERS:
        return None
    if value[:1] == "'":
        value = value[1:].strip()
    m = _DATE_RE.fullmatch(value)
    if m is not None:
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    m = _COMPACT_RE.fullmatch(value)
    if m is not None:
        if m[3] is not None:
            return _make_date(int(m[1]), int(m[2]), int(m[3]))
        return _make_month(int(m[1]), int(m[2]), allow_month)
    m = _MONTH_RE.fullmatch(value)
    if m is not None:
        return _make_month(int(m[1]), int(m[2]), allow_month)
    if value.isdigit() and len(value) == 4:
        return _BAD_DATE_YEAR
    return _BAD_DATE


def _date_from_number(value: float, allow_month: bool) -> date | Invalid:
    if not math.isfinite(value):
        return _BAD_DATE
    if value == int(value):
        number = int(value)
        if 19000101 <= number <= 20991231:
            return _make_date(number // 10000, number // 100 % 100, number % 100)
        if 190001 <= number <= 209912:
            return _make_month(number // 100, number % 100, allow_month)
        if MIN_YEAR <= number <= MAX_YEAR:
            # A bare year, not serial 1990 (= 1905-06-12).
            return _BAD_DATE_YEAR
    elif allow_month and MIN_YEAR <= value < MAX_YEAR + 1:
        # 1990.10 typed into a General cell arrives as 1990.1: the month is no longer known.
        return _BAD_DATE_NUMBER
    if _SERIAL_MIN <= value <= _SERIAL_MAX:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return _BAD_DATE


# --- resident ID numbers, credit codes, phones (checked in medisup.identifiers) -----------

CREDIT_CODE_ALPHABET = identifiers.CREDIT_CODE_ALPHABET
id_check_digit = identifiers.id_check_digit
is_valid_id_number = identifiers.is_valid_id_number
credit_code_check_char = identifiers.credit_check_char
is_valid_credit_code = identifiers.is_valid_credit_code

_BAD_ID_NUMERIC = Invalid("excel.expected.id_numeric")
_BAD_ID_OLD = Invalid("excel.expected.id_old")
_BAD_ID_SHAPE = Invalid("excel.expected.id_shape")
_BAD_CC_SHAPE = Invalid("excel.expected.credit_code_shape")
_BAD_PHONE = Invalid("excel.expected.phone")
_BAD_DECIMAL = Invalid("excel.expected.decimal")
_BAD_NEGATIVE = Invalid("excel.expected.negative")
_BAD_EMAIL = Invalid("excel.expected.email")
_INVALID: dict[Fault, Invalid] = {
    Fault.ID_SHAPE: _BAD_ID_SHAPE,
    Fault.ID_OLD: _BAD_ID_OLD,
    Fault.ID_NUMERIC: _BAD_ID_NUMERIC,
    Fault.ID_CHECK: Invalid("excel.expected.id_check"),
    Fault.CREDIT_SHAPE: _BAD_CC_SHAPE,
    Fault.CREDIT_CHECK: Invalid("excel.expected.credit_code_check"),
    Fault.PHONE: _BAD_PHONE,
    Fault.EMAIL: _BAD_EMAIL,
    Fault.AMOUNT: _BAD_DECIMAL,
    Fault.AMOUNT_NEGATIVE: _BAD_NEGATIVE,
    Fault.AMOUNT_PLACES: _BAD_DECIMAL,
    Fault.AMOUNT_LARGE: _BAD_DECIMAL,
}


def id_number(value: Any) -> str | Invalid | None:
    """An 18-character resident ID number with a valid check digit, X upper-case.

    A number cell is refused: Excel keeps 15 significant digits, so the last ones are gone.
    """
    cls = value.__class__
    if cls is str:
        out = identifiers.id_number(value)
        return _INVALID[out] if out.__class__ is Fault else out
    if value is None:
        return None
    if cls is float or cls is int:
        if 1e14 <= value < 1e15 and value == int(value):
            return _BAD_ID_OLD
        return _BAD_ID_NUMERIC
    return _BAD_ID_SHAPE


def credit_code(value: Any) -> str | Invalid | None:
    """An 18-character unified social credit code, upper-case, check character verified."""
    if value is None:
        return None
    if value.__class__ is not str:
        return _BAD_CC_SHAPE
    out = identifiers.credit_code(value)
    return _INVALID[out] if out.__class__ is Fault else out


def phone(value: Any) -> str | Invalid | None:
    """A mobile number (13812345678) or a landline with area code (0471-1234567[-123])."""
    cls = value.__class__
    if cls is str:
        out = identifiers.phone(value)
        return _INVALID[out] if out.__class__ is Fault else out
    if value is None:
        return None
    if (cls is float or cls is int) and value == int(value) and value > 0:
        digits = str(int(value))
        # Excel drops the leading 0 of a landline typed as a number.
        return (identifiers.phone_digits(digits) or identifiers.phone_digits("0" + digits)
                or _BAD_PHONE)
    return _BAD_PHONE


# --- numbers -------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_BAD_INTEGER = Invalid("excel.expected.integer")


def decimal(value: Any) -> Decimal | Invalid | None:
    """An amount in yuan as ``Decimal`` with two places; 1,234.50 / 1.5万元 / ￥300 accepted,
    more than two decimals refused (the policy is :func:`medisup.identifiers.amount`'s)."""
    out = identifiers.amount(value)
    return _INVALID[out] if out.__class__ is Fault else out


def integer(value: Any) -> int | Invalid | None:
    """A whole number, from a number cell or text (full-width digits, thousands separators)."""
    cls = value.__class__
    if cls is int:
        return value
    if cls is float:
        return int(value) if math.isfinite(value) and value == int(value) else _BAD_INTEGER
    if cls is str:
        parsed = identifiers.amount_text(value)
        if parsed is None:
            return None
        number, factor = parsed
        if not _NUMBER_RE.fullmatch(number):
            return _BAD_INTEGER
        amount = Decimal(number) * factor
        return int(amount) if amount == amount.to_integral_value() else _BAD_INTEGER
    if value is None:
        return None
    return _BAD_INTEGER


# --- e-mail --------------------------------------------------------------------------------


def email(value: Any) -> str | Invalid | None:
    """An e-mail address of plausible shape (name@host.domain)."""
    if value is None:
        return None
    if value.__class__ is not str:
        return _BAD_EMAIL
    out = identifiers.email(value)
    return _INVALID[out] if out.__class__ is Fault else out


# --- lists ---------------------------------------------------------------------------------

LIST_SEPARATORS = "、，,;；/／\n"
_SPLIT_RE = re.compile(f"[{LIST_SEPARATORS}]+")
_GUARD = 0xE000  # private-use characters stand in for protected phrases while splitting


def split_items(value: Any, protected: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The items of a list cell, in order, without blanks or repeats.

    A ``protected`` phrase that contains a separator (a label such as
    "虚构医药服务、伪造文书票据") stays one item.
    """
    cleaned = text(value)
    if cleaned is None:
        return ()
    hits = [phrase for phrase in protected if phrase in cleaned]
    if hits:
        hits.sort(key=len, reverse=True)
        for number, phrase in enumerate(hits):
            cleaned = cleaned.replace(phrase, chr(_GUARD + number))
        restore = {chr(_GUARD + number): phrase for number, phrase in enumerate(hits)}
        parts = ["".join(restore.get(ch, ch) for ch in part) for part in _SPLIT_RE.split(cleaned)]
    else:
        parts = _SPLIT_RE.split(cleaned)
    return tuple(dict.fromkeys(p for p in (part.strip() for part in parts) if p))


def _codes(protected: tuple[str, ...], known: frozenset[str] = frozenset()) -> Normaliser:
    if not known:

        def normalise_codes(value: Any) -> tuple[str, ...] | None:
            return split_items(value, protected) or None

        return normalise_codes

    def normalise_labelled(value: Any) -> tuple[str, ...] | None:
        items = split_items(value, protected)
        return tuple(dict.fromkeys(code_of(item, known) for item in items)) or None

    return normalise_labelled


def code_of(item: str, known: frozenset[str]) -> str:
    """``A1 虚构医药服务、伪造文书票据`` → ``A1``: a code followed by its label, as exports
    and template drop-downs write an item, is the code (the label is there for the
    reader).  Both parts must be known values (``known``, folded); anything else is
    returned as it is, for the service to resolve or refuse."""
    code, space, label = item.partition(" ")
    if space and code.casefold() in known and " ".join(label.split()).casefold() in known:
        return code
    return item


def _many(normalise_one: Normaliser) -> Normaliser:
    def normalise_many(value: Any) -> tuple[Any, ...] | Invalid | None:
        if value.__class__ is not str:
            one = normalise_one(value)
            return one if one is None or one.__class__ is Invalid else (one,)
        out = []
        for item in split_items(value):
            one = normalise_one(item)
            if one.__class__ is Invalid:
                return Invalid("excel.expected.item", item=item, problem=one)
            if one is not None:
                out.append(one)
        return tuple(dict.fromkeys(out)) or None

    return normalise_many


_INTEREST_SPLIT_RE = re.compile("[；;\n、，,]+")
# A bare code after the name: the six-digit division code in it keeps an ASCII name from
# being taken for a code.
_INTEREST_CODE_RE = re.compile(r"(.*?)\s*([0-9A-Za-z]{2}[0-9]{6}[0-9A-Za-z]{10})")


def interests(value: Any) -> tuple[Interest, ...] | Invalid | None:
    """Declared interests: "某某医院(91150102MA0XXXXXXX)；某药店(…)" → ``Interest`` items.

    Each item is a name with its code in brackets, a name alone, or a code alone.
    """
    cleaned = text(value)
    if cleaned is None or cleaned in _PLACEHOLDERS:
        return None
    out: list[Interest] = []
    for part in _INTEREST_SPLIT_RE.split(cleaned):
        part = part.strip()
        if not part:
            continue
        name: str | None = part
        code: Any = None
        if part[-1] in ")）":
            opening = max(part.rfind("("), part.rfind("（"))
            inside = _strict(part[opening + 1 : -1]) if opening >= 0 else ""
            if len(inside) == 18 and inside.isalnum():
                name, code = part[:opening].strip() or None, inside
        else:
            m = _INTEREST_CODE_RE.fullmatch(part)
            if m is not None:
                name, code = m[1].strip() or None, m[2]
        if code is not None:
            code = credit_code(code)
            if code.__class__ is Invalid:
                return Invalid("excel.expected.item", item=part, problem=code)
        out.append(Interest(name, code))
    return tuple(dict.fromkeys(out)) or None


# --- headers -------------------------------------------------------------------------------

_REQUIRED_MARK_RE = re.compile(r"\((?:必填|必填项|必须填写|必填字段|required)\)$", re.IGNORECASE)


def normalise_header(value: Any) -> str:
    """A header reduced for matching: no spaces, half-width, no required mark, lower-case."""
    if value.__class__ is not str:
        value = _text_of(value) if value is not None else ""
    value = value.translate(_HEADER_TABLE).strip("*:")
    value = _REQUIRED_MARK_RE.sub("", value).strip("*:")
    return value.casefold()


# --- one entry point -----------------------------------------------------------------------

_BY_KIND: dict[str, Normaliser] = {
    "text": text,
    "person_name": person_name,
    "date": parse_date,
    "id_number": id_number,
    "phone": phone,
    "decimal": decimal,
    "integer": integer,
    "email": email,
    "credit_code": credit_code,
    "interests": interests,
}


def normaliser(spec: ColumnSpec) -> Normaliser:
    """The function that cleans one cell of ``spec``'s column (value → clean | Invalid | None)."""
    kind = spec.kind
    if kind == "codes":
        known = frozenset(" ".join(c.split()).casefold() for c in spec.choices)
        return _codes(tuple(c for c in spec.choices if _SPLIT_RE.search(c)), known)
    if kind == "date" and spec.allow_month:

        def one(value: Any) -> Any:
            return parse_date(value, True)

    else:
        one = _BY_KIND[kind]
    if spec.multi and kind != "interests":
        return _many(one)
    return one


def normalise(value: Any, spec: ColumnSpec) -> Any:
    """Clean one value for ``spec``'s column (convenience for services and the CLI)."""
    return normaliser(spec)(value)
