"""How initiatives and their effect figures are written on pages: {% load initiative_tags %}.

Filters: ``mean``, ``delta``, ``cost_per_unit``, ``weeks_used``, ``period``, ``yen``. They format; the views
(metrics.views.initiatives, and the node page's context from metrics.pages) compute the effects.
"""

import decimal
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals import formatting
from goals.templatetags.goaltree import missing as _missing
from goals.templatetags.goaltree import to_show

register = template.Library()

# Rounding for display, whatever the caller's context: values are within the bound, so 60 digits are plenty.
_CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP, traps=[decimal.InvalidOperation])


def rounded(value):
    """For display: whole from 1,000 up, one decimal place from 1, 3 significant digits below 1.

    `value` is a Decimal within the bound (goaltree.to_show); the rounding has a context of its own."""
    value = Decimal(value)
    if value == value.to_integral():
        return value
    magnitude = abs(value)
    if magnitude >= 1000:
        step = Decimal(1)
    elif magnitude >= 1:
        step = Decimal("0.1")
    else:
        step = Decimal(1).scaleb(max(magnitude.adjusted() - 2, -30))
    return value.quantize(step, context=_CONTEXT)


@register.filter
@formatting.own_context
def mean(value, unit=""):
    """A mean weekly value with its unit: 12.5件; a muted dash when missing."""
    value, dash = to_show(value)
    if dash:
        return dash
    return formatting.number(rounded(value), unit)


@register.filter
@formatting.own_context
def delta(value, unit=""):
    """A signed difference: +12.5件, -3件, +1.2pt for a % unit (percentage points)."""
    value, dash = to_show(value)
    if dash:
        return dash
    value = rounded(value)
    if (unit or "").strip() in ("%", "％"):
        text = formatting.grouped(value, 1) + "pt"
    else:
        text = formatting.number(value, unit)
    return "+" + text if value > 0 else text


@register.filter
@formatting.own_context
def cost_per_unit(value, unit=""):
    """Yen per unit of the KPI: 12,500円/件 (ja), ¥12,500 per 件 (en); per pt for a % unit."""
    value, dash = to_show(value)
    if dash:
        return dash
    value = value.quantize(Decimal(1), context=_CONTEXT) if value >= 1 else rounded(value)
    per = "pt" if (unit or "").strip() in ("%", "％") else (unit or "").strip()
    yen = formatting.number(value, "円")
    if not per:
        return yen
    return _("%(cost)s per %(unit)s") % {"cost": yen, "unit": per}


@register.filter
def weeks_used(count):
    return ngettext("%(count)s week", "%(count)s weeks", count) % {"count": count}


@register.filter
def period(initiative):
    """2026/06/29〜2026/07/31, or 2026/06/29〜 while it continues."""
    start = formatting.date_label(initiative.start_date)
    if initiative.end_date is None:
        return _("from %(start)s") % {"start": start}
    return _("%(start)s – %(end)s") % {"start": start, "end": formatting.date_label(initiative.end_date)}


@register.filter
@formatting.own_context
def yen(value):
    if value is None:
        return _missing(_("No cost entered"))
    value, dash = to_show(value)
    if dash:
        return dash
    return formatting.number(value, "円")
