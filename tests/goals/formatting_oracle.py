"""The oracle for the number formatting's fast paths: the formatting as it was before them, word for word.

goals.formatting and the number filters (goals.templatetags.goaltree, metrics.templatetags.progress_tags,
metrics.ranking.signed_headline) take shortcuts for the common figure (a finite Decimal within the bound, the
usual units) and resolve the language once per figure. The functions here are the straightforward versions they
replaced, copied from the code as it was (each validates its input, nested calls validate again, the language is
looked up per call), so that tests/goals/test_formatting_fast_paths.py can compare every output, and its type
(plain str or SafeString), for any input. Only the constants (TOO_LARGE, the unit sets, LIMIT) are shared.
"""

import decimal
import functools
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from goals.bounds import LIMIT
from goals.formatting import COUNT_UNITS, TOO_LARGE, YEN_UNITS

_MAX_PLAIN_EXPONENT = 1000
_DISPLAY = decimal.Context(prec=60)
_ROUNDING = decimal.Context(prec=60, rounding=ROUND_HALF_UP, traps=[])


# --- goals.bounds -----------------------------------------------------------------------------------------


def within(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return False
    if isinstance(value, int):
        return -LIMIT < value < LIMIT
    return value.is_finite() and value.copy_abs() < LIMIT


# --- goals.formatting -------------------------------------------------------------------------------------


def own_context(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        previous = decimal.getcontext()
        if previous is _DISPLAY:
            return function(*args, **kwargs)
        decimal.setcontext(_DISPLAY)
        try:
            return function(*args, **kwargs)
        finally:
            decimal.setcontext(previous)

    return wrapper


def _is_ja():
    return (get_language() or "ja").startswith("ja")


def _context(value: Decimal) -> decimal.Context:
    precision = value.adjusted() + 10
    if precision <= 60:
        return _ROUNDING
    return decimal.Context(prec=precision, rounding=ROUND_HALF_UP, traps=[])


def to_decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, Decimal):
        try:
            value = Decimal(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError, ArithmeticError):
            return None
    return None if value.is_nan() else value


def is_too_large(value) -> bool:
    value = to_decimal(value)
    return value is not None and not within(value)


def _quantize(value: Decimal, places: int) -> Decimal:
    rounded = value.quantize(Decimal(1).scaleb(-places), context=_context(value))
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0"


@own_context
def plain(value: Decimal) -> str:
    value = to_decimal(value)
    if value is None or not value.is_finite():
        return ""
    if abs(value.adjusted()) > _MAX_PLAIN_EXPONENT:
        return str(value.normalize(_context(value)))
    if value == value.to_integral_value():
        value = value.normalize(_context(value))
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@own_context
def grouped(value: Decimal, places: int | None = None) -> str:
    value = to_decimal(value)
    if value is None or not value.is_finite():
        return "" if value is None else str(TOO_LARGE)
    if value.adjusted() > _MAX_PLAIN_EXPONENT or (places is None and -value.adjusted() > _MAX_PLAIN_EXPONENT):
        return plain(value)
    if places is not None:
        value = _quantize(value, places)
        text = format(value, f",.{places}f")
    else:
        text = plain(value)
        integer, _sep, fraction = text.partition(".")
        sign = "-" if integer.startswith("-") else ""
        digits = integer.lstrip("-") or "0"
        integer = f"{int(digits):,}" if digits.isascii() and digits.isdigit() else digits
        text = sign + integer + ("." + fraction if fraction else "")
    return "0" if text in ("-0",) else text


@own_context
def number(value, unit="", places=None):
    value = to_decimal(value)
    if value is None:
        return ""
    if not within(value):
        return str(TOO_LARGE)
    if places is None and unit == "%":
        places = 1
    if places is None and value.as_tuple().exponent < -6:
        value = _quantize(value, 6)
    text = grouped(value, places)
    if unit in YEN_UNITS:
        if _is_ja():
            return f"{text}円"
        return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"
    if unit == "%":
        return f"{text}%"
    return f"{text}{unit}" if _is_ja() else (f"{text} {unit}" if unit else text)


@own_context
def summary_value(value: Decimal, unit: str = "", whole_counts: bool = True) -> Decimal:
    if unit in COUNT_UNITS and whole_counts:
        return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    rounding = decimal.ROUND_HALF_EVEN
    if unit == "%":
        return value.quantize(Decimal("0.1"), rounding=rounding)
    if abs(value) >= 10000 or value == value.to_integral():
        return value.quantize(Decimal(1), rounding=rounding)
    rounded = value.quantize(Decimal("0.01"), rounding=rounding)
    return rounded.normalize() if rounded == rounded.to_integral() else rounded


@own_context
def headline(value, unit=""):
    value = to_decimal(value)
    if value is None:
        return ""
    if not within(value):
        return str(TOO_LARGE)
    if unit in COUNT_UNITS:
        value = summary_value(value, unit)
    magnitude = abs(value)
    if unit == "%":
        return number(value, unit)
    if _is_ja():
        if magnitude >= Decimal("100000000"):
            scaled = value / Decimal("100000000")
            digits = len(str(int(abs(scaled))))
            text = f"{_quantize(scaled, max(0, 3 - digits))}億"
        elif magnitude >= Decimal("10000"):
            text = f"{_quantize(value / Decimal(10000), 0)}万"
        else:
            return number(value, unit, places=0 if value == value.to_integral_value() else 1)
        text = text.replace(".0億", "億") if text.endswith(".0億") else text
        return f"{text}円" if unit in YEN_UNITS else f"{text}{unit}"
    for limit, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K")):
        if magnitude >= limit:
            scaled = _quantize(value / limit, 1)
            text = f"{plain(scaled)}{suffix}"
            break
    else:
        return number(value, unit, places=0 if value == value.to_integral_value() else 1)
    if unit in YEN_UNITS:
        return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"
    return f"{text} {unit}" if unit else text


@own_context
def percent(value, places=1):
    value = to_decimal(value)
    if value is None:
        return ""
    if not within(value):
        return str(TOO_LARGE)
    return f"{grouped(value, places)}%"


def week_label(week) -> str:
    if _is_ja():
        return f"{week.month}/{week.day}週"
    return week.strftime("w/c %-d %b")


# --- metrics.ranking --------------------------------------------------------------------------------------


def signed_headline(value: Decimal | None, unit: str) -> str:
    if value is None:
        return ""
    text = headline(value, unit)
    return f"+{text}" if value > 0 and not is_too_large(value) else text


# --- goals.templatetags.goaltree --------------------------------------------------------------------------


def _missing(reason=None):
    return format_html(
        '<span class="missing" title="{}">—<span class="visually-hidden">{}</span></span>',
        reason or _("No data"),
        _("No data"),
    )


def missing(reason=None):
    return _missing(reason)


def to_show(value):
    number_ = to_decimal(value)
    if number_ is None:
        return None, _missing()
    if is_too_large(number_):
        return None, _missing(TOO_LARGE)
    return number_, None


@own_context
def num(value, unit=""):
    value, dash = to_show(value)
    if dash:
        return dash
    return number(value, unit)


@own_context
def headline_filter(value, unit=""):
    value, dash = to_show(value)
    if dash:
        return dash
    return format_html('<span title="{}">{}</span>', number(value, unit), headline(value, unit))


@own_context
def pct(value):
    value, dash = to_show(value)
    if dash:
        return dash
    return percent(value)


@own_context
def plain_filter(value):
    return plain(value)


@own_context
def rounded(value, unit=""):
    value, dash = to_show(value)
    if dash:
        return dash
    if value == value.to_integral_value():
        return number(value, unit)
    places = 1 if unit in ("%", "％") else (0 if abs(value) >= 100 else 2)
    exact, shown = number(value, unit), number(value, unit, places)
    return format_html('<span title="{}">{}</span>', exact, shown)


# --- metrics.templatetags.progress_tags -------------------------------------------------------------------


@own_context
def signed_pct(value):
    value = to_decimal(value)
    if value is None:
        return ""
    text = percent(value)
    return text if text.startswith("-") or value == 0 or is_too_large(value) else "+" + text


@own_context
def r_value(value):
    value = to_decimal(value)
    if value is None or is_too_large(value):
        return ""
    return grouped(value, 2)


def _rounded(value, unit, whole_counts=True):
    return summary_value(value, unit, whole_counts)


@own_context
def figure(value, unit=""):
    value, dash = to_show(value)
    if dash:
        return dash
    return number(_rounded(value, unit), unit)


@own_context
def cell(value, unit=""):
    if is_too_large(value):
        return to_show(value)[1]
    value = to_decimal(value)
    if value is None:
        return ""
    return grouped(_rounded(value, unit, whole_counts=False))


@own_context
def signed_impact(value, unit=""):
    value, dash = to_show(value)
    if dash:
        return dash
    exact = number(value, unit)
    return format_html('<span title="{}">{}</span>', f"+{exact}" if value > 0 else exact, signed_headline(value, unit))
