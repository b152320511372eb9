"""Template helpers for numbers, weeks and statuses: {% load goaltree %}. They format; they never query."""

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext as _

from goals import formatting
from goals.models import display_name as _display_name

register = template.Library()


def to_show(value):
    """(the Decimal to show, None) or (None, the muted dash to show instead: missing, or too large to show).

    Every number filter starts here, so that no figure can make a page fail (docs/numbers.md "Bounds").
    """
    number = formatting.to_decimal(value)
    if number is None:
        return None, _missing()
    if formatting.is_too_large(number):
        return None, _missing(formatting.TOO_LARGE)
    return number, None


@register.filter
@formatting.own_context
def num(value, unit=""):
    """{{ value|num:node.unit }}: full digits with the unit, or a muted dash for missing."""
    value, dash = to_show(value)
    if dash:
        return dash
    return formatting.number(value, unit)


@register.filter
@formatting.own_context
def headline(value, unit=""):
    """{{ value|headline:node.unit }}: 3150万円 / ¥31.5M with the exact value in the title."""
    value, dash = to_show(value)
    if dash:
        return dash
    return format_html('<span title="{}">{}</span>', formatting.number(value, unit), formatting.headline(value, unit))


@register.filter
@formatting.own_context
def pct(value):
    value, dash = to_show(value)
    if dash:
        return dash
    return formatting.percent(value)


@register.filter
@formatting.own_context
def plain(value):
    """A decimal as typed into an input: no grouping, no trailing zeros."""
    return formatting.plain(value)


@register.filter
def week(value):
    return formatting.week_label(value) if value else ""


@register.filter
def day(value):
    return formatting.date_label(value) if value else ""


@register.simple_tag
def status_badge(status, reason=""):
    """Icon + word + colour, so it reads without colour too."""
    if not status:
        return ""
    return render_to_string(
        "includes/status.html",
        {"status": status, "label": formatting.STATUS_LABELS.get(status, status), "reason": reason},
    )


def _missing(reason=None):
    return format_html(
        '<span class="missing" title="{}">—<span class="visually-hidden">{}</span></span>',
        reason or _("No data"),
        _("No data"),
    )


@register.simple_tag
def missing(reason=None):
    return _missing(reason)


@register.filter
def display_name(user):
    return _display_name(user)


@register.filter
@formatting.own_context
def rounded(value, unit=""):
    """{{ value|rounded:unit }}: a computed figure rounded for reading (exact value in the title)."""
    value, dash = to_show(value)
    if dash:
        return dash
    if value == value.to_integral_value():
        return formatting.number(value, unit)
    places = 1 if unit in ("%", "％") else (0 if abs(value) >= 100 else 2)
    exact, shown = formatting.number(value, unit), formatting.number(value, unit, places)
    return format_html('<span title="{}">{}</span>', exact, shown)


@register.filter
def with_unit(node):
    """A KPI's name with its unit: 受注件数（件） in Japanese, 受注件数 (件) in English."""
    if not node.unit:
        return node.name
    if formatting._is_ja():
        return f"{node.name}（{node.unit}）"
    return f"{node.name} ({node.unit})"
