"""How numbers, weeks and statuses are written on pages (docs/ui.md "Numbers").

Every function here accepts any Decimal (and ints, and decimal strings) and never raises: a figure at or beyond
the bound of docs/numbers.md "Bounds" (10^15 in absolute value, or infinite) is written as TOO_LARGE in words,
and a NaN or anything unreadable as missing (""), like None. Rounding uses a private context, so no caller's
Decimal context (precision, traps) changes what is shown. `plain` and `grouped` write every digit of any finite
number: they serve inputs, files and histories, which must not lose digits.
"""

import decimal
import functools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from goals.bounds import within

STATUS_LABELS = {
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "no_data": _("No data"),
    "incomplete": _("Incomplete"),
}
YEN_UNITS = {"円", "yen", "JPY", "¥"}
# Counts are whole things: their summaries (actual, target and forecast to date) show whole numbers, rounded half up.
COUNT_UNITS = {"件", "回", "人"}


# How a figure beyond the bound reads: in a sentence, and as the tooltip of a muted dash on pages.
TOO_LARGE = _("too large to show")
# Digits written out in full at most: a finite Decimal with a larger exponent is written with it (1E+5000).
_MAX_PLAIN_EXPONENT = 1000


# The context every function here (and every number filter, through `own_context`) computes in: Python's default
# with room for every digit of a figure within the bound, so that no caller's context changes what is shown.
_DISPLAY = decimal.Context(prec=60)
_ROUNDING = decimal.Context(prec=60, rounding=ROUND_HALF_UP, traps=[])


def own_context(function):
    """Run `function` in the display context, whatever Decimal context its caller has set.

    The display context itself is made current (never changed, and its flags never read), so a function called
    from another one here finds it current and runs without switching again: one switch per figure on a page
    instead of one per function (a dashboard formats a few thousand figures).
    """

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
    """A context that rounds `value` to any number of places up to 6 without losing its integer digits.

    Every figure under 10^50 shares one (`_ROUNDING`: nothing reads its flags, and it traps nothing)."""
    precision = value.adjusted() + 10
    if precision <= 60:
        return _ROUNDING
    return decimal.Context(prec=precision, rounding=ROUND_HALF_UP, traps=[])


def to_decimal(value) -> Decimal | None:
    """`value` (a Decimal, an int, a decimal string) as a Decimal; None for None, "", NaN and anything unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, Decimal):
        try:
            value = Decimal(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError, ArithmeticError):
            return None
    return None if value.is_nan() else value


def is_too_large(value) -> bool:
    """Whether a figure cannot be shown: an infinity, or 10^15 or more in absolute value (docs/numbers.md)."""
    value = to_decimal(value)
    return value is not None and not within(value)


def _quantize(value: Decimal, places: int) -> Decimal:
    rounded = value.quantize(Decimal(1).scaleb(-places), context=_context(value))
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0"


@own_context
def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: for inputs and files. "" for None, NaN and infinities."""
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
    """Full digits with a comma per three digits; every decimal unless `places` is given (then rounded half up)."""
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
    """A table figure: full digits (at most 6 decimal places); 円 after the number in Japanese, ¥ before it in
    English; % glued. "" when missing; the words TOO_LARGE beyond the bound.
    """
    value = to_decimal(value)
    if value is None:
        return ""
    if not within(value):
        return str(TOO_LARGE)
    if places is None and unit == "%":
        places = 1
    if places is None and value.as_tuple().exponent < -6:
        value = _quantize(value, 6)  # a computed figure: at most 6 decimal places, as files write it
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
    """A figure as summaries show it, the one rounding every page uses (docs/numbers.md "Counts, rounding and
    display"): counts (COUNT_UNITS) whole, rounded half up; % one decimal; from 10,000, or whole already, whole;
    else at most two decimals (half even, trailing zeros dropped). `value` is a finite Decimal within the bound.
    `whole_counts=False` for the rows of a weekly table, which are not summaries: a weekly target of 4.615385件
    reads 4.62 there, so that the weeks add up to the period's target as read."""
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
    """A headline figure: ja ≥1万 as whole 万, ≥1億 as 億 to 3 significant digits; en as K/M/B. Counts are whole
    (summary_value) before anything else."""
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
    """An achievement or rate in percent, one decimal: 105.0%. "" when missing; TOO_LARGE beyond the bound."""
    value = to_decimal(value)
    if value is None:
        return ""
    if not within(value):
        return str(TOO_LARGE)
    return f"{grouped(value, places)}%"


def week_label(week: date) -> str:
    """`6/29週` in Japanese, `w/c 29 Jun` in English."""
    if _is_ja():
        return f"{week.month}/{week.day}週"
    return week.strftime("w/c %-d %b")


def date_label(day: date) -> str:
    """`2026/06/29` in Japanese, `29 Jun 2026` in English."""
    if _is_ja():
        return day.strftime("%Y/%m/%d")
    return day.strftime("%-d %b %Y")
