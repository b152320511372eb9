"""Formatting never fails, for any Decimal: huge, tiny, NaN, infinities, negative zero, many decimals.

docs/numbers.md "Bounds": a figure of 10^15 or more (or infinite) is shown as too large to show, NaN as missing.
"""

import decimal
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from goals import formatting
from goals.bounds import LIMIT, storable, within
from goals.templatetags import goaltree
from metrics.templatetags import initiative_tags, progress_tags

UNITS = ["", "円", "%", "件", "¥", "万円", "sessions"]

# Any Decimal: finite ones of every size and precision, NaN (quiet and signalling) and both infinities.
any_decimal = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.builds(
        lambda digits, exponent, negative: Decimal((int(negative), tuple(digits), exponent)),
        st.lists(st.integers(0, 9), min_size=1, max_size=60),
        st.integers(-2000, 2000),
        st.booleans(),
    ),
    st.sampled_from(
        [Decimal("sNaN"), Decimal("-0"), Decimal("-0.000000"), Decimal("1E+999999"), Decimal("1E-999999")]
    ),
)

STRING_FUNCTIONS = [
    lambda value, unit: formatting.number(value, unit),
    lambda value, unit: formatting.number(value, unit, places=2),
    lambda value, unit: formatting.headline(value, unit),
    lambda value, unit: formatting.percent(value),
    lambda value, unit: formatting.grouped(value),
    lambda value, unit: formatting.grouped(value, 1),
    lambda value, unit: formatting.plain(value),
]
FILTERS = [
    goaltree.num,
    goaltree.headline,
    lambda value, unit: goaltree.pct(value),
    lambda value, unit: goaltree.plain(value),
    goaltree.rounded,
    progress_tags.figure,
    progress_tags.cell,
    lambda value, unit: progress_tags.signed_pct(value),
    lambda value, unit: progress_tags.r_value(value),
    lambda value, unit: progress_tags.bar_width(value),
    initiative_tags.mean,
    initiative_tags.delta,
    initiative_tags.cost_per_unit,
    lambda value, unit: initiative_tags.yen(value),
]


@settings(max_examples=300, deadline=None)
@given(value=any_decimal, unit=st.sampled_from(UNITS), language=st.sampled_from(["ja", "en"]))
@example(value=Decimal("999999999999999999999999999999"), unit="円", language="ja")
@example(value=Decimal("1E+15"), unit="%", language="en")
@example(value=Decimal("-1E-30"), unit="円", language="en")
def test_no_formatting_function_or_filter_fails_for_any_decimal(value, unit, language):
    with translation.override(language):
        for function in STRING_FUNCTIONS + FILTERS:
            text = str(function(value, unit))
            assert isinstance(text, str)
            assert "NaN" not in text and "Infinity" not in text


@settings(max_examples=200, deadline=None)
@given(value=any_decimal, unit=st.sampled_from(UNITS))
def test_a_figure_beyond_the_bound_reads_too_large_to_show_and_one_within_it_never_does(value, unit):
    with translation.override("en"):
        shown = formatting.number(value, unit)
        if value.is_nan():
            assert shown == ""
        elif not value.is_finite() or abs(value) >= LIMIT:
            assert shown == "too large to show"
            assert "too large to show" in goaltree.num(value, unit)
            assert 'class="missing"' in goaltree.num(value, unit)
        else:
            assert shown != "too large to show"
            assert "E" not in shown.replace("JPY", "")  # digits, never an exponent


@settings(max_examples=200, deadline=None)
@given(value=any_decimal)
def test_formatting_ignores_the_callers_decimal_context(value):
    with translation.override("en"), decimal.localcontext(prec=3, traps=[decimal.Inexact, decimal.Rounded]):
        assert formatting.number(value, "円") is not None
        assert goaltree.rounded(value, "件") is not None


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("999999999999999"), "円", "¥999,999,999,999,999"),
        (Decimal("1E+15"), "円", "too large to show"),
        (Decimal("-1E+15"), "", "too large to show"),
        (Decimal("Infinity"), "%", "too large to show"),
        (Decimal("NaN"), "円", ""),
        (Decimal("-0"), "件", "0 件"),
        (Decimal("-0.0000001"), "件", "0 件"),  # at most 6 decimal places in a table
        (Decimal("0.0000005"), "", "0.000001"),  # half up
        (Decimal("1.123456789"), "", "1.123457"),
        (Decimal("-0.04"), "%", "0.0%"),  # never -0.0%
        (Decimal("12.5"), "%", "12.5%"),
    ],
)
def test_numbers_as_written_in_english(value, unit, expected):
    with translation.override("en"):
        assert formatting.number(value, unit) == expected


def test_headlines_and_percentages_beyond_the_bound():
    with translation.override("ja"):
        assert formatting.headline(Decimal("999999999999999"), "円") == "10000000億円"
        assert formatting.headline(Decimal("1E+15"), "円") == str(formatting.TOO_LARGE)
        assert formatting.percent(Decimal("1E+20")) == str(formatting.TOO_LARGE)
    with translation.override("en"):
        assert formatting.headline(Decimal("-999999999999999"), "円") == "-¥1000000B"


def test_plain_writes_every_digit_of_any_finite_number_for_files():
    assert formatting.plain(Decimal("1E+30")) == "1" + "0" * 30
    assert formatting.plain(Decimal("-0.000")) == "0"
    assert formatting.plain(Decimal("1234567890123456789012345678901234567890")) == (
        "1234567890123456789012345678901234567890"
    )
    assert formatting.plain(Decimal("Infinity")) == ""
    assert formatting.plain(Decimal("NaN")) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("123456789012.3456789"), Decimal("123456789012.346")),  # 15 significant digits
        (Decimal("0.12345678"), Decimal("0.123457")),  # 6 decimal places
        (Decimal("999999999999999.4"), Decimal("999999999999999")),
        (Decimal("999999999999999.5"), None),  # rounds to 10^15
        (Decimal("-0.0000001"), Decimal("0")),
        (Decimal("1E+15"), None),
        (Decimal("NaN"), None),
        (None, None),
    ],
)
def test_storable_rounds_to_what_a_target_can_be(value, expected):
    assert storable(value) == expected


def test_within_the_bound():
    assert within(Decimal("999999999999999.999999"))
    assert not within(Decimal("1E+15"))
    assert not within(Decimal("-Infinity"))
    assert not within(Decimal("sNaN"))
    assert not within(None)
    assert within(10**15 - 1) and not within(10**15)
