import contextlib
import decimal
import shutil
import subprocess
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from goals.formulas import (
    DivisionByZero,
    EvaluationError,
    Formula,
    FormulaError,
    MissingInput,
    NoSolution,
    Solution,
    check,
    parse,
    solve,
    solve_for,
    solve_is_exact,
    unused_children,
)

FRAGMENT = Path(__file__).resolve().parents[2] / "locale" / "fragments" / "formulas.po"
REVENUE_CHILDREN = {"deals": "受注件数", "avg_deal_size": "平均受注単価"}


pytestmark = pytest.mark.usefixtures("english")


def value(text, **values):
    return parse(text).evaluate({code: Decimal(v) for code, v in values.items()})


def refused(text):
    with pytest.raises(FormulaError) as caught:
        parse(text)
    return caught.value


# Evaluation


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a + b", "8"),
        ("a - b", "2"),
        ("a * b", "15"),
        ("a / b", "1.666666666666666666666666666666667"),
        ("b - a", "-2"),
    ],
)
def test_every_operator(text, expected):
    assert value(text, a=5, b=3) == Decimal(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a + b * c", 1 + 2 * 3),
        ("a * b + c", 1 * 2 + 3),
        ("(a + b) * c", (1 + 2) * 3),
        ("a - b - c", 1 - 2 - 3),
        ("a - (b - c)", 1 - (2 - 3)),
        ("c * b / a", 3 * 2 / 1),
        ("((a))", 1),
    ],
)
def test_precedence_and_left_associativity(text, expected):
    assert value(text, a=1, b=2, c=3) == expected


def test_division_is_left_associative():
    assert value("a / b / c", a=24, b=4, c=2) == 3
    assert value("a / (b / c)", a=24, b=4, c=2) == 12


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-a", -5),
        ("- -a", 5),
        ("--a", 5),
        ("a * -b", -15),
        ("-a * b", -15),
        ("a - -b", 8),
        ("-(a + b)", -8),
        ("2 - -3", 5),
    ],
)
def test_unary_minus(text, expected):
    assert value(text, a=5, b=3) == expected


def test_whitespace_and_newlines_are_ignored():
    assert value("  deals\n*\tavg_deal_size\r\n", deals=240, avg_deal_size=500000) == 120000000
    assert value("deals\u3000*\u3000avg_deal_size", deals=2, avg_deal_size=3) == 6


def test_numbers_with_decimals():
    assert value("0.5 * a + 1.25", a=3) == Decimal("2.75")
    assert value("100") == 100
    assert value("a * 0.000001", a=2) == Decimal("0.000002")


def test_evaluate_is_exact_decimal_arithmetic():
    result = value("a + b", a="0.1", b="0.2")
    assert isinstance(result, Decimal)
    assert result == Decimal("0.3")
    assert value("a * b", a="1234567.891", b="1000") == Decimal("1234567891")


def test_evaluate_uses_its_own_context():
    with decimal.localcontext() as context:
        context.prec = 5
        assert value("1 / 3") == Decimal("0.3333333333333333333333333333333333")
        assert decimal.getcontext().prec == 5


def test_negative_zero_comes_out_as_zero():
    result = value("-a", a=0)
    assert result == 0
    assert not result.is_signed()


def test_evaluate_refuses_floats():
    with pytest.raises(TypeError):
        parse("a").evaluate({"a": 0.1})


def test_references_in_order_of_first_appearance_without_duplicates():
    formula = parse("b + a * b - c + a")
    assert formula.references == ("b", "a", "c")
    assert parse("1 + 2").references == ()


def test_formula_keeps_its_text_and_compares_by_meaning():
    formula = parse("a+b")
    assert isinstance(formula, Formula)
    assert formula.text == "a+b"
    assert formula == parse(" a + ( b ) ")
    assert formula != parse("b + a")


# Missing values and division by zero


@pytest.mark.parametrize("values", [{"a": Decimal(1), "b": None}, {"a": Decimal(1)}])
def test_missing_input(values):
    with pytest.raises(MissingInput) as caught:
        parse("a + b").evaluate(values)
    assert caught.value.code == "b"
    assert isinstance(caught.value, EvaluationError)
    assert "b" in caught.value.message


def test_missing_input_even_where_it_would_not_count():
    with pytest.raises(MissingInput) as caught:
        parse("a * 0 + b").evaluate({"b": Decimal(1)})
    assert caught.value.code == "a"


def test_missing_is_reported_in_order_of_appearance():
    with pytest.raises(MissingInput) as caught:
        parse("c / b + a").evaluate({"a": Decimal(1)})
    assert caught.value.code == "c"


