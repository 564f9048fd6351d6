"""The person record checked without a database: ID numbers (GB 11643), the fields that
must agree with them, phones, e-mail, pack codes and credit codes (GB 32100)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers_supervisors import make_credit_code, make_id
from hypothesis import given
from hypothesis import strategies as st

from medisup import i18n
from medisup.errors import InvalidValue
from medisup.packs import load_pack
from medisup.services.supervisors import identity

NM = load_pack("nm-2024")


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")


# ── ID numbers ────────────────────────────────────────────────────────────


def test_valid_id_gives_birth_date_gender_and_region():
    info = identity.parse_id_number(make_id("150102", "19850317", 22, female=True))
    assert info.birth_date == date(1985, 3, 17)
    assert info.gender == "F"
    assert info.region_code == "150102" and info.region_known


def test_lower_case_x_spaces_and_full_width_digits_are_normalised():
    number = next(n for n in (make_id(seq=s) for s in range(1, 400)) if n.endswith("X"))
    messy = " " + number[:6] + " " + number[6:-1] + number[-1].lower() + " "
    assert identity.parse_id_number(messy).id_number == number
    full_width = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "X"
    assert identity.parse_id_number(full_width).id_number == number


def test_known_number_from_the_standard_library_docs():
    assert identity.parse_id_number("360426199101010071").gender == "M"


@pytest.mark.parametrize("value, fragment", [
    ("15010219900101011", "18 位"),                 # 17 characters
    ("1501021990010101155", "18 位"),               # 19 characters
    ("15010219900101A115", "前 17 位为数字"),
    ("150102199001010116", "校验码"),               # wrong check digit
    (make_id("150102", "19901301", 11), "出生日期"),  # month 13, check digit correct
])
def test_invalid_id_numbers_name_field_value_and_expectation(value, fragment):
    with pytest.raises(InvalidValue) as err:
        identity.parse_id_number(value)
    message = err.value.message
    assert message.startswith("身份证号的值")
    # named, masked as lists mask it: the hidden digits are the holder's birth date
    assert f"“{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}”" in message
    assert value not in message and fragment in message
    assert "\n" not in message


def test_birth_date_in_the_future_is_refused():
    with pytest.raises(InvalidValue):
        identity.parse_id_number(make_id("150102", "20990101", 11))


def test_unknown_birthplace_is_only_a_warning():
    # 150102 新城区 dates from 1983: a 1980 birth there is unknown to the division table
    info = identity.parse_id_number(make_id("150102", "19800101", 11))
    assert not info.region_known
    unknown = identity.parse_id_number(make_id("159999", "19900101", 11))
    assert not unknown.region_known and unknown.region_code == "159999"


@given(
    st.dates(min_value=date(1930, 1, 1), max_value=date(2005, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.booleans(),
)
def test_any_generated_id_round_trips(birth, seq, female):
    number = make_id("110101", birth.strftime("%Y%m%d"), seq, female=female)
    info = identity.parse_id_number(number)
    assert info.birth_date == birth
    assert info.gender == ("F" if female else "M")
    assert info.id_number == number


def test_age_and_birthday():
    assert identity.age_on(date(1990, 6, 15), date(2025, 6, 14)) == 34
    assert identity.age_on(date(1990, 6, 15), date(2025, 6, 15)) == 35
    assert identity.birthday(date(2000, 2, 29), 25) == date(2025, 3, 1)


# ── the whole record ──────────────────────────────────────────────────────


def test_gender_and_birth_date_are_taken_from_the_id_when_left_out():
    data = identity.check_person(
        {"name": " 张  三 ", "id_number": make_id(birth="19880808", seq=31),
         "categories": ["参保群众", "expert"]}, NM)
    assert data.name == "张三"  # a space between Chinese characters is dropped, as the reader drops it
    assert data.gender == "M" and data.birth_date == date(1988, 8, 8)
    assert data.categories == ("insured", "expert")
    assert data.warnings == ()


def test_gender_that_disagrees_with_the_id_is_refused():
    with pytest.raises(InvalidValue) as err:
        identity.check_person({"name": "张三", "id_number": make_id(seq=31), "gender": "女",
                               "categories": ["insured"]}, NM)
    assert err.value.message.startswith("性别的值“女”无效") and "男" in err.value.message


def test_birth_date_that_disagrees_with_the_id_is_refused():
    with pytest.raises(InvalidValue) as err:
        identity.check_person({"name": "张三", "id_number": make_id(birth="19900101"),
                               "birth_date": "1990-01-02", "categories": ["insured"]}, NM)
    assert "出生日期" in err.value.message and "1990-01-02" in err.value.message
    assert "1990-01-01" in err.value.message


def test_unknown_birthplace_is_carried_as_a_warning():
    data = identity.check_person({"name": "张三", "id_number": make_id(birth="19800101"),
                                  "categories": ["insured"]}, NM)
    assert not data.region_known and "150102" in data.warnings[0]


@pytest.mark.parametrize("field, value, label", [
    ("categories", ["宇航员"], "人员类别"),
    ("background", "天文", "专业背景"),
    ("phone", "12345", "联系电话"),
    ("email", "not-an-address", "电子邮件"),
    ("name", "名" * 51, "姓名"),
])
def test_bad_field_is_named(field, value, label):
    data = {"name": "张三", "id_number": make_id(), "categories": ["insured"], field: value}
    with pytest.raises(InvalidValue) as err:
        identity.check_person(data, NM)
    assert err.value.field == label


def test_categories_are_required():
    with pytest.raises(InvalidValue) as err:
        identity.check_person({"name": "张三", "id_number": make_id()}, NM)
    assert "人员类别" in err.value.message and "insured" in err.value.message


@pytest.mark.parametrize("phone", ["13812345678", "+8613812345678", "0471-6543210",
                                   "04716543210", "010-12345678"])
def test_phone_forms_accepted(phone):
    assert identity.check_phone(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "471-6543210", "电话"])
def test_phone_forms_refused(phone):
    with pytest.raises(InvalidValue):
        identity.check_phone(phone)


# ── credit codes ──────────────────────────────────────────────────────────


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_credit_check_character_agrees_with_stdnum(body):
    from stdnum.cn import uscc

    from medisup.identifiers import credit_check_char

    assert credit_check_char(body) == uscc.calc_check_digit(body)


def test_credit_code_checked_and_upper_cased():
    code = make_credit_code()
    assert identity.check_credit_code(code.lower()) == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidValue) as err:
        identity.check_credit_code(wrong)
    assert "统一社会信用代码" in err.value.message and wrong in err.value.message
    with pytest.raises(InvalidValue):
        identity.check_credit_code("91150102MA0N1234O" + code[-1])  # letter O not allowed


def test_interest_text_with_and_without_code():
    code = make_credit_code()
    assert identity.parse_interest(f"某某医院：{code}") == identity.InterestData("某某医院", code)
    assert identity.parse_interest("某某药店") == identity.InterestData("某某药店", None)
    with pytest.raises(InvalidValue):
        identity.parse_interest("某某医院:91150102MA0N123450")
