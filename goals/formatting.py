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
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from goals.bounds import LIMIT, MAX_DECIMAL_PLACES, within

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


def is_usual(value) -> bool:
    """Whether `value` is the usual figure: a Decimal, finite and within the bound (what `within` says of a
    Decimal, checked without a call). The number filters take it as it is and format it with the finite_*
    helpers below; anything else goes through to_decimal and the bound's checks."""
    return type(value) is Decimal and value.is_finite() and -LIMIT < value < LIMIT


def is_too_large(value) -> bool:
    """Whether a figure cannot be shown: an infinity, or 10^15 or more in absolute value (docs/numbers.md)."""
    value = to_decimal(value)
    return value is not None and not within(value)


# 1, 0.1, ... 0.000001: the quanta of _quantize, made once (Decimal(1).scaleb(-places) costs more than rounding).
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(MAX_DECIMAL_PLACES + 1)}


def _quantize(value: Decimal, places: int) -> Decimal:
    quantum = _QUANTA.get(places) if type(places) is int else None
    if quantum is None:
        quantum = Decimal(1).scaleb(-places)
    # Positional arguments: Decimal.quantize parses keyword arguments slowly (about twice its own time). Below
    # 10^51, _context(value) is _ROUNDING.
    rounded = value.quantize(quantum, None, _ROUNDING if value.adjusted() <= 50 else _context(value))
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0"


def _trimmed(text: str) -> str:
    """A finite Decimal as format(value, "f") (or ",f") wrote it, without trailing zeros, "-0" as "0".

    The same text as normalizing an integral value first: format writes a positive exponent as zeros (1.2E+3 as
    1200) and an integral value's decimals are all zeros, which go; a fraction's digits do not depend on its
    exponent once its trailing zeros are gone."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# The functions below take the figure as read: a finite Decimal (None, NaN and infinities were answered by their
# callers, which read it once), and they run in the display context (their callers' own_context). `ja` is
# _is_ja() when the caller has looked it up already (once for a row or a page instead of once per figure),
# None to look it up here if the figure needs it. The public functions (plain, grouped, number, headline,
# percent) read their input and call them; the number filters, which read their value already, call them
# directly (goals.templatetags.goaltree, metrics.templatetags.progress_tags).
# tests/goals/test_formatting_fast_paths.py compares them with the code before them (tests/goals/formatting_oracle.py).


def finite_plain(value: Decimal) -> str:
    """plain() of a finite Decimal."""
    if abs(value.adjusted()) > _MAX_PLAIN_EXPONENT:
        return str(value.normalize(_context(value)))
    return _trimmed(format(value, "f"))


def finite_grouped(value: Decimal, places: int | None = None) -> str:
    """grouped() of a finite Decimal."""
    adjusted = value.adjusted()
    if adjusted > _MAX_PLAIN_EXPONENT or (places is None and -adjusted > _MAX_PLAIN_EXPONENT):
        return finite_plain(value)
    if places is None:
        return _trimmed(format(value, ",f"))
    spec = _GROUPED_SPECS.get(places) if type(places) is int else None
    text = format(_quantize(value, places), spec or f",.{places}f")
    return "0" if text == "-0" else text


_GROUPED_SPECS = {places: f",.{places}f" for places in range(MAX_DECIMAL_PLACES + 1)}


def _six_places(value: Decimal) -> str:
    """grouped(value) of a finite Decimal within the bound, rounded half up to 6 decimal places first when it has
    more (a computed figure, as files write it)."""
    adjusted = value.adjusted()
    if adjusted < -MAX_DECIMAL_PLACES:  # tiny: more than 6 decimals; and never written out in full
        return _trimmed(format(_quantize(value, MAX_DECIMAL_PLACES), ",f"))
    if adjusted > _MAX_PLAIN_EXPONENT:  # within the bound only a zero, as grouped() writes it (0E+1001 as -0)
        return finite_plain(value)
    text = format(value, ",f")  # as many decimals as the exponent says: more than 6 when it is below -6
    point = text.find(".")
    if point >= 0 and len(text) - point > MAX_DECIMAL_PLACES + 1:
        text = format(_quantize(value, MAX_DECIMAL_PLACES), ",f")
    return _trimmed(text)


def finite_number(value: Decimal, unit="", places=None, ja=None) -> str:
    """number() of a finite Decimal."""
    if not -LIMIT < value < LIMIT:
        return str(TOO_LARGE)
    if places is None and unit == "%":
        places = 1
    text = _six_places(value) if places is None else finite_grouped(value, places)
    if unit in YEN_UNITS:
        if _is_ja() if ja is None else ja:
            return f"{text}円"
        return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"
    if unit == "%":
        return f"{text}%"
    if _is_ja() if ja is None else ja:
        return f"{text}{unit}"
    return f"{text} {unit}" if unit else text


def finite_percent(value: Decimal, places=1) -> str:
    """percent() of a finite Decimal."""
    if not -LIMIT < value < LIMIT:
        return str(TOO_LARGE)
    return f"{finite_grouped(value, places)}%"


_HUNDRED_MILLION = Decimal("100000000")
_TEN_THOUSAND = Decimal(10000)
_EN_STEPS = ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K"))


def finite_headline(value: Decimal, unit="", ja=None) -> str:
    """headline() of a finite Decimal."""
    if not -LIMIT < value < LIMIT:
        return str(TOO_LARGE)
    if unit in COUNT_UNITS:
        value = finite_summary_value(value, unit)
    magnitude = abs(value)
    if unit == "%":
        return finite_number(value, unit, None, ja)
    if ja is None:
        ja = _is_ja()
    if ja:
        if magnitude >= _HUNDRED_MILLION:
            scaled = value / _HUNDRED_MILLION
            digits = len(str(int(abs(scaled))))
            text = f"{_quantize(scaled, max(0, 3 - digits))}億"
        elif magnitude >= _TEN_THOUSAND:
            text = f"{_quantize(value / _TEN_THOUSAND, 0)}万"
        else:
            return finite_number(value, unit, 0 if value == value.to_integral_value() else 1, ja)
        text = text.replace(".0億", "億") if text.endswith(".0億") else text
        return f"{text}円" if unit in YEN_UNITS else f"{text}{unit}"
    for limit, suffix in _EN_STEPS:
        if magnitude >= limit:
            scaled = _quantize(value / limit, 1)
            text = f"{finite_plain(scaled)}{suffix}"
            break
    else:
        return finite_number(value, unit, 0 if value == value.to_integral_value() else 1, ja)
    if unit in YEN_UNITS:
        return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"
    return f"{text} {unit}" if unit else text


def _read_unusual(value) -> tuple[Decimal | None, str]:
    """A figure that is not a finite Decimal, as grouped, number, headline and percent read it: (the Decimal, "")
    when it is a finite number after all (an int, a decimal string), else (None, what is shown instead: "" when
    it is missing or unreadable, TOO_LARGE for an infinity)."""
    value = to_decimal(value)
    if value is None:
        return None, ""
    if not value.is_finite():
        return None, str(TOO_LARGE)
    return value, ""


@own_context
def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: for inputs and files. "" for None, NaN and infinities."""
    if type(value) is not Decimal:
        value = to_decimal(value)
        if value is None:
            return ""
    if not value.is_finite():
        return ""
    return finite_plain(value)


