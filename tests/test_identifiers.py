"""Identifiers and amounts: one check each, and the workbook reader and the commands agree.

The parity properties say: whatever the reader accepts, the command (or service) that
takes the same field accepts too, with the same value.
"""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medisup import identifiers
from medisup.errors import InvalidValue
from medisup.identifiers import Fault

# ``medisup.excel.normalise`` is also the name of a function in ``medisup.excel``.
from medisup.services.leads import rules as lead_rules
from medisup.services.supervisors import identity

normalise = importlib.import_module("medisup.excel.normalise")


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "zh")


def _command(check, value):
    try:
        return check(value)
    except InvalidValue:
        return "refused"


# --- strategies ----------------------------------------------------------------------------

_SEPARATORS = st.sampled_from(["", " ", "-", "　", "－", "—"])
_EXTENSION = st.sampled_from(["-", "转", "ext", "ext.", "x", "#", "EXT"])
_PREFIX = st.sampled_from(["", "+86", "86", "0086", "+86 "])

mobiles = st.builds(
    lambda p, a, b, s: f"{p}1{a}{s}{b[:4]}{s}{b[4:]}",
    _PREFIX, st.sampled_from("3456789"), st.from_regex(r"\d{9}", fullmatch=True), _SEPARATORS,
)
landlines = st.builds(
    lambda area, number, sep, ext: f"{area}{sep}{number}{ext}",
    st.sampled_from(["010", "021", "0471", "0478", "0931"]),
    st.from_regex(r"[1-9]\d{6,7}", fullmatch=True),
    _SEPARATORS,
    st.one_of(st.just(""), st.builds(lambda e, d: e + d, _EXTENSION,
                                     st.from_regex(r"\d{1,6}", fullmatch=True))),
)
phones = st.one_of(mobiles, landlines, st.text(max_size=20))

amounts = st.one_of(
    st.builds(
        lambda cur, number, unit: f"{cur}{number}{unit}",
        st.sampled_from(["", "¥", "￥"]),
        st.one_of(
            st.decimals(min_value=0, max_value=10**9, places=3).map(lambda d: f"{d:f}"),
            st.decimals(min_value=0, max_value=10**9, places=2).map(lambda d: f"{d:,f}"),
            st.integers(-10, 10**12).map(str),
        ),
        st.sampled_from(["", "元", "万", "万元"]),
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**13), 10**13),
    st.text(max_size=12),
)

emails = st.one_of(
    st.emails(),
    st.from_regex(r"[a-z]{1,5}@[a-z.]{0,6}\.?[a-z]{0,3}", fullmatch=True),
    st.text(max_size=20),
)

_CC = identifiers.CREDIT_CODE_ALPHABET
credit_codes = st.one_of(
    st.text(alphabet=_CC, min_size=17, max_size=17).map(
        lambda body: body + identifiers.credit_check_char(body)),
    st.builds(lambda head, div, tail: head + div + tail,
              st.text(alphabet=_CC, min_size=2, max_size=2),
              st.from_regex(r"\d{6}", fullmatch=True),
              st.text(alphabet=_CC, min_size=9, max_size=9))
    .map(lambda body: body + identifiers.credit_check_char(body))
    .flatmap(lambda code: st.sampled_from([code, code.lower(), f" {code} ", code[:-1] + "0"])),
    st.text(max_size=20),
)

ids = st.builds(
    lambda region, birth, seq: f"{region}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(["150102", "110105", "440305", "999999"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(0, 999),
).map(lambda body: body + identifiers.id_check_digit(body)).flatmap(
    lambda number: st.sampled_from([number, number.lower(), f" {number} ",
                                    number[:-1] + ("0" if number[-1] != "0" else "1")]))


# --- parity: what the reader accepts, the commands accept with the same value --------------


def _accepted_by_reader(value):
    return value is not None and not normalise.is_invalid(value)


@settings(max_examples=300, deadline=None)
@given(phones)
def test_phone_parity(raw):
    read = normalise.phone(raw)
    if _accepted_by_reader(read):
        assert _command(identity.check_phone, raw) == read


@settings(max_examples=300, deadline=None)
@given(amounts)
def test_amount_parity(raw):
    read = normalise.decimal(raw)
    command = _command(lead_rules.check_amount, raw)
    if _accepted_by_reader(read):
        assert command == read
    elif read is not None:
        assert command == "refused"