@pytest.mark.parametrize("text", ["a / b", "a / (b - b)", "0 / 0", "a / (b * 0)", "1 / -b"])
def test_division_by_zero(text):
    with pytest.raises(DivisionByZero) as caught:
        value(text, a=1, b=0)
    assert isinstance(caught.value, EvaluationError)
    assert not isinstance(caught.value, ZeroDivisionError | decimal.InvalidOperation)
    assert str(caught.value) == "division by zero"


def test_division_by_a_non_zero_result_is_fine():
    assert value("a / (b - 1)", a=6, b=4) == 2


# Syntax: what is refused and how it is explained


HOSTILE = [
    "__import__('os')",
    "__import__('os').system('ls')",
    "a.b",
    "a.__class__",
    "f(x)",
    "a (b)",
    "a[0]",
    "1e400",
    "1E5",
    "a ** 2",
    "a**b",
    "'deals'",
    '"deals"',
    "a; b",
    "lambda: 1",
    "a if b else c",
    "a and b",
    "a @ b",
    "a % b",
    "a // b",
    "a == b",
    "a, b",
    "{a}",
    "`a`",
    "a\\b",
    "\x00",
    "1_000",
    "0x10",
    "Infinity",
    "Deals",
    "売上 * 2",
    "１２",
    "+a",
    "a +",
    "a * * b",
    ")a(",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_refused(text):
    error = refused(text)
    assert isinstance(error, ValueError)
    assert error.message
    assert str(error) == error.message


def test_names_that_look_like_python_are_only_codes():
    # Lower-case words are codes; check() then refuses them because they are not children.
    assert parse("nan + inf").references == ("nan", "inf")
    with pytest.raises(FormulaError) as caught:
        check("nan + inf", REVENUE_CHILDREN, "売上")
    assert caught.value.fragment == "nan"


@pytest.mark.parametrize(
    "text, fragment, position, words",
    [
        ("deals $ avg", "$", 6, ["“$” at position 7 cannot be used in a formula", "+ - * /"]),
        ("a.b", ".", 1, ["“.” at position 2 cannot be used"]),
        ("a[0]", "[", 1, ["“[” at position 2"]),
        ("売上 * 2", "売上", 0, ["“売上” at position 1 cannot be used"]),
        ("__import__('os')", "__import__", 0, ["is not a code", "lower-case letters"]),
        ("Deals * 2", "Deals", 0, ["“Deals” at position 1 is not a code"]),
        ("1e400", "1e400", 0, ["“1e400” at position 1 is not a number", "0.5"]),
        ("a * 1.2.3", "1.2.3", 4, ["“1.2.3” at position 5 is not a number"]),
        ("a * 1.", "1.", 4, ["is not a number"]),
        ("a * .5", ".5", 4, ["is not a number"]),
        ("1234567890123456", "1234567890123456", 0, ["more than 15 digits"]),
        ("a ** 2", "**", 2, ["“**” at position 3", "Powers are not supported", "a * a"]),
        ("f(x)", "f(", 0, ["function call"]),
        ("a + sum (b)", "sum (", 4, ["“sum (” at position 5 looks like a function call"]),
        ("a b", "b", 2, ["An operator is missing between “a” and “b” at position 3"]),
        ("2 a", "a", 2, ["between “2” and “a”"]),
        ("(a) (b)", "(", 4, ["between “)” and “(”"]),
        ("a + * b", "*", 4, ["A number, a code or “(” is needed at position 5, not “*”"]),
        ("*a", "*", 0, ["needed at position 1, not “*”"]),
        ("+a", "+", 0, ["needed at position 1, not “+”"]),
        ("a / / b", "/", 4, ["not “/”"]),
        ("(a + )", ")", 5, ["not “)”"]),
        ("a * ()", "()", 4, ["The parentheses at position 5 are empty"]),
        ("a +", "+", 2, ["The formula ends with “+”"]),
        ("a * -", "-", 4, ["The formula ends with “-”"]),
        ("a * (", "(", 4, ["The formula ends with “(”"]),
        ("(a + b", "(", 0, ["“(” at position 1 is never closed", "Add “)”"]),
        ("((a + b) * c", "(", 0, ["“(” at position 1 is never closed"]),
        ("a + b)", ")", 5, ["“)” at position 6 has no matching “(”"]),
        ("(a))", ")", 3, ["has no matching “(”"]),
    ],
)
def test_syntax_errors_say_which_part_is_wrong(text, fragment, position, words):
    error = refused(text)
    assert error.fragment == fragment
    assert error.position == position
    assert text[position : position + len(fragment)] == fragment
    for word in words:
        assert word in error.message


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_formula(text):
    error = refused(text)
    assert "The formula is empty" in error.message
    assert error.fragment == ""
    assert error.position is None


def test_length_limit():
    assert parse("a + " * 124 + "a").references == ("a",)  # 500 characters
    error = refused("a" * 501)
    assert "501 characters" in error.message
    assert "at most 500" in error.message


def test_nesting_limit():
    assert value("(" * 50 + "a" + ")" * 50, a=7) == 7
    error = refused("(" * 51 + "a" + ")" * 51)
    assert error.position == 50
    assert "more than 50 levels" in error.message


def _quickly(text):
    start = time.perf_counter()
    with pytest.raises(FormulaError):
        parse(text)
    return time.perf_counter() - start


def test_huge_input_is_refused_quickly():
    assert _quickly("a+" * 50_000 + "a") < 0.1
    assert _quickly("(" * 10_000 + "a" + ")" * 10_000) < 0.1
    assert _quickly("-" * 100_000 + "a") < 0.1
    assert _quickly("(" * 250 + ")" * 250) < 0.1


def test_long_chains_within_the_limit_need_no_recursion():
    start = time.perf_counter()
    assert value("-" * 499 + "a", a=2) == -2
    assert value("-" * 498 + "a", a=2) == 2
    assert value("a+" * 249 + "a", a=1) == 250
    assert value("a*" * 249 + "a", a=1) == 1
    assert value("a/" * 249 + "a", a=1) == 1
    assert value("1-(" * 49 + "a" + ")" * 49, a=1) == 0
    assert time.perf_counter() - start < 0.5


@given(st.text(max_size=600))
def test_any_text_parses_or_is_refused_with_a_formula_error(text):
    try:
        parse(text)
    except FormulaError as error:
        assert error.message


@given(st.text(alphabet="ab1.+-*/() _$e\n", max_size=80))
def test_formula_like_text_parses_or_is_refused_with_a_formula_error(text):
    try:
        formula = parse(text)
    except FormulaError as error:
        assert error.position is None or 0 <= error.position < len(text)
    else:
        with contextlib.suppress(DivisionByZero):
            assert isinstance(formula.evaluate(dict.fromkeys(formula.references, Decimal(-2))), Decimal)


# Generated expressions, fully parenthesised, against exact Fraction arithmetic.
_LEAVES = st.sampled_from(["a", "b", "c", "2", "0.5", "10"])
_EXPRESSIONS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"-{e}"),
    ),
    max_leaves=12,
)
_EXACT = {"a": Fraction(3), "b": Fraction(-7, 4), "c": Fraction(5)}


