"""Template helpers for numbers, weeks and statuses: {% load goaltree %}. They format; they never query."""

import html

from django import template
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from goals import formatting
from goals.models import display_name as _display_name

register = template.Library()


def to_show(value):
    """(the Decimal to show, None) or (None, the muted dash to show instead: missing, or too large to show).

    Every number filter starts here, so that no figure can make a page fail (docs/numbers.md "Bounds"). The
    Decimal to show is finite and within the bound, so the filters format it with goals.formatting's finite_*
    helpers, without reading it again.
    """
    if formatting.is_usual(value):
        return value, None
    number = formatting.to_decimal(value)
    if number is None:
        return None, _missing()
    if formatting.is_too_large(number):
        return None, _missing(formatting.TOO_LARGE)
    return number, None


def escaped(text) -> str:
    """conditional_escape as text (what is already HTML as it is, anything else escaped as Django's escape does),
    without Django's lazy-argument wrapper and SafeString per call: the number filters and the dashboard's rows
    (metrics.templatetags.dashboard_tags) build their HTML with it and mark the whole safe once, as format_html
    would have made them."""
    if type(text) is str:  # most values: nothing lazy, no __html__ to look for
        return html.escape(text)
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


def titled(title: str, text: str) -> SafeString:
    """format_html('<span title="{}">{}</span>', title, text) for two plain strings."""
    return SafeString(f'<span title="{html.escape(title)}">{html.escape(text)}</span>')


@register.filter
@formatting.own_context
def num(value, unit=""):
    """{{ value|num:node.unit }}: full digits with the unit, or a muted dash for missing."""
    value, dash = to_show(value)
    if dash:
        return dash
    return formatting.finite_number(value, unit)


@register.filter
@formatting.own_context
def headline(value, unit=""):
    """{{ value|headline:node.unit }}: 3150万円 / ¥31.5M with the exact value in the title."""
    value, dash = to_show(value)
    if dash:
        return dash
    ja = formatting._is_ja()
    return titled(formatting.finite_number(value, unit, None, ja), formatting.finite_headline(value, unit, ja))


@register.filter
@formatting.own_context
def pct(value):
    return pct_in_context(value)


def pct_in_context(value):
    """pct in the display context (for dashboard_tags, whose tags switch to it once)."""
    value, dash = to_show(value)
    if dash:
        return dash
    return formatting.finite_percent(value)


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
    """format_html('<span class="missing" title="{}">—<span class="visually-hidden">{}</span></span>', ...)."""
    title = escaped(reason or _("No data"))
    return SafeString(
        f'<span class="missing" title="{title}">—<span class="visually-hidden">{escaped(_("No data"))}</span></span>'
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
        return formatting.finite_number(value, unit)
    places = 1 if unit in ("%", "％") else (0 if abs(value) >= 100 else 2)
    ja = formatting._is_ja()
    return titled(formatting.finite_number(value, unit, None, ja), formatting.finite_number(value, unit, places, ja))


@register.filter
def with_unit(node):
    """A KPI's name with its unit: 受注件数（件） in Japanese, 受注件数 (件) in English."""
    if not node.unit:
        return node.name
    if formatting._is_ja():
        return f"{node.name}（{node.unit}）"
    return f"{node.name} ({node.unit})"
