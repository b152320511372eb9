"""The rows built in Python (metrics/templatetags/dashboard_tags.py) against the templates they replaced.

ORACLE (the outline), ROW_ORACLE (one lever, included once per row) and TABLE_ORACLE (the weekly table) are
those templates, word for word; the
tags must give the same bytes for the same rows: every status, missing figures and targets, formula nodes,
departments, rows shown for context, impacts that help and that hurt, missing elasticities, escaping, both
languages.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

from goals.models import Department, Node
from metrics import progress, reports
from metrics.management.commands.bench import build_tree
from metrics.ranking import kpi_ranking
from tests.metrics.dashboard_data import entries, today  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

ORACLE = """{% load i18n goaltree progress_tags %}{# The tree as nested lists: status bar, name, figures, badge, achievement. Takes rows (metrics.reports.flat), node_query. #}
<ul class="tree-outline">
{% for row in rows %}<li>
  <div class="tree-node is-{{ row.status }}{% if row.context_only %} is-context{% endif %}">
    <div class="tree-node__name">
      <a href="{% url 'goals:node-detail' row.node.pk %}{{ node_query }}">{{ row.node.name }}</a>{% if row.node.is_formula %}<span class="kind-tag">{% translate "Calculated" %}</span>{% endif %}
      <span class="tree-node__meta">{% if row.node.department %}{{ row.node.department.name }}{% endif %}{% if row.context_only %} · {% translate "shown for context" %}{% endif %}</span>
    </div>
    <div class="tree-node__figures">{{ row.progress.actual_to_date|figure:row.node.unit }} <span class="muted">/ {% if row.progress.target_to_date is not None %}{{ row.progress.target_to_date|figure:row.node.unit }}{% else %}{% missing _("No target yet") %}{% endif %}</span></div>
    <div class="tree-node__status">{% badge row.status row.progress|missing_reason %} <span class="tree-node__pct">{{ row.progress.achievement|pct }}</span></div>
  </div>
{% if row.opens %}<ul>{% else %}</li>{% for level in row.closes %}</ul></li>{% endfor %}{% endif %}
{% endfor %}</ul>
"""  # noqa: E501

ROW_ORACLE = '{% load i18n goaltree progress_tags %}<li class="{% if not row.helps %}is-against{% endif %}"><a href="{% url \'goals:node-detail\' row.node.pk %}{{ node_query }}">{{ row.node.name }}</a> <span class="num">{{ row.impact|signed_impact:row.kgi_unit }}</span><p class="impact-sentence">{{ row.sentence }}</p><span class="impact-elasticity muted">{% translate "Elasticity" %} {% if row.sensitivity is not None %}{{ row.sensitivity|signed_pct }}{% else %}<span title="{% translate "Formula KPIs have no elasticity of their own: it is shown on the KPIs entered." %}">—</span>{% endif %}</span><svg class="lever-bar" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="track" width="100" height="6"/><rect class="value" width="{{ row.share|bar_width }}" height="6"/></svg></li>\n'  # noqa: E501

TABLE_ORACLE = '{% load i18n goaltree progress_tags %}{# The chart\'s numbers as a table, for screen readers and for copying. Takes rows (metrics.reports.TableRow), unit, has_stretch, table_id. #}\n<details class="data-table" id="{{ table_id }}">\n  <summary>{% translate "See as a table" %}</summary>\n  <div class="table-wrap">\n    <table class="table">\n      <caption>{{ caption }}{% if unit %} <span class="muted">{% blocktranslate %}(unit: {{ unit }}){% endblocktranslate %}</span>{% endif %}</caption>\n      <thead><tr>\n        <th scope="col">{% translate "Week" %}</th>\n        <th scope="col" class="num">{% translate "Actual" %}</th>\n        <th scope="col" class="num">{% translate "Target" %}</th>\n        <th scope="col" class="num">{% translate "Actual to date" %}</th>\n        <th scope="col" class="num">{% translate "Target to date" %}</th>\n        <th scope="col" class="num">{% translate "Landing forecast" %}</th>\n        {% if has_stretch %}<th scope="col" class="num">{% translate "Stretch to date" %}</th>{% endif %}\n        <th scope="col">{% translate "Note" %}</th>\n      </tr></thead>\n      <tbody>\n      {% for row in rows %}\n      <tr class="{% if row.is_as_of %}is-as-of{% elif row.is_future %}is-future{% endif %}">\n        <th scope="row">{{ row.week|week }}{% if row.is_as_of %} <span class="muted small">{% translate "(as of)" %}</span>{% endif %}</th>\n        <td class="num">{% if row.is_future %}<span class="muted">{% translate "not yet" %}</span>{% elif row.actual is None %}{% missing row.reason|reason_text %}{% else %}{{ row.actual|cell:unit|default:"—" }}{% endif %}</td>\n        <td class="num">{% if row.target is None %}{% missing _("No target yet") %}{% else %}{{ row.target|cell:unit }}{% endif %}</td>\n        <td class="num">{% if row.is_future %}{% elif row.cumulative_actual is None %}{% missing %}{% else %}{{ row.cumulative_actual|cell:unit }}{% endif %}</td>\n        <td class="num">{% if row.cumulative_target is None %}{% missing _("No target yet") %}{% else %}{{ row.cumulative_target|cell:unit }}{% endif %}</td>\n        <td class="num">{{ row.forecast|cell:unit }}</td>\n        {% if has_stretch %}<td class="num">{{ row.stretch|cell:unit }}</td>{% endif %}\n        <td>{{ row.note }}</td>\n      </tr>\n      {% endfor %}\n      </tbody>\n    </table>\n  </div>\n</details>\n'  # noqa: E501

LEVERS = """{% load dashboard_tags %}<ol>{% impact_rows ranking.ranked|slice:":10" %}</ol>
<ol>{% impact_rows ranking.ranked|slice:"10:" %}</ol>{% impact_rows ranking.ranked node_query="" %}"""


def _compare(tree, department_ids, as_of=None):
    found = progress.tree_progress(tree, as_of, notes_for=set())
    oracle = engines["django"].from_string(ORACLE)
    compared = levers = weeks = 0
    for language in ("ja", "en"):
        with translation.override(language):
            for department_id in department_ids:
                rows = reports.flat(reports.outline(found.loaded, found.progress, department_id))
                for query in ("", "?as_of=2026-04-13&x=<1>"):
                    context = {"rows": rows, "node_query": query}
                    expected = oracle.render(context)
                    got = render_to_string("metrics/includes/outline.html", context)
                    assert got == expected, (language, department_id, query)
                    compared += len(rows)
                    ranked = kpi_ranking(found.loaded, found.progress, department_id).ranked
                    row = engines["django"].from_string(ROW_ORACLE)
                    expected = (
                        "<ol>"
                        + "".join(row.render({"row": item, "node_query": query}) for item in ranked[:10])
                        + "</ol>\n<ol>"
                        + "".join(row.render({"row": item, "node_query": query}) for item in ranked[10:])
                        + "</ol>"
                        + "".join(row.render({"row": item, "node_query": ""}) for item in ranked)
                    )
                    context = {"ranking": {"ranked": ranked}, "node_query": query}
                    assert engines["django"].from_string(LEVERS).render(context) == expected
                    levers += len(ranked)
            for code, result in found.progress.nodes.items():
                notes = {week.week: f"<note {code}> & co" for week in result.weeks[::7]}
                table = reports.table_rows(result, reports.as_of_index(found.progress), notes)
                for has_stretch in (False, True):
                    context = {
                        "rows": table,
                        "unit": "円",
                        "has_stretch": has_stretch,
                        "table_id": "t",
                        "caption": code,
                    }
                    expected = engines["django"].from_string(TABLE_ORACLE).render(context)
                    assert render_to_string("metrics/includes/progress_table.html", context) == expected, code
                    weeks += len(table)
    assert compared and levers and weeks


@pytest.mark.usefixtures("entries")
def test_outline_is_the_templates_on_the_dashboard_tree(tree):
    # missing values, a formula with a missing input, a node without a target, a name to escape, a driver
    Node.objects.filter(tree=tree, code="leads").update(target=None, name='Leads <b>&"x"')
    departments = [None, *Node.objects.filter(tree=tree).exclude(department=None).values_list("department", flat=True)]
    _compare(tree, departments)


def test_outline_is_the_templates_on_a_large_tree():
    departments = [Department.objects.create(name=f"部署<{i}>", position=i) for i in range(1, 4)]
    tree = build_tree(
        "outline-large",
        60,
        period=(date(2026, 4, 1), date(2027, 3, 31)),
        departments=departments,
        entry_weeks=8,
        seed=3,
    )
    Node.objects.filter(tree=tree, code__startswith="x").update(target=Decimal(-5), unit="%")
    _compare(tree, [None, departments[1].pk], as_of=date(2026, 5, 25))