def _exact(text):
    """Evaluate a fully parenthesised expression with Fractions (reference implementation for the test)."""
    position = 0

    def expression():
        nonlocal position
        if text[position] == "-":
            position += 1
            return -expression()
        if text[position] == "(":
            position += 1
            left = expression()
            op = text[position + 1]
            position += 3
            right = expression()
            position += 1
            if op == "/" and right == 0:
                raise ZeroDivisionError
            return {"+": left + right, "-": left - right, "*": left * right}.get(op) if op != "/" else left / right
        end = position
        while end < len(text) and text[end] not in " )":
            end += 1
        token, position = text[position:end], end
        return _EXACT[token] if token in _EXACT else Fraction(token)

    return expression()


@given(_EXPRESSIONS)
def test_generated_expressions_match_exact_arithmetic(text):
    values = {"a": Decimal(3), "b": Decimal("-1.75"), "c": Decimal(5)}
    try:
        expected = _exact(text)
    except ZeroDivisionError:
        with pytest.raises(DivisionByZero):
            parse(text).evaluate(values)
        return
    result = parse(text).evaluate(values)
    assert abs(Fraction(result) - expected) <= abs(expected) * Fraction(1, 10**30) + Fraction(1, 10**30)


# check(): only direct children


def test_check_accepts_direct_children():
    formula = check("deals * avg_deal_size", REVENUE_CHILDREN, "売上")
    assert formula.references == ("deals", "avg_deal_size")


def test_check_names_the_wrong_code_and_the_children():
    with pytest.raises(FormulaError) as caught:
        check("deal * avg_deal_size", REVENUE_CHILDREN, "売上")
    error = caught.value
    assert error.message == "“deal” is not a child of 売上. Its children are: deals, avg_deal_size."
    assert error.fragment == "deal"
    assert error.position == 0


