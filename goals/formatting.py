"""How numbers, weeks and statuses are written on pages (docs/ui.md "Numbers")."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

STATUS_LABELS = {
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "no_data": _("No data"),
    "incomplete": _("Incomplete"),
}
YEN_UNITS = {"円", "yen", "JPY", "¥"}


def _is_ja():
    return (get_language() or "ja").startswith("ja")


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: for inputs and files."""
    if value is None:
        return ""
    text = format(value.normalize() if value == value.to_integral() else value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def grouped(value: Decimal, places: int | None = None) -> str:
    """Full digits with a comma per three digits; up to 6 decimals unless `places` is given."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{value:,.{places}f}"
    else:
        text = plain(value)
        integer, _sep, fraction = text.partition(".")
        sign = "-" if integer.startswith("-") else ""
        integer = f"{int(integer.lstrip('-') or 0):,}"
        text = sign + integer + ("." + fraction if fraction else "")
    return "0" if text in ("-0",) else text


def number(value, unit="", places=None):
    """A table figure: full digits; 円 after the number in Japanese, ¥ before it in English; % glued."""
    if value is None:
        return ""
    if places is None and unit == "%":
        places = 1
    text = grouped(Decimal(value), places)
    if unit in YEN_UNITS:
        if _is_ja():
            return f"{text}円"
        return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"
    if unit == "%":
        return f"{text}%"
    return f"{text}{unit}" if _is_ja() else (f"{text} {unit}" if unit else text)


def headline(value, unit=""):
    """A headline figure: ja ≥1万 as whole 万, ≥1億 as 億 to 3 significant digits; en as K/M/B."""
    if value is None:
        return ""
    value = Decimal(value)
    magnitude = abs(value)
    if unit == "%":
        return number(value, unit)
    if _is_ja():
        if magnitude >= Decimal("100000000"):
            scaled = value / Decimal("100000000")
            digits = len(str(int(abs(scaled))))
            text = f"{scaled.quantize(Decimal(1).scaleb(-max(0, 3 - digits)), rounding=ROUND_HALF_UP)}億"
        elif magnitude >= Decimal("10000"):
            text = f"{(value / Decimal(10000)).quantize(Decimal(1), rounding=ROUND_HALF_UP)}万"
        else:
            return number(value, unit, places=0 if value == value.to_integral() else 1)
        text = text.replace(".0億", "億") if text.endswith(".0億") else text
        return f"{text}円" if unit in YEN_UNITS else f"{text}{unit}"
    for limit, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K")):
        if magnitude >= limit:
            scaled = (value / limit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            text = f"{plain(scaled)}{suffix}"
            break
    else:
        return number(value, unit, places=0 if value == value.to_integral() else 1)
    if unit in YEN_UNITS:
        return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"
    return f"{text} {unit}" if unit else text


def percent(value, places=1):
    """An achievement or rate in percent, one decimal: 105.0%."""
    if value is None:
        return ""
    return f"{grouped(Decimal(value), places)}%"


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
