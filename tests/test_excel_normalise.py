"""Cell normalisation: text, dates, ID numbers, credit codes, phones, amounts, lists, headers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medisup.excel.columns import SUPERVISOR_COLUMNS, ColumnSpec
from medisup.excel.normalise import (
    CREDIT_CODE_ALPHABET,
    Interest,
    Invalid,
    MonthDate,
    credit_code,
    credit_code_check_char,
    decimal,
    display_value,
    email,
    id_check_digit,
    id_number,
    integer,
    interests,
    is_valid_credit_code,
    is_valid_id_number,
    normalise,
    normalise_header,
    parse_date,
    phone,
    split_items,
    text,
)


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "zh")


def expected(value: object) -> str:
    assert isinstance(value, Invalid), value
    return value.expected


# --- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("张 三", "张三"),  # a space typed to align a two-character name
        ("张　三", "张三"),
        (" 其其格 ", "其其格"),
        ("John  Smith", "John Smith"),
    ],
)
def test_person_name(raw, clean):
    from medisup.excel.normalise import person_name

    assert person_name(raw) == clean


def test_text_keeps_space_between_unit_and_post():
    assert text("新城区某社区 主任") == "新城区某社区 主任"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("张三", "张三"),
        ("  张三 ", "张三"),
        ("\u00a0张三\u00a0", "张三"),  # NBSP
        ("\u3000张三\u3000", "张三"),  # ideographic space
        ("张\u200b三", "张三"),  # zero-width space
        ("ＡＢＣ１２３", "ABC123"),
        ("ｂｅｉｊｉｎｇ", "beijing"),
        ("John   Smith", "John Smith"),
        ("呼和浩特市，新城区、中山路", "呼和浩特市，新城区、中山路"),  # Chinese punctuation kept
        ("某医院（分院）", "某医院（分院）"),
        ("第一行\r\n  第二行  ", "第一行\n第二行"),
        ("a\tb", "a b"),
        ("", None),
        ("   ", None),
        (None, None),
        (123.0, "123"),
        (123, "123"),
        (1.5, "1.5"),
        (True, "TRUE"),
        (date(2024, 1, 5), "2024-01-05"),
        (datetime(2024, 1, 5), "2024-01-05"),
    ],
)
def test_text(raw: object, clean: str | None) -> None:
    assert text(raw) == clean


@given(st.text())
def test_text_is_idempotent_and_tidy(raw: str) -> None:
    once = text(raw)
    assert text(once) == once
    if once is not None:
        assert once == once.strip()
        assert "  " not in once
        assert "\u00a0" not in once and "\u3000" not in once


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        date(2024, 1, 5),
        datetime(2024, 1, 5, 10, 30),
        45296.0,  # Excel serial number (1900 system)
        45296,
        45296.75,
        "2024-01-05",
        "2024-1-5",
        "2024/1/5",
        "2024/01/05",
        "2024年1月5日",
        "2024 年 1 月 5 日",
        "2024.1.5",
        "2024.01.05",
        "20240105",
        20240105.0,
        "２０２４－０１－０５",
        "２０２４年１月５日",
        " 2024-01-05 ",
        "2024-01-05 00:00:00",
        "2024-01-05T08:00:00",
        "'2024-01-05",
    ],
)
def test_date_forms(raw: object) -> None:
    assert parse_date(raw) == date(2024, 1, 5)


@pytest.mark.parametrize("raw", ["1990-3", "1990年3月", "1990.03", "1990/3", "199003", 199003.0])
def test_month_precision(raw: object) -> None:
    found = parse_date(raw, allow_month=True)
    assert found == date(1990, 3, 1)
    assert isinstance(found, MonthDate)
    assert found.precision == "month"
    assert "完整的日期" in expected(parse_date(raw))


@pytest.mark.parametrize(
    "raw", ["2024-02-30", "2023-02-29", "2024年13月1日", "20241301", "20240230"]
)
def test_impossible_dates_are_refused(raw: str) -> None:
    assert "不存在" in expected(parse_date(raw))


def test_other_bad_dates() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert "年份" in expected(parse_date(1990.0))
    assert "年份" in expected(parse_date("1990"))
    assert "1900" in expected(parse_date("1850-01-01"))
    assert "1900" in expected(parse_date(date(1899, 12, 31)))
    assert "月份可能已丢失" in expected(parse_date(1990.1, allow_month=True))
    assert "日期" in expected(parse_date("明天"))
    assert "日期" in expected(parse_date("05/01/2024"))
    assert "日期" in expected(parse_date(5.0))
    assert "日期" in expected(parse_date(float("nan")))
    assert parse_date("") is None
    assert parse_date(None) is None
    assert parse_date("无") is None


def test_month_date_passes_through_only_where_allowed() -> None:
    assert parse_date(MonthDate(1990, 3, 1), allow_month=True) == date(1990, 3, 1)
    assert isinstance(parse_date(MonthDate(1990, 3, 1)), Invalid)


dates = st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31))


@given(dates)
def test_every_written_form_parses_back(day: date) -> None:
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}.{day.month}.{day.day}",
        f"{day:%Y%m%d}",
        day.isoformat().translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}),
        datetime(day.year, day.month, day.day, 13, 5),
    ]
    serial = (day - date(1899, 12, 30)).days
    if not 1900 <= serial <= 2099:  # those numbers are read as a bare year (1905 is implausible)
        forms.append(float(serial))
    for form in forms:
        assert parse_date(form) == day, form


@given(dates.map(lambda d: d.replace(day=1)))
def test_month_forms_parse_back(day: date) -> None:
    for form in (
        f"{day.year}-{day.month}",
        f"{day.year}年{day.month}月",
        f"{day:%Y.%m}",
        f"{day:%Y%m}",
    ):
        assert parse_date(form, allow_month=True) == day


@given(st.integers(1900, 2099), st.integers(1, 12), st.integers(29, 31))
def test_day_beyond_month_end_is_refused(year: int, month: int, day: int) -> None:
    try:
        date(year, month, day)
    except ValueError:
        assert isinstance(parse_date(f"{year}-{month}-{day}"), Invalid)
    else:
        assert parse_date(f"{year}-{month}-{day}") == date(year, month, day)


# --- ID numbers ----------------------------------------------------------------------------

VALID_ID = "11010519491231002X"


def test_id_numbers() -> None:
    assert id_number(VALID_ID) == VALID_ID
    assert id_number(VALID_ID.lower()) == VALID_ID
    assert id_number(" 110105 19491231 002x ") == VALID_ID
    assert id_number("１１０１０５１９４９１２３１００２Ｘ") == VALID_ID
    assert id_number("\u00a011010519491231002X\u3000") == VALID_ID
    assert id_number("'11010519491231002X") == VALID_ID
    assert id_number("") is None
    assert id_number(None) is None


@pytest.mark.parametrize(
    "raw", [1.50102199001011e17, 150102199001011234, "1.50102E+17", "1.50102e17"]
)
def test_numeric_id_is_refused_with_text_format_advice(raw: object) -> None:
    message = expected(id_number(raw))
    assert "末几位" in message and "文本格式" in message


def test_other_bad_ids() -> None:
    assert "15 位" in expected(id_number("110105491231002"))
    assert "15 位" in expected(id_number(110105491231002.0))
    assert "校验位" in expected(id_number("110105194912310021"))
    assert "18 位" in expected(id_number("11010519491231002"))
    assert "18 位" in expected(id_number("1101051949123100XX"))
    assert "18 位" in expected(id_number(date(2024, 1, 5)))


def test_numeric_id_message_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "en")
    message = expected(id_number(1.50102199001011e17))
    assert "last digits" in message and "text" in message


id_bodies = st.text("0123456789", min_size=17, max_size=17)


@given(id_bodies)
def test_id_check_digit_round_trip(body: str) -> None:
    from stdnum.cn import ric

    full = body + id_check_digit(body)
    assert is_valid_id_number(full)
    assert id_number(full) == full
    assert id_number(full.lower()) == full
    assert ric.calc_check_digit(full) == full[-1]


@given(id_bodies, st.sampled_from("0123456789X"))
def test_wrong_id_check_digit_is_refused(body: str, digit: str) -> None:
    if digit == id_check_digit(body):
        return
    assert not is_valid_id_number(body + digit)
    assert "校验位" in expected(id_number(body + digit))


# --- credit codes --------------------------------------------------------------------------

# GB 32100: registration authority, organisation type, a six-digit division code, then
# nine characters of the alphabet.
credit_bodies = st.tuples(
    st.text(CREDIT_CODE_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(credit_bodies)
def test_credit_code_round_trip(body: str) -> None:
    from stdnum.cn import uscc

    full = body + credit_code_check_char(body)
    assert is_valid_credit_code(full)
    assert credit_code(full) == full
    assert credit_code(full.lower()) == full
    assert uscc.calc_check_digit(body) == full[-1]


@given(credit_bodies, st.sampled_from(CREDIT_CODE_ALPHABET))
def test_wrong_credit_code_check_is_refused(body: str, char: str) -> None:
    if char == credit_code_check_char(body):
        return
    assert not is_valid_credit_code(body + char)
    assert "校验位" in expected(credit_code(body + char))


def test_credit_code_shapes() -> None:
    assert credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert "18 位" in expected(credit_code("91350100M000100Y4"))
    assert "18 位" in expected(credit_code("91350100M000100I43"))  # I is not in the alphabet
    assert "18 位" in expected(credit_code("91A50100M000100Y43"))  # the division code is digits
    assert "18 位" in expected(credit_code(12345.0))
    assert credit_code("无") is None


# --- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("13812345678", "13812345678"),
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0471-1234567", "0471-1234567"),
        ("0471 1234567", "0471-1234567"),
        ("(0471)1234567", "0471-1234567"),
        ("（0471）1234567", "0471-1234567"),
        ("04711234567", "0471-1234567"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("0471-1234567-8001", "0471-1234567-8001"),
        ("0471-1234567转8001", "0471-1234567-8001"),
        (4711234567.0, "0471-1234567"),  # Excel dropped the leading zero
        ("", None),
        ("无", None),
    ],
)
def test_phones(raw: object, clean: str | None) -> None:
    assert phone(raw) == clean


@pytest.mark.parametrize(
    "raw", ["12345", "1381234567", "23812345678", "6961234", 138.5, "abc", True]
)
def test_bad_phones(raw: object) -> None:
    assert "手机号" in expected(phone(raw))


# --- amounts and integers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("１２３４．５", Decimal("1234.50")),
        ("1，234.5", Decimal("1234.50")),
        ("300元", Decimal("300.00")),
        ("￥300", Decimal("300.00")),
        ("¥1,000", Decimal("1000.00")),
        ("12.5万元", Decimal("125000.00")),
        ("3万", Decimal("30000.00")),
        (1234.5, Decimal("1234.50")),
        (0.1 + 0.2, Decimal("0.30")),
        (100, Decimal("100.00")),
        ("0", Decimal("0.00")),
        (Decimal("2.34"), Decimal("2.34")),
        ("1.2345万", Decimal("12345.00")),
        ("", None),
        ("无", None),
        ("-", None),
    ],
)
def test_decimals(raw: object, clean: Decimal | None) -> None:
    assert decimal(raw) == clean


def test_bad_decimals() -> None:
    assert "负数" in expected(decimal("-5"))
    assert "负数" in expected(decimal(-5.0))
    assert "负数" in expected(decimal(-5))
    assert "金额" in expected(decimal("abc"))
    assert "金额" in expected(decimal("1.2.3"))
    assert "金额" in expected(decimal(float("inf")))
    assert "金额" in expected(decimal(True))
    # More than two decimals is refused, as ``lead log`` refuses it, not rounded.
    assert "金额" in expected(decimal("12.345"))
    assert "金额" in expected(decimal(12.345))
    assert "金额" in expected(decimal(Decimal("2.345")))


def test_integers() -> None:
    assert integer("1,234") == 1234
    assert integer("１２") == 12
    assert integer(12.0) == 12
    assert integer(-3) == -3
    assert "整数" in expected(integer(1.5))
    assert "整数" in expected(integer("1.5"))
    assert integer("") is None


# --- lists, e-mail, interests --------------------------------------------------------------


def test_split_items() -> None:
    assert split_items("人大代表、政协委员,专家学者；人大代表") == (
        "人大代表",
        "政协委员",
        "专家学者",
    )
    assert split_items("A1，B2;C3/D4\nE1") == ("A1", "B2", "C3", "D4", "E1")
    assert split_items(" 、 A1 、、 ") == ("A1",)
    assert split_items("") == ()
    label = "虚构医药服务、伪造文书票据"
    assert split_items(f"{label}、A2", protected=(label,)) == (label, "A2")
    assert split_items(f"{label}、A2") == ("虚构医药服务", "伪造文书票据", "A2")


def test_codes_and_multi_columns() -> None:
    codes = ColumnSpec(
        "items", "问题类别", kind="codes", multi=True, choices=("A1", "虚构医药服务、伪造文书票据")
    )
    assert normalise("A1、虚构医药服务、伪造文书票据", codes) == (
        "A1",
        "虚构医药服务、伪造文书票据",
    )
    assert normalise("", codes) is None
    ids = ColumnSpec("participants", "参加人员身份证号", kind="id_number", multi=True)
    assert normalise(f"{VALID_ID.lower()}、{VALID_ID}", ids) == (VALID_ID,)
    bad = normalise(f"{VALID_ID}、110105194912310021", ids)
    assert "110105194912310021" in expected(bad) and "校验位" in expected(bad)


def test_email() -> None:
    assert email("name@example.com") == "name@example.com"
    assert email(" name＠example.com ") == "name@example.com"
    assert "邮箱" in expected(email("name@example"))
    assert "邮箱" in expected(email("name example.com"))


def test_interests() -> None:
    code = "91350100M000100Y43"
    assert interests(f"某某医院({code})；某药店（{code.lower()}）") == (
        Interest("某某医院", code),
        Interest("某药店", code),
    )
    assert interests("某某医院（分院）") == (Interest("某某医院（分院）", None),)
    assert interests(f"某某医院 {code}") == (Interest("某某医院", code),)
    assert interests("无") is None
    bad = interests("某某医院(91350100M000100Y44)")
    assert "校验位" in expected(bad)
    assert str(Interest("某某医院", code)) == f"某某医院({code})"


# --- headers and messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "身份证号码",
        " 身份证号码 ",
        "身份证号码*",
        "*身份证号码",
        "身份证号码＊",
        "身份 证号码",
        "身份证号码（必填）",
        "身份证号码(必填)",
        "身份证\n号码",
        "\u00a0身份证号码\u3000",
    ],
)
def test_header_variants(raw: str) -> None:
    assert normalise_header(raw) == normalise_header("身份证号码")


def test_header_case_and_width() -> None:
    assert (
        normalise_header("E-MAIL") == normalise_header("e-mail") == normalise_header("Ｅ－ｍａｉｌ")
    )
    assert normalise_header("涉及金额（元）") == normalise_header("涉及金额(元)")


header_noise = st.lists(st.sampled_from([" ", "\u3000", "\u00a0", "\n"]), max_size=3).map("".join)


@settings(max_examples=200)
@given(
    st.sampled_from([name for spec in SUPERVISOR_COLUMNS for name in spec.names()]),
    header_noise,
    header_noise,
    st.sampled_from(["", "*", "＊", "（必填）"]),
)
def test_header_matching_ignores_noise(name: str, before: str, after: str, mark: str) -> None:
    assert normalise_header(before + name + after + mark) == normalise_header(name)


def test_display_value_shows_what_excel_shows() -> None:
    assert display_value(1.50102199001011e17) == "1.50102E+17"
    assert display_value(13812345678.0) == "13812345678"
    assert display_value(12.0) == "12"
    assert display_value(date(2024, 1, 5)) == "2024-01-05"
    assert display_value("x" * 100).endswith("…")


def test_invalid_values_compare_and_stay_shared() -> None:
    assert id_number("110105194912310021") is id_number("110105194912310022")
    assert Invalid("a", x=1) == Invalid("a", x=1)
    assert Invalid("a", x=1) != Invalid("a", x=2)


def test_serial_dates_past_1900_leap_bug() -> None:
    assert parse_date(61.0) == date(1900, 3, 1)
    assert isinstance(parse_date(60.0), Invalid)  # Excel's phantom 1900-02-29
    assert parse_date(float((date(2099, 12, 31) - date(1899, 12, 30)).days)) == date(2099, 12, 31)
    assert isinstance(
        parse_date(float((date(2099, 12, 31) - date(1899, 12, 30) + timedelta(1)).days)), Invalid
    )


def test_interest_names_that_look_like_codes() -> None:
    assert interests("PharmacyCompanyLtd") == (Interest("PharmacyCompanyLtd", None),)
    assert interests("91350100M000100Y43") == (Interest(None, "91350100M000100Y43"),)
