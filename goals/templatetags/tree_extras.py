"""Template helpers of the tree-file and target pages: {% load tree_extras %}."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from goals import formatting
from goals.templatetags.goaltree import _missing

register = template.Library()


@register.filter
def rounded(value, unit=""):
    """{{ value|rounded:unit }}: a computed figure rounded for reading (exact value in the title)."""
    if value is None or value == "":
        return _missing()
    value = Decimal(value)
    if value == value.to_integral_value():
        return formatting.number(value, unit)
    places = 1 if unit in ("%", "％") else (0 if abs(value) >= 100 else 2)
    exact, shown = formatting.number(value, unit), formatting.number(value, unit, places)
    return format_html('<span title="{}">{}</span>', exact, shown)
