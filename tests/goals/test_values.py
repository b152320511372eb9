from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from goals.formatting import grouped
from goals.values import ValueParseError, format_value, parse_value


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        # Every form docs/numbers.md "Input that people type" lists.
        ("1234", "件", Decimal("1234")),
        ("1,234", "件", Decimal("1234")),
        ("１２３４", "件", Decimal("1234")),
        ("１，２３４", "件", Decimal("1234")),
        ("¥1,234", "円", Decimal("1234")),
        ("￥1,234", "円", Decimal("1234")),
        ("1,234円", "円", Decimal("1234")),
        ("12.5%", "%", Decimal("12.5")),
        ("12.5％", "%", Decimal("12.5")),
        (" 1234 ", "件", Decimal("1234")),
        ("\u30001234\u3000", "件", Decimal("1234")),
        ("\t1,234\n", "件", Decimal("1234")),
        ("-5", "件", Decimal("-5")),
        ("−5", "件", Decimal("-5")),
        ("－5", "件", Decimal("-5")),
        ("－１，２３４．５", "件", Decimal("-1234.5")),
        ("１２．５", "%", Decimal("12.5")),
        # Decided here (module docstring).
        ("-¥1,234", "円", Decimal("-1234")),
        ("¥-1,234", "円", Decimal("-1234")),
        ("1,234 円", "円", Decimal("1234")),
        ("12.5 %", "%", Decimal("12.5")),
        ("¥1,234", "", Decimal("1234")),
        ("0.125", "%", Decimal("0.125")),
        ("1,234,567.123456", "件", Decimal("1234567.123456")),
        ("123456789012345", "件", Decimal("123456789012345")),
        ("0.000001", "件", Decimal("0.000001")),
        ("1.5000000", "件", Decimal("1.5")),
        ("0012", "件", Decimal("12")),
        ("0", "件", Decimal("0")),
    ],
)
def test_it_reads_what_people_type(text, unit, expected):
    value = parse_value(text, unit)
    assert value == expected
    assert isinstance(value, Decimal)
    assert str(value) == str(expected)  # exact: no stray places or exponent


def test_minus_zero_is_zero():
    value = parse_value("-0", "件")
    assert value == 0
    assert not value.is_signed()


@pytest.mark.parametrize("text", ["", " ", "\u3000", "\u3000 \t", None])
def test_blank_means_missing(text):
    assert parse_value(text, "件") is None


REFUSED = [
    "abc",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "1e400",
    "1E3",
    "1 2",
    "1 234",
    "120〜130",
    "120-130",
    "1.2.3",
    "😀",
    "12😀",
    "１２O",
    ",",
    "-",
    "－",
    "--5",
    "+5",
    ".5",
    "5.",
    "(1,234)",
    "△1,234",
    "¥1,234円",
    "١٢٣",  # Arabic-Indic digits: Python's Decimal would read them
    "0x10",
    "1_000",
]


@pytest.mark.parametrize("text", REFUSED)
def test_it_refuses_anything_else(text):
    with translation.override("en"), pytest.raises(ValueParseError) as caught:
        parse_value(text, "件")
    assert caught.value.message == f'"{text}" is not a number. Enter one number, such as 120.'
    assert isinstance(caught.value, ValueError)
    assert caught.value.text == text


@pytest.mark.parametrize("text", ["1,23", "1,2,3", "12,34,567", "1,2345", "1,234,"])
def test_commas_go_between_groups_of_three(text):
    with translation.override("en"), pytest.raises(ValueParseError) as caught:
        parse_value(text, "件")
    assert caught.value.message == (
        f'"{text}" has a comma in the wrong place. Put commas between groups of three digits, such as 1,234, '
        "or leave them out."
    )


@pytest.mark.parametrize(
    "text", ["1234567890123456", "1234567890.123456", "-1234567890123456", "１２３４５６７８９０１２３４５６"]
)
def test_it_refuses_more_than_15_significant_digits(text):
    with translation.override("en"), pytest.raises(ValueParseError) as caught:
        parse_value(text, "件")
    assert "more than 15 digits" in caught.value.message


def test_it_refuses_more_than_6_decimal_places_and_says_so():
    with translation.override("en"), pytest.raises(ValueParseError) as caught:
        parse_value("0.1234567", "件")
    assert caught.value.message == (
        '"0.1234567" has more than 6 decimal places. Round it to 6 places or fewer, such as 0.123457.'
    )


@pytest.mark.parametrize("unit", ["件", "", "円", "sessions"])
def test_a_percent_sign_is_refused_for_a_unit_that_is_not_percent(unit):
    with translation.override("en"), pytest.raises(ValueParseError) as caught:
        parse_value("12.5%", unit)
    assert caught.value.message == (
        '"12.5%" is a percentage, but this number is not counted in %. Enter it without %, such as 120.'
    )


@pytest.mark.parametrize("unit", ["件", "万円", "%"])
def test_yen_signs_are_refused_for_a_unit_that_is_not_yen(unit):
    with translation.override("en"), pytest.raises(ValueParseError) as caught:
        parse_value("1,234円", unit)
    assert caught.value.message == (
        f'"1,234円" is in yen, but this number is counted in {unit}. Enter it without ¥ or 円, such as 120.'
    )


def test_a_long_paste_is_cut_in_the_message():
    text = "x" * 500
    with translation.override("en"), pytest.raises(ValueParseError) as caught:
        parse_value(text, "件")
    assert len(caught.value.message) < 120
    assert caught.value.text == text


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_message_quotes_what_was_typed_in_both_languages(language):
    with translation.override(language), pytest.raises(ValueParseError) as caught:
        parse_value("120〜130", "件")
    assert "120〜130" in caught.value.message


def test_the_japanese_message_follows_the_ui_guide():
    with translation.override("ja"):
        if translation.gettext('"%(text)s" is not a number. Enter one number, such as 120.').startswith('"'):
            pytest.skip("the Japanese catalogue does not hold locale/fragments/imports.po yet")
        with pytest.raises(ValueParseError) as caught:
            parse_value("120〜130", "件")
    assert caught.value.message == "「120〜130」は数値として読み取れません。120のように入力してください。"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (Decimal("12.500000"), "12.5"),
        (Decimal("1000"), "1000"),
        (Decimal("1000.000000"), "1000"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-1234.500000"), "-1234.5"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("-0.000000"), "0"),
        (Decimal("123456789012345"), "123456789012345"),
    ],
)
def test_format_value_writes_raw_digits(value, expected):
    assert format_value(value, "件") == expected


@pytest.mark.parametrize("unit", ["件", "%", "円", ""])
@pytest.mark.parametrize("text", ["1234", "-0.5", "12.5", "0.000001", "123456789012345", "99999999.999999"])
def test_format_value_round_trips(text, unit):
    value = parse_value(text, unit)
    assert parse_value(format_value(value, unit), unit) == value


decimals = st.decimals(
    min_value=Decimal("-999999999.999999"), max_value=Decimal("999999999.999999"), places=6, allow_nan=False
)


@given(decimals)
def test_every_storable_value_round_trips_through_an_input(value):
    assert parse_value(format_value(value, "件"), "件") == value


@given(decimals)
def test_what_the_tables_show_reads_back(value):
    """A figure copied from a table (commas per 3 digits) pastes back as the same number."""
    assert parse_value(grouped(value), "件") == value


@given(st.text(max_size=30))
def test_any_text_is_a_number_missing_or_a_clear_refusal(text):
    try:
        value = parse_value(text, "件")
    except ValueParseError as exc:
        assert exc.message
    else:
        assert value is None or value.is_finite()
