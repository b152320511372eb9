"""Template helpers of the dashboards: {% load progress_tags %}. They format; the views compute."""

from decimal import Decimal
from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from goals import formatting
from goals.templatetags.goaltree import status_badge, titled, to_show
from metrics import engine

register = template.Library()

INITIATIVES_PLUGIN = "js/chart-initiatives.js"


@register.inclusion_tag("metrics/includes/chart_scripts.html")
def chart_scripts():
    """Chart.js from settings.CHARTJS_URL with its SRI hash, the initiatives plugin when present, our charts.js."""
    return {
        "CHARTJS_URL": settings.CHARTJS_URL,
        "CHARTJS_SRI": settings.CHARTJS_SRI,
        "with_initiatives": finders.find(INITIATIVES_PLUGIN) is not None,
        "initiatives_plugin": INITIATIVES_PLUGIN,
    }


@register.simple_tag
def badge(status, reason=""):
    """{% badge status reason %}: goaltree's status_badge, rendered once per status, reason and language.

    A 200-node outline shows the same few badges 200 times; rendering the badge template each time was a
    fifth of the dashboard's rendering time.
    """
    return badge_in(status, reason, get_language())


def badge_in(status, reason, language):
    """badge in `language` (get_language()), for dashboard_tags, which looks it up once per tag."""
    return mark_safe(_badge(status, reason, language))


@lru_cache(maxsize=512)
def _badge(status, reason, language):
    return status_badge(status, reason)


@register.filter
def missing_reason(result):
    """Why a node's status is no data or incomplete, in words (for the badge's title)."""
    if result is None:
        return ""
    if result.status == engine.INCOMPLETE:
        return _("This node has no target yet. Set one in the tree.")
    if result.status != engine.NO_DATA:
        return ""
    return reason_text(result.actual_reason)


@register.filter
def reason_text(reason):
    return {
        engine.NO_ENTRY: _("No number entered yet."),
        engine.MISSING_INPUT: _("An input of the formula has no number."),
        engine.DIVISION_BY_ZERO: _("The formula divides by zero."),
        engine.FORMULA_ERROR: _("The formula cannot be used."),
    }.get(reason, "")


@register.filter
@formatting.own_context
def signed_pct(value):
    """A change in percent with its sign: +1.0%, -0.5%."""
    return signed_pct_in_context(value)


def signed_pct_in_context(value):
    """signed_pct in the display context (for dashboard_tags, whose tags switch to it once)."""
    if formatting.is_usual(value):
        text = formatting.finite_percent(value)
        return text if text.startswith("-") or value == 0 else "+" + text
    value = formatting.to_decimal(value)
    if value is None:
        return ""
    text = formatting.percent(value)
    return text if text.startswith("-") or value == 0 or formatting.is_too_large(value) else "+" + text


@register.filter
@formatting.own_context
def bar_width(share, width=100):
    """The width in SVG units of a bar for a share between 0 and 1."""
    share = formatting.to_decimal(share)
    if share is None:
        return 0
    return f"{max(Decimal(0), min(Decimal(1), share)) * Decimal(width):.1f}"


@register.filter
def status_word(status):
    return formatting.STATUS_LABELS.get(status, status)


@register.filter
@formatting.own_context
def r_value(value):
    """A correlation coefficient with two decimals: 0.84, -0.12."""
    value = formatting.to_decimal(value)
    if value is None or formatting.is_too_large(value):
        return ""
    return formatting.grouped(value, 2)


@register.filter
@formatting.own_context
def figure(value, unit=""):
    """{{ value|figure:node.unit }}: a figure with its unit, rounded for display; a muted dash for missing."""
    return figure_in_context(value, unit)


def figure_in_context(value, unit="", ja=None):
    """figure in the display context, `ja` the language when the caller has looked it up (dashboard_tags, whose
    tags switch to the context and look the language up once). Display rounding: goals.formatting.summary_value,
    the one rounding of every page (counts whole, half up)."""
    value, dash = to_show(value)
    if dash:
        return dash
    return formatting.finite_number(formatting.finite_summary_value(value, unit), unit, None, ja)


@register.filter
@formatting.own_context
def cell(value, unit=""):
    """A weekly table's figure without its unit (the unit is in the header), rounded like `figure` except that
    counts keep two decimals (a weekly row is not a summary); a muted dash when it is too large to show."""
    return cell_in_context(value, unit)


def cell_in_context(value, unit=""):
    """cell in the display context (for dashboard_tags, whose tags switch to it once)."""
    if formatting.is_usual(value):
        return formatting.finite_grouped(formatting.finite_summary_value(value, unit, False))
    if formatting.is_too_large(value):
        return to_show(value)[1]
    value = formatting.to_decimal(value)
    if value is None:
        return ""
    return formatting.grouped(formatting.summary_value(value, unit, whole_counts=False))


@register.filter
@formatting.own_context
def signed_impact(value, unit=""):
    """{{ row.impact|signed_impact:kgi.unit }}: an impact as a headline figure with its sign (+1230万円), the exact
    value in the title; a muted dash for missing."""
    return signed_impact_in_context(value, unit)


def signed_impact_in_context(value, unit="", ja=None):
    """signed_impact in the display context, `ja` the language when the caller has looked it up (as
    figure_in_context)."""
    value, dash = to_show(value)
    if dash:
        return dash
    if ja is None:
        ja = formatting._is_ja()
    exact = formatting.finite_number(value, unit, None, ja)
    shown = formatting.finite_headline(value, unit, ja)  # metrics.ranking.signed_headline: the value is within
    if value > 0:
        exact, shown = f"+{exact}", f"+{shown}"
    return titled(exact, shown)