@own_context
def grouped(value: Decimal, places: int | None = None) -> str:
    """Full digits with a comma per three digits; every decimal unless `places` is given (then rounded half up)."""
    if type(value) is not Decimal or not value.is_finite():
        value, shown = _read_unusual(value)
        if value is None:
            return shown
    return finite_grouped(value, places)


@own_context
def number(value, unit="", places=None):
    """A table figure: full digits (at most 6 decimal places); 円 after the number in Japanese, ¥ before it in
    English; % glued. "" when missing; the words TOO_LARGE beyond the bound.
    """
    if type(value) is not Decimal or not value.is_finite():
        value, shown = _read_unusual(value)
        if value is None:
            return shown
    return finite_number(value, unit, places)


_ONE = Decimal(1)
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")


def finite_summary_value(value: Decimal, unit: str = "", whole_counts: bool = True) -> Decimal:
    """summary_value() of a finite Decimal within the bound, in the display context."""
    if unit in COUNT_UNITS and whole_counts:
        return value.quantize(_ONE, ROUND_HALF_UP)
    if unit == "%":
        return value.quantize(_TENTH, ROUND_HALF_EVEN)
    if abs(value) >= 10000 or value == value.to_integral():
        return value.quantize(_ONE, ROUND_HALF_EVEN)
    rounded = value.quantize(_HUNDREDTH, ROUND_HALF_EVEN)
    return rounded.normalize() if rounded == rounded.to_integral() else rounded


@own_context
def summary_value(value: Decimal, unit: str = "", whole_counts: bool = True) -> Decimal:
    """A figure as summaries show it, the one rounding every page uses (docs/numbers.md "Counts, rounding and
    display"): counts (COUNT_UNITS) whole, rounded half up; % one decimal; from 10,000, or whole already, whole;
    else at most two decimals (half even, trailing zeros dropped). `value` is a finite Decimal within the bound.
    `whole_counts=False` for the rows of a weekly table, which are not summaries: a weekly target of 4.615385件
    reads 4.62 there, so that the weeks add up to the period's target as read."""
    return finite_summary_value(value, unit, whole_counts)


@own_context
def headline(value, unit=""):
    """A headline figure: ja ≥1万 as whole 万, ≥1億 as 億 to 3 significant digits; en as K/M/B. Counts are whole
    (summary_value) before anything else."""
    if type(value) is not Decimal or not value.is_finite():
        value, shown = _read_unusual(value)
        if value is None:
            return shown
    return finite_headline(value, unit)


@own_context
def percent(value, places=1):
    """An achievement or rate in percent, one decimal: 105.0%. "" when missing; TOO_LARGE beyond the bound."""
    if type(value) is not Decimal or not value.is_finite():
        value, shown = _read_unusual(value)
        if value is None:
            return shown
    return finite_percent(value, places)


def week_label(week: date, ja: bool | None = None) -> str:
    """`6/29週` in Japanese, `w/c 29 Jun` in English (`ja`: _is_ja(), when the caller has looked it up)."""
    if _is_ja() if ja is None else ja:
        return f"{week.month}/{week.day}週"
    return week.strftime("w/c %-d %b")


def date_label(day: date) -> str:
    """`2026/06/29` in Japanese, `29 Jun 2026` in English."""
    if _is_ja():
        return day.strftime("%Y/%m/%d")
    return day.strftime("%-d %b %Y")