@settings(max_examples=300, deadline=None)
@given(emails)
def test_email_parity(raw):
    read = normalise.email(raw)
    if _accepted_by_reader(read):
        assert _command(identity.check_email, raw) == read


@settings(max_examples=300, deadline=None)
@given(credit_codes)
def test_credit_code_parity(raw):
    read = normalise.credit_code(raw)
    if _accepted_by_reader(read):
        assert _command(identity.check_credit_code, raw) == read
        assert _command(lambda v: lead_rules.check_target("agency", "某公司", v).credit_code, raw) == read
    elif read is not None:
        assert _command(identity.check_credit_code, raw) == "refused"
        assert _command(lambda v: lead_rules.check_target("agency", "某公司", v).credit_code, raw) == "refused"


@settings(max_examples=300, deadline=None)
@given(ids)
def test_id_number_parity(raw):
    read = normalise.id_number(raw)
    command = _command(lambda v: identity.parse_id_number(v, today=date(2026, 1, 1)).id_number,
                       raw)
    if _accepted_by_reader(read):
        assert command == read
    else:
        assert command == "refused"


@given(st.text(alphabet="张三李四 　abc", max_size=8).filter(lambda s: s.strip()))
def test_name_parity(raw):
    read = normalise.person_name(raw)
    if read and len(read) <= 50:
        assert identity.check_fields({"name": raw}, pack=None)["name"] == read


# --- the policies, decided once --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("0471-6612345转801", "0471-6612345-801"),
        ("0471-6612345-801", "0471-6612345-801"),
        ("0471-6612345 ext 801", "0471-6612345-801"),
        ("0471-6612345ext.801", "0471-6612345-801"),
        ("0471-6612345#801", "0471-6612345-801"),
        ("04716612345", "0471-6612345"),
        ("(0471)6612345", "0471-6612345"),
        ("+86 138 1234 5678", "13812345678"),
    ],
)
def test_phone_extension_policy_in_reader_and_command(raw, canonical):
    assert identifiers.phone(raw) == canonical
    assert normalise.phone(raw) == canonical
    assert identity.check_phone(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.5万元", Decimal("15000.00")),
        ("￥300", Decimal("300.00")),
        ("¥1,234.5", Decimal("1234.50")),
        ("1,234.50元", Decimal("1234.50")),
        ("１２３", Decimal("123.00")),
        (0.1 + 0.2, Decimal("0.30")),  # a number cell read as Excel shows it
    ],
)
def test_amount_policy_accepts_the_same_forms_everywhere(raw, value):
    assert identifiers.amount(raw) == value
    assert normalise.decimal(raw) == value
    assert lead_rules.check_amount(raw) == value


@pytest.mark.parametrize("raw", ["12.345", 12.345, Decimal("2.345"), "1.2345678万", "-1",
                                 "1e3", "1000000000000", True])
def test_amount_policy_refuses_the_same_forms_everywhere(raw):
    assert identifiers.is_fault(identifiers.amount(raw))
    assert normalise.is_invalid(normalise.decimal(raw))
    with pytest.raises(InvalidValue):
        lead_rules.check_amount(raw)


def test_amount_faults_say_why():
    assert identifiers.amount("12.345") is Fault.AMOUNT_PLACES
    assert identifiers.amount("-3") is Fault.AMOUNT_NEGATIVE
    assert identifiers.amount("1000000000000") is Fault.AMOUNT_LARGE
    assert identifiers.amount("abc") is Fault.AMOUNT
    assert identifiers.amount("无") is None


def test_email_with_an_empty_label_is_refused_everywhere():
    assert identifiers.email("a@b..c") is Fault.EMAIL
    assert normalise.is_invalid(normalise.email("a@b..c"))
    with pytest.raises(InvalidValue):
        identity.check_email("a@b..c")


def test_id_birth_date_and_gender():
    number = "15010219900307777"
    number += identifiers.id_check_digit(number)
    assert identifiers.id_number(number) == number
    assert identifiers.id_birth_date(number, date(2026, 1, 1)) == date(1990, 3, 7)
    assert identifiers.id_birth_date(number, date(1990, 3, 6)) is None
    assert identifiers.id_gender(number) == "M"
    assert identifiers.id_number(number[:15]) is Fault.ID_OLD
    assert identifiers.id_number("1.50102E+17") is Fault.ID_NUMERIC