@pytest.mark.parametrize(
    "text, wrong, position",
    [
        ("revenue * 2", "revenue", 0),  # the parent itself: a cycle
        ("deals * leads", "leads", 8),  # a grandchild
        ("deals + unknown_thing", "unknown_thing", 8),
        ("deals + x + y", "x", 8),  # the first wrong code in the text
    ],
)
def test_check_refuses_anything_but_direct_children(text, wrong, position):
    with pytest.raises(FormulaError) as caught:
        check(text, REVENUE_CHILDREN, "売上")
    assert caught.value.fragment == wrong
    assert caught.value.position == position
    assert f"“{wrong}” is not a child of 売上" in caught.value.message
    assert "deals, avg_deal_size" in caught.value.message


def test_check_without_children():
    with pytest.raises(FormulaError) as caught:
        check("deals * 2", {}, "売上")
    assert "“deals” is not a child of 売上" in caught.value.message
    assert "has no children yet" in caught.value.message


def test_check_reports_syntax_errors_first():
    with pytest.raises(FormulaError) as caught:
        check("deals $ x", REVENUE_CHILDREN, "売上")
    assert caught.value.fragment == "$"


def test_check_allows_numbers_only():
    assert check("100", REVENUE_CHILDREN, "売上").references == ()


def test_messages_carry_the_fragment_and_children_in_japanese_too():
    with override("ja"), pytest.raises(FormulaError) as caught:
        check("deal * avg_deal_size", REVENUE_CHILDREN, "売上")
    assert "deal" in caught.value.message
    assert "deals" in caught.value.message
    assert "avg_deal_size" in caught.value.message
    assert "売上" in caught.value.message


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt")
def test_japanese_fragment_translates_the_messages(settings, tmp_path):
    messages = tmp_path / "ja" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    subprocess.run(["msgfmt", "--check", "-o", str(messages / "django.mo"), str(FRAGMENT)], check=True)
    settings.LOCALE_PATHS = [tmp_path]
    with override("ja"):
        with pytest.raises(FormulaError) as caught:
            check("deal * avg_deal_size", REVENUE_CHILDREN, "売上")
        assert caught.value.message == (
            "「deal」は「売上」の子ではありません。使える子のコードは「deals」、「avg_deal_size」です。"
        )
        assert refused("deals $ avg").message.startswith("7文字目の「$」は式に使えません。")
        assert refused("a +").message == "式が「+」で終わっています。後ろに数値かコードを書いてください。"
        assert str(DivisionByZero()) == "0による割り算"
        with pytest.raises(NoSolution) as no_solution:
            solve_for(parse("a * 0"), "a", Decimal(5), {})
        assert "「a」" in no_solution.value.message


# divides, is_additive, unused_children


@pytest.mark.parametrize(
    "text, divides, additive",
    [
        ("a + b", False, True),
        ("a + b - c", False, True),
        ("-a", False, True),
        ("a - (b + c)", False, True),
        ("2 * a + b", False, True),  # scaling keeps sums exact
        ("(a + b) / 2", True, True),
        ("a", False, True),
        ("a * b", False, False),
        ("deals * avg_deal_size", False, False),
        ("a / b", True, False),
        ("deals / leads", True, False),
        ("a + 10", False, False),  # a constant term is added once per week
        ("100", False, False),
        ("a * (b + c)", False, False),
        ("2 / a", True, False),
    ],
)
def test_divides_and_is_additive(text, divides, additive):
    formula = parse(text)
    assert formula.divides is divides
    assert formula.is_additive() is additive


def test_unused_children():
    formula = parse("deals * 2")
    assert unused_children(formula, ["deals", "avg_deal_size", "extra"]) == ["avg_deal_size", "extra"]
    assert unused_children(formula, REVENUE_CHILDREN) == ["avg_deal_size"]
    assert unused_children(parse("deals * avg_deal_size"), REVENUE_CHILDREN) == []


# Back-calculation (逆算)


@pytest.mark.parametrize(
    "text, code, target, values, expected",
    [
        ("a + b", "a", "100", {"b": "30"}, "70"),
        ("a - b", "b", "30", {"a": "100"}, "70"),
        ("deals * avg_deal_size", "avg_deal_size", "120000000", {"deals": "240"}, "500000"),
        ("deals * avg_deal_size", "deals", "120000000", {"avg_deal_size": "500000"}, "240"),
        ("deals / leads", "deals", "0.1", {"leads": "2400"}, "240"),
        ("deals / leads", "leads", "0.1", {"deals": "240"}, "2400"),
        ("cost / leads", "leads", "5000", {"cost": "1000000"}, "200"),
        ("deals / (deals + lost)", "deals", "0.25", {"lost": "60"}, "20"),
        ("(a + b) * 2 - 10", "a", "50", {"b": "5"}, "25"),
        ("a * 3", "a", "1", {}, "0.333333"),
        ("a * 3", "a", "2", {}, "0.666667"),
    ],
)
def test_closed_form(text, code, target, values, expected):
    solution = solve(parse(text), code, Decimal(target), {k: Decimal(v) for k, v in values.items()})
    assert solution == Solution(Decimal(expected), exact=True)
    assert solution.value.as_tuple().exponent == -6


