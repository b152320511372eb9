"""The number formatting's fast paths give exactly what the code before them gave, for any input.

tests/goals/formatting_oracle.py keeps that code word for word. Every public formatting function, every number
filter and the helpers the dashboard rows call with the language looked up once are compared with it on values
of every shape (realistic figures as the database keeps them, computed ones with many decimals, integral values
with positive exponents, negative numbers, -0, tiny and huge ones, the bound and its neighbours, NaN, infinities,
ints, floats, strings, None) in every unit and both languages, also under a caller's odd Decimal context: the same
text and the same type (str or SafeString, which the dashboard rows escape differently), or the same exception.
"""

import decimal
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from goals import formatting
from goals.templatetags import goaltree
from metrics import ranking
from metrics.templatetags import progress_tags
from tests.goals import formatting_oracle as oracle

UNITS = ["円", "件", "%", "人", "", "yen", "kg", "¥", "JPY", "回", "万円", "％", "<b>&"]
LANGUAGES = ["ja", "en"]
PLACES = [None, 0, 1, 2, 6]

# Decimals of every shape: any sign, 1 to 40 digits, exponents near the usual ones and far from them.
built = st.builds(
    lambda negative, digits, exponent: Decimal((int(negative), tuple(digits), exponent)),
    st.booleans(),
    st.lists(st.integers(0, 9), min_size=1, max_size=40),
    st.one_of(st.integers(-12, 12), st.integers(-2000, 2000)),
)
# What the database and the engine give: 6 decimal places (integral or not), within the bound or just beyond it.
stored = st.builds(
    lambda units, negative: Decimal(-units if negative else units).scaleb(-6),
    st.integers(0, 10**22),
    st.booleans(),
)
# Computed figures: quotients with many decimals.
computed = st.builds(
    lambda a, b: Decimal(a) / Decimal(b),
    st.integers(-(10**16), 10**16),
    st.integers(1, 10**7),
)
SPECIAL = [
    Decimal("0"),
    Decimal("-0"),
    Decimal("0.000000"),
    Decimal("-0.000000"),
    Decimal("0E+5"),
    Decimal("-0E+5"),
    Decimal("0E-2000"),
    Decimal("-0E+1001"),
    Decimal("0E+1001"),
    Decimal("-0E-1001"),
    Decimal("-0E+1000"),
    Decimal("1.2E+3"),
    Decimal("-1.2E+3"),
    Decimal("1E+14"),
    Decimal("1E+15"),
    Decimal("-1E+15"),
    Decimal("999999999999999"),
    Decimal("999999999999999.4"),
    Decimal("999999999999999.5"),
    Decimal("-999999999999999.5"),
    Decimal("999999999999999.9999995"),
    Decimal("99999999.5"),
    Decimal("9999.995"),
    Decimal("9999.5"),
    Decimal("0.0000005"),
    Decimal("-0.0000005"),
    Decimal("0.00000049"),
    Decimal("-0.0000001"),
    Decimal("1.0000000"),
    Decimal("1.0000004"),
    Decimal("1.123456789"),
    Decimal("-0.04"),
    Decimal("-0.05"),
    Decimal("0.05"),
    Decimal("0.005"),
    Decimal("-0.005"),
    Decimal("12.5"),
    Decimal("98.5"),
    Decimal("1234567.000000"),
    Decimal("12.345678"),
    Decimal("-12.345678"),
    Decimal("4.615385"),
    Decimal("1E-999999"),
    Decimal("1E+999999"),
    Decimal("1E+1000"),
    Decimal("1E+1001"),
    Decimal("1E-1000"),
    Decimal("1E-1001"),
    Decimal("1" * 70),
    Decimal("0." + "9" * 70),
    Decimal("9999." + "9" * 70),
    Decimal("NaN"),
    Decimal("-NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    None,
    True,
    False,
    0,
    -5,
    1234,
    10**15,
    -(10**15) + 1,
    10**20,
    1.5,
    float("nan"),
    float("inf"),
    "",
    " 12.5 ",
    "1234567",
    "-0",
    "1e3",
    "abc",
    "1,234",
    "NaN",
    "Infinity",
    [],
]
any_value = st.one_of(
    st.sampled_from(SPECIAL),
    built,
    stored,
    computed,
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(-(10**17), 10**17),
    st.text(max_size=8),
)


def _call(function, *args):
    try:
        result = function(*args)
    except Exception as error:  # noqa: BLE001 (the same failure, where the code before failed)
        return ("raised", type(error))
    return ("ok", type(result), result)


def _same(new, old, *args, language):
    with translation.override(language):
        got, expected = _call(new, *args), _call(old, *args)
    assert got == expected, (new, args, language)


def _ja(language):
    with translation.override(language):
        return formatting._is_ja()


def _signed_headline_oracle(value, unit):
    """The code before, except that a NaN is missing ("") instead of raising on `value > 0`, fixed since."""
    if isinstance(value, Decimal) and value.is_nan():
        return ""
    return oracle.signed_headline(value, unit)


def test_signed_headline_of_a_nan_is_missing():
    assert ranking.signed_headline(Decimal("NaN"), "円") == ""
    assert ranking.signed_headline(Decimal("sNaN"), "") == ""


# (new, oracle, takes a unit)
FUNCTIONS = [
    (formatting.plain, oracle.plain, False),
    (formatting.grouped, oracle.grouped, False),
    (formatting.percent, oracle.percent, False),
    (formatting.number, oracle.number, True),
    (formatting.headline, oracle.headline, True),
    (goaltree.num, oracle.num, True),
    (goaltree.headline, oracle.headline_filter, True),
    (goaltree.pct, oracle.pct, False),
    (goaltree.plain, oracle.plain_filter, False),
    (goaltree.rounded, oracle.rounded, True),
    (progress_tags.figure, oracle.figure, True),
    (progress_tags.cell, oracle.cell, True),
    (progress_tags.signed_impact, oracle.signed_impact, True),
    (progress_tags.signed_pct, oracle.signed_pct, False),
    (progress_tags.r_value, oracle.r_value, False),
    (ranking.signed_headline, lambda value, unit: _signed_headline_oracle(value, unit), True),
    (goaltree.missing, oracle.missing, False),
]
WITH_PLACES = [
    (formatting.grouped, oracle.grouped),
    (formatting.percent, oracle.percent),
]


def _compare_all(value, unit, language):
    for new, old, takes_unit in FUNCTIONS:
        _same(new, old, *((value, unit) if takes_unit else (value,)), language=language)
    for places in PLACES:
        _same(formatting.number, oracle.number, value, unit, places, language=language)
        for new, old in WITH_PLACES:
            _same(new, old, value, places, language=language)


def _compare_in_context(value, unit, language):
    """The filters' forms the dashboard rows call (metrics.templatetags.dashboard_tags), in the display context as
    the rows' tags run them, with the language given once per tag and not."""
    ja = _ja(language)
    with translation.override(language):
        for given_ja in (ja, None):
            got = _call(formatting.own_context(progress_tags.figure_in_context), value, unit, given_ja)
            assert got == _call(oracle.figure, value, unit)
            got = _call(formatting.own_context(progress_tags.signed_impact_in_context), value, unit, given_ja)
            assert got == _call(oracle.signed_impact, value, unit)
        got = _call(formatting.own_context(progress_tags.cell_in_context), value, unit)
        assert got == _call(oracle.cell, value, unit)
        assert _call(formatting.own_context(goaltree.pct_in_context), value) == _call(oracle.pct, value)
        got = _call(formatting.own_context(progress_tags.signed_pct_in_context), value)
        assert got == _call(oracle.signed_pct, value)


def _compare_finite(value, unit, language):
    """The helpers for a finite Decimal, with the language given (as the dashboard rows give it) and not."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return
    ja = _ja(language)
    with translation.override(language), decimal.localcontext(formatting._DISPLAY):  # their callers' context
        for given_ja in (ja, None):
            assert _call(formatting.finite_number, value, unit, None, given_ja) == _call(oracle.number, value, unit)
            assert _call(formatting.finite_headline, value, unit, given_ja) == _call(oracle.headline, value, unit)
        for places in PLACES:
            assert _call(formatting.finite_grouped, value, places) == _call(oracle.grouped, value, places)
            assert _call(formatting.finite_number, value, unit, places, ja) == _call(
                oracle.number, value, unit, places
            )
        assert _call(formatting.finite_plain, value) == _call(oracle.plain, value)
        assert _call(formatting.finite_percent, value) == _call(oracle.percent, value)
        if abs(value) < 10**15:
            for whole_counts in (True, False):
                got = formatting.summary_value(value, unit, whole_counts)
                expected = oracle.summary_value(value, unit, whole_counts)
                assert (got, str(got)) == (expected, str(expected))  # the same value and the same exponent


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("unit", UNITS)
def test_every_special_value_in_every_unit_and_language(unit, language):
    for value in SPECIAL:
        _compare_all(value, unit, language)
        _compare_in_context(value, unit, language)
        _compare_finite(value, unit, language)


@settings(max_examples=400, deadline=None)
@given(value=any_value, unit=st.sampled_from(UNITS), language=st.sampled_from(LANGUAGES))
@example(value=Decimal("1.2E+3"), unit="円", language="en")
@example(value=Decimal("-0.0000004"), unit="", language="ja")
def test_the_fast_paths_write_what_the_code_before_them_wrote(value, unit, language):
    _compare_all(value, unit, language)
    _compare_in_context(value, unit, language)
    _compare_finite(value, unit, language)


@settings(max_examples=100, deadline=None)
@given(value=any_value, unit=st.sampled_from(UNITS), language=st.sampled_from(LANGUAGES))
def test_and_so_under_a_callers_odd_decimal_context(value, unit, language):
    odd = decimal.Context(prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact, decimal.Rounded])
    with decimal.localcontext(odd):
        _compare_all(value, unit, language)
        _compare_in_context(value, unit, language)


@pytest.mark.parametrize(
    "reason",
    [None, "", "No target yet", "<b>&\"'</b>", mark_safe("<b>safe</b>"), gettext_lazy("No data"), 0, 5, Decimal(1)],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_muted_dash_is_what_format_html_made(reason, language):
    with translation.override(language):
        got, expected = goaltree.missing(reason), oracle.missing(reason)
    assert (type(got), got) == (type(expected), expected)


@pytest.mark.parametrize("language", LANGUAGES)
def test_week_labels_with_the_language_given(language):
    ja = _ja(language)
    with translation.override(language):
        for week in (date(2026, 6, 29), date(2000, 1, 3), date(2100, 12, 27)):
            assert formatting.week_label(week, ja) == formatting.week_label(week) == oracle.week_label(week)
