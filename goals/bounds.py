"""The bounds on every number and date Goaltree takes in, keeps, computes and shows (docs/numbers.md "Bounds").

One bound on magnitude: a number has at most 15 significant digits (what a spreadsheet keeps exactly), so every
number people type, files carry, formulas hold as constants, targets, weights and back-calculated proposals is
below 10^15 (1,000兆) in absolute value. A value computed from them that reaches it (a formula result, a sum of
many weeks, an achievement against a tiny target) is not an error: a formula's value is then missing with the
reason "too large", and any other figure is shown as a muted dash whose tooltip says it is too large to show.
The database keeps 18 integer digits (max_digits 24, decimal_places 6), so whatever passes these bounds fits.

Dates: periods, initiatives and as-of dates lie within the years 2000 to 2100, and a period is at most five years
long, so that every period has a bounded number of weeks and no date arithmetic leaves Python's calendar.

Text: at most the length of its column, and MAX_TEXT_LENGTH characters for a multi-line text without one.

Plain Python, no ORM and no wording: goals.values, goals.formatting, goals.periods and goals.formulas apply them.
"""

import decimal
from datetime import MAXYEAR, MINYEAR, date
from decimal import Decimal

MAX_SIGNIFICANT_DIGITS = 15
MAX_DECIMAL_PLACES = 6
LIMIT = Decimal(10) ** MAX_SIGNIFICANT_DIGITS  # every number kept or shown is below this in absolute value

# The longest text a multi-line field without a length of its own holds (a definition, a description); one-line
# fields have the length of their column.
MAX_TEXT_LENGTH = 4000

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_PERIOD_YEARS = 5

# Wide enough for any rounding of a number within the bound; private, so that no caller's context matters.
_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_UP, traps=[decimal.InvalidOperation])


def within(value) -> bool:
    """Whether `value` is a finite number below LIMIT in absolute value (None, NaN and infinities are not)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return False
    if isinstance(value, int):
        return -LIMIT < value < LIMIT
    return value.is_finite() and value.copy_abs() < LIMIT


def storable(value: Decimal | None) -> Decimal | None:
    """`value` rounded half up to at most 6 decimal places and 15 significant digits, as a target or a baseline is
    kept; None when it is missing or beyond the bound (it cannot be kept, shown or typed back)."""
    if not isinstance(value, Decimal) or not within(value):
        return None
    places = min(MAX_DECIMAL_PLACES, MAX_SIGNIFICANT_DIGITS - 1 - value.adjusted())
    rounded = value.quantize(Decimal(1).scaleb(-places), context=_CONTEXT)
    if not within(rounded):  # 999999999999999.9 rounds up to 10^15
        return None
    return rounded.copy_abs() if rounded.is_zero() else rounded


def clamp_day(day: date) -> date:
    """`day` moved into FIRST_DAY..LAST_DAY: what an as-of date or an old row's date is read as."""
    return min(max(day, FIRST_DAY), LAST_DAY)


def day_within(day: date | None) -> bool:
    return day is not None and FIRST_DAY <= day <= LAST_DAY


def years_after(day: date, years: int) -> date:
    """The same day `years` years later; 29 February becomes 1 March in a year without one. Beyond the calendar
    Python holds (years 1 to 9999), its first or last day."""
    year = day.year + years
    if not MINYEAR <= year <= MAXYEAR:
        return date.max if year > MAXYEAR else date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def last_day_of_period(start: date) -> date:
    """The last day a period starting on `start` may have: the day before the same day MAX_PERIOD_YEARS later."""
    return date.fromordinal(max(years_after(start, MAX_PERIOD_YEARS).toordinal() - 1, 1))
