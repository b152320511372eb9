"""Initiatives on pages: {% load initiative_tags %}.

- ``{% node_initiatives node %}``: a node's initiatives lettered A, B… with their effect on the node, for the
  node page (through ``goals/includes/node_initiatives.html``); a fixed number of queries.
- Filters for effect figures: ``mean``, ``delta``, ``cost_per_unit``, ``weeks_used``, ``period``.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals import formatting
from goals import initiatives as effects
from goals.access import access_for
from goals.templatetags.goaltree import missing as _missing

register = template.Library()


def rounded(value):
    """For display: whole from 1,000 up, one decimal place from 1, 3 significant digits below 1."""
    value = Decimal(value)
    if value == value.to_integral():
        return value
    magnitude = abs(value)
    if magnitude >= 1000:
        step = Decimal(1)
    elif magnitude >= 1:
        step = Decimal("0.1")
    else:
        step = Decimal(1).scaleb(magnitude.adjusted() - 2)
    return value.quantize(step, rounding=ROUND_HALF_UP)


@register.filter
def with_unit(node):
    """A KPI's name with its unit: 受注件数（件） in Japanese, 受注件数 (件) in English."""
    if not node.unit:
        return node.name
    if formatting._is_ja():
        return f"{node.name}（{node.unit}）"
    return f"{node.name} ({node.unit})"


@register.filter
def mean(value, unit=""):
    """A mean weekly value with its unit: 12.5件; a muted dash when missing."""
    if value is None:
        return _missing()
    return formatting.number(rounded(value), unit)


@register.filter
def delta(value, unit=""):
    """A signed difference: +12.5件, -3件, +1.2pt for a % unit (percentage points)."""
    if value is None:
        return _missing()
    value = rounded(value)
    if (unit or "").strip() in ("%", "％"):
        text = formatting.grouped(value, 1) + "pt"
    else:
        text = formatting.number(value, unit)
    return "+" + text if value > 0 else text


@register.filter
def cost_per_unit(value, unit=""):
    """Yen per unit of the KPI: 12,500円/件 (ja), ¥12,500 per 件 (en); per pt for a % unit."""
    if value is None:
        return _missing()
    value = Decimal(value)
    value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP) if value >= 1 else rounded(value)
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
def yen(value):
    if value is None:
        return _missing(_("No cost entered"))
    return formatting.number(value, "円")


@register.inclusion_tag("goals/includes/node_initiatives_list.html", takes_context=True)
def node_initiatives(context, node, weeks=effects.DEFAULT_WEEKS):
    """The node's initiatives, A, B… by start date, with their effect on this node.

    Queries: the initiatives with their owners, the tree's progress (metrics.progress_cache: its nodes, and
    its entries only when not cached), and the
    person's memberships when not loaded yet for this request.
    """
    tree = node.tree
    initiatives = list(node.initiatives.select_related("owner").order_by("start_date", "id"))
    as_of_week = effects.last_complete_week(tree)
    rows = []
    if initiatives:
        values = effects.weekly_values(tree, [node.code], as_of_week).get(node.code, {})
        for index, initiative in enumerate(initiatives):
            effect = effects.kpi_effect(
                node, values, tree.weeks, initiative.start_date, initiative.cost, n=weeks, until=as_of_week
            )
            rows.append(effects.InitiativeRow(initiative, [effect], letter=effects.letter(index)))
    request = context.get("request")
    can_add = False
    if request is not None and not node.is_archived:
        access = access_for(request.user)
        can_add = access.is_admin or node.department_id in access.member_of or access.can_edit_tree(tree)
    return {
        "node": node,
        "tree": tree,
        "rows": rows,
        "weeks": weeks,
        "as_of_week": as_of_week,
        "can_add": can_add,
    }