def test_closed_form_ignores_the_current_value_of_the_unknown():
    formula = parse("deals * avg_deal_size")
    values = {"deals": Decimal(999), "avg_deal_size": Decimal(500000)}
    assert solve_for(formula, "deals", Decimal(120000000), values) == 240


@pytest.mark.parametrize(
    "text, target, values, expected",
    [
        ("a * a", "100", {}, "10"),
        ("a * a", "2", {}, "1.414214"),
        ("a * (a + b)", "50", {"b": "5"}, "5"),
        ("a * a * a", "1000000000", {}, "1000"),
        ("(a - 2.9) * (a - 2.9)", "0", {}, "2.9"),  # touches zero without crossing it
        ("1 / (a * a)", "4", {}, "0.5"),
    ],
)
def test_numerically(text, target, values, expected):
    solution = solve(parse(text), "a", Decimal(target), {k: Decimal(v) for k, v in values.items()})
    assert solution == Solution(Decimal(expected), exact=False)


def test_numeric_solution_prefers_the_root_closest_to_the_current_value():
    formula = parse("a * (a + b)")
    assert solve_for(formula, "a", Decimal(50), {"b": Decimal(5)}) == 5
    assert solve_for(formula, "a", Decimal(50), {"b": Decimal(5), "a": Decimal(-9)}) == -10


def test_solve_for_and_solve_is_exact():
    assert solve_for(parse("a + b"), "a", Decimal(3), {"b": Decimal(1)}) == Decimal("2.000000")
    assert solve_is_exact(parse("a + b"), "a", Decimal(3), {"b": Decimal(1)}) is True
    assert solve_is_exact(parse("a * a"), "a", Decimal(4), {}) is False


@pytest.mark.parametrize(
    "text, target, words",
    [
        ("a * 0", "5", ["No value of “a” makes the formula give 5"]),
        ("a / a", "2", ["No value of “a”"]),
        ("a - a", "1", ["No value of “a”"]),
        ("b / (a - a)", "1", ["No value of “a”"]),
        ("a / a", "1", ["Every value of “a” makes the formula give 1"]),
        ("a * 0", "0", ["Every value of “a”"]),
        ("a * a", "-1", ["No value of “a” that makes the formula give -1 was found", "by hand"]),
        ("a * a + 1", "0.5", ["was found by searching numerically"]),
        ("b * 2", "4", ["does not use “a”"]),
    ],
)
def test_no_solution(text, target, words):
    with pytest.raises(NoSolution) as caught:
        solve_for(parse(text), "a", Decimal(target), {"b": Decimal(2)})
    assert isinstance(caught.value, ValueError)
    for word in words:
        assert word in caught.value.message


def test_no_solution_formats_the_target():
    with pytest.raises(NoSolution) as caught:
        solve_for(parse("a * 0"), "a", Decimal("120000000"), {})
    assert "120,000,000" in caught.value.message


def test_solve_needs_the_other_values():
    with pytest.raises(MissingInput) as caught:
        solve_for(parse("deals * avg_deal_size"), "deals", Decimal(100), {"avg_deal_size": None})
    assert caught.value.code == "avg_deal_size"


@pytest.mark.parametrize(
    "text",
    ["a + b", "a * b", "a / b", "b / a", "a * a + b", "(a + b) / (a - b)", "a * a * b - 3", "b / (a * a + 1)"],
)
@pytest.mark.parametrize("target", ["0.25", "7", "1234.5"])
def test_a_solution_gives_the_target(text, target):
    formula = parse(text)
    values = {"b": Decimal(3)}
    try:
        x = solve_for(formula, "a", Decimal(target), values)
    except NoSolution:
        return
    # x is rounded to 6 places: the exact solution lies within half a millionth of it.
    step = Decimal("0.0000005")
    below = formula.evaluate({**values, "a": x - step}) - Decimal(target)
    above = formula.evaluate({**values, "a": x + step}) - Decimal(target)
    assert below.is_zero() or above.is_zero() or below.is_signed() != above.is_signed()


def test_a_long_non_linear_formula_is_solved_quickly():
    formula = parse("a*a*a*a+" * 60 + "a")
    start = time.perf_counter()
    solve(formula, "a", Decimal(7), {})
    assert time.perf_counter() - start < 1
