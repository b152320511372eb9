"""Rows the dashboards repeat by the hundred, as HTML built in Python: {% load dashboard_tags %}.

- `{% outline rows %}`: the dashboard's and the tree map's outline (metrics.reports.flat rows);
- `{% impact_rows rows %}`: the KPIs by improvement impact (metrics.ranking.RankedRow), on the dashboard and
  the home page's tree cards;
- `{% week_table_rows rows unit has_stretch %}`: the weekly table under a chart (metrics.reports.TableRow), on
  the dashboard (the KGI's) and the node pages; the rest of the table stays in its template.

The same markup, byte for byte, as the templates they replace made (tests/metrics/test_dashboard_tags.py keeps
those templates and compares, in Japanese and English, with and without a department), escaped the same way:
each figure through the same filters (their *_in_context forms: each tag switches to the display Decimal
context and looks the language up once), the badge through progress_tags.badge. A 200-node outline and its 200
levers and a 156-week table were most of the time of rendering the dashboard's numbers (an include per lever);
one Python loop each does them in a fraction of it. The node link is reversed once per page and completed with
each node's id.
"""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from goals import formatting
from goals.formatting import week_label
from goals.templatetags.goaltree import escaped, missing, pct_in_context
from metrics.templatetags.progress_tags import (
    badge_in,
    bar_width,
    cell_in_context,
    figure_in_context,
    missing_reason,
    reason_text,
    signed_impact_in_context,
    signed_pct_in_context,
)

register = template.Library()

_PLACEHOLDER = 2147483647  # a node id no database gives: replaced by each node's id in the reversed address


def node_url_maker():
    """A function of a node's pk giving reverse("goals:node-detail", args=[pk]), reversing only once."""
    address = reverse("goals:node-detail", args=[_PLACEHOLDER])
    head, found, tail = address.partition(str(_PLACEHOLDER))
    if not found or str(_PLACEHOLDER) in tail:
        return lambda pk: reverse("goals:node-detail", args=[pk])
    return lambda pk: f"{head}{pk}{tail}"


@register.simple_tag(takes_context=True)
@formatting.own_context
def outline(context, rows):
    """The rows of metrics.reports.flat as nested lists: status bar, name, figures, badge, achievement."""
    escape = escaped
    language = get_language()
    ja = formatting._is_ja()
    figure, pct = figure_in_context, pct_in_context
    node_url = node_url_maker()
    query = escape(context.get("node_query", ""))
    calculated = '<span class="kind-tag">' + escape(_("Calculated")) + "</span>"
    for_context = " · " + escape(_("shown for context"))
    no_target = escape(missing(_("No target yet")))
    parts = ['<ul class="tree-outline">\n']
    append = parts.append
    for row in rows:
        node, result = row.node, row.progress
        unit = node.unit
        department = node.department
        target = result.target_to_date
        actual = escape(figure(result.actual_to_date, unit, ja))
        append(
            "<li>\n"
            f'  <div class="tree-node is-{escape(row.status)}{" is-context" if row.context_only else ""}">\n'
            '    <div class="tree-node__name">\n'
            f'      <a href="{escape(node_url(node.pk))}{query}">{escape(node.name)}</a>'
            f"{calculated if node.is_formula else ''}\n"
            f'      <span class="tree-node__meta">{escape(department.name) if department else ""}'
            f"{for_context if row.context_only else ''}</span>\n"
            "    </div>\n"
            f'    <div class="tree-node__figures">{actual} <span class="muted">/ '
            f"{escape(figure(target, unit, ja)) if target is not None else no_target}</span></div>\n"
            f'    <div class="tree-node__status">{escape(badge_in(row.status, missing_reason(result), language))} '
            f'<span class="tree-node__pct">{escape(pct(result.achievement))}</span></div>\n'
            "  </div>\n"
        )
        if row.opens:
            append("<ul>")
        else:
            append("</li>" + "</ul></li>" * len(row.closes))
        append("\n")
    append("</ul>")
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
@formatting.own_context
def impact_rows(context, rows, node_query=None):
    """One <li> per RankedRow: the KPI's link, its impact with its sign, the sentence, its elasticity, the bar."""
    escape = escaped
    ja = formatting._is_ja()
    signed_impact, signed_pct = signed_impact_in_context, signed_pct_in_context
    node_url = node_url_maker()
    query = escape(context.get("node_query", "") if node_query is None else node_query)
    elasticity = escape(_("Elasticity"))
    no_elasticity = (
        '<span title="'
        + escape(_("Formula KPIs have no elasticity of their own: it is shown on the KPIs entered."))
        + '">—</span>'
    )
    parts = []
    for row in rows:
        node, sensitivity = row.node, row.sensitivity
        parts.append(
            f'<li class="{"" if row.helps else "is-against"}"><a href="{escape(node_url(node.pk))}{query}">'
            f'{escape(node.name)}</a> <span class="num">{escape(signed_impact(row.impact, row.kgi_unit, ja))}</span>'
            f'<p class="impact-sentence">{escape(row.sentence)}</p><span class="impact-elasticity muted">{elasticity} '
            f"{escape(signed_pct(sensitivity)) if sensitivity is not None else no_elasticity}</span>"
            '<svg class="lever-bar" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true" '
            'focusable="false"><rect class="track" width="100" height="6"/>'
            f'<rect class="value" width="{escape(bar_width(row.share))}" height="6"/></svg></li>\n'
        )
    return mark_safe("".join(parts))


@register.simple_tag
@formatting.own_context
def week_table_rows(rows, unit, has_stretch):
    """One <tr> per week: the week, its actual, target, actual and target to date, forecast, stretch, note."""
    escape = escaped
    ja = formatting._is_ja()
    cell = cell_in_context
    as_of = ' <span class="muted small">' + escape(_("(as of)")) + "</span>"
    not_yet = '<span class="muted">' + escape(_("not yet")) + "</span>"
    no_target = escape(missing(_("No target yet")))
    no_data = escape(missing())
    parts = []
    for row in rows:
        if row.is_future:
            actual = not_yet
        elif row.actual is None:
            actual = escape(missing(reason_text(row.reason)))
        else:
            actual = escape(cell(row.actual, unit) or "—")
        if row.is_future:
            to_date = ""
        elif row.cumulative_actual is None:
            to_date = no_data
        else:
            to_date = escape(cell(row.cumulative_actual, unit))
        target = no_target if row.target is None else escape(cell(row.target, unit))
        target_to_date = no_target if row.cumulative_target is None else escape(cell(row.cumulative_target, unit))
        stretch = f'<td class="num">{escape(cell(row.stretch, unit))}</td>' if has_stretch else ""
        week = escape(week_label(row.week, ja) if row.week else "")  # goaltree's week filter
        parts.append(
            f'\n      <tr class="{"is-as-of" if row.is_as_of else "is-future" if row.is_future else ""}">\n'
            f'        <th scope="row">{week}{as_of if row.is_as_of else ""}</th>\n'
            f'        <td class="num">{actual}</td>\n'
            f'        <td class="num">{target}</td>\n'
            f'        <td class="num">{to_date}</td>\n'
            f'        <td class="num">{target_to_date}</td>\n'
            f'        <td class="num">{escape(cell(row.forecast, unit))}</td>\n'
            f"        {stretch}\n"
            f"        <td>{escape(row.note)}</td>\n"
            "      </tr>\n      "
        )
    return mark_safe("".join(parts))
