"""Formula.evaluate_series (whole series at a time) gives exactly what Formula.evaluate gives position by position."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goals.formulas import EvaluationError, parse

FORMULAS = [
    "a",
    "-a",
    "a + b",
    "a - b",
    "a * b",
    "a / b",
    "a / b * 100",
    "(a + b) / 2",
    "a * b - c",
    "a / (b - c)",
    "-(a - b) * -c",
    "a + b + c + a",
    "2 * a + 0.5 * b - c / 4",
    "a * 0",
    "a / 0",
    "100",
    "(1 - a) * (b + 3) / c",
]

# Zeros of both signs and several exponents, negatives, long and huge values: what rounding and signs turn on.
VALUES = [
    Decimal(0),
    Decimal("-0"),
    Decimal("0.000000"),
    Decimal(1),
    Decimal("-1"),
    Decimal("1E+2"),
    Decimal("100.000000"),
    Decimal("0.1"),
    Decimal("3"),
    Decimal("-2.5"),
    Decimal("123456789.123456"),
    Decimal("0.333333333333333333333333333333333"),
    Decimal("9.99E+999990"),
    Decimal("1E-999990"),
]


def one_by_one(formula, series, length):
    """What evaluate gives at each position: the value, or the exception's type."""
    result = []
    for k in range(length):
        try:
            result.append(formula.evaluate({code: values[k] for code, values in zip("abc", series, strict=False)}))
        except EvaluationError as error:
            result.append(type(error))
    return result


@settings(max_examples=300, deadline=None)
@given(
    text=st.sampled_from(FORMULAS),
    columns=st.lists(st.tuples(*[st.sampled_from(VALUES)] * 3), min_size=0, max_size=12),
)
def test_series_equal_positions_digit_for_digit(text, columns):
    formula = parse(text)
    by_code = dict(zip("abc", zip(*columns, strict=True), strict=False)) if columns else {}
    series = [list(by_code.get(code, ())) for code in formula.references]
    expected = one_by_one(formula, series, len(columns))
    got = formula.evaluate_series(series, len(columns))
    if got is None:  # only when a position would raise: the caller then goes position by position
        assert any(isinstance(item, type) for item in expected)
    else:
        assert [repr(item) for item in got] == [repr(item) for item in expected]


@pytest.mark.parametrize(
    "text, a, b, expected",
    [
        ("a * b", [Decimal(2), Decimal("-0")], [Decimal(3), Decimal(5)], ["6", "0"]),
        ("a - b", [Decimal("1.0")], [Decimal("1.00")], ["0.00"]),
        ("a / b", [Decimal(1)], [Decimal(3)], ["0.3333333333333333333333333333333333"]),
    ],
)
def test_series_keep_exponents_and_never_give_a_negative_zero(text, a, b, expected):
    assert [str(value) for value in parse(text).evaluate_series([a, b], len(a))] == expected


def test_a_zero_divisor_or_an_overflow_anywhere_hands_back_to_position_by_position():
    assert parse("a / b").evaluate_series([[Decimal(1), Decimal(1)], [Decimal(1), Decimal(0)]], 2) is None
    huge = Decimal("9E+999999")
    assert parse("a * b").evaluate_series([[huge], [huge]], 1) is None
    assert parse("100").evaluate_series([], 3) == [Decimal(100)] * 3
