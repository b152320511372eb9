"""A tree's initiatives with each one's effect on its KPIs and their cost-effectiveness (adding, editing and
deleting them: goals.views.initiatives)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from goals import initiatives as rules
from goals import outline
from goals.access import access_for, get_tree_for_user
from metrics import initiatives as effects


def _weeks_param(request):
    try:
        weeks = int(request.GET.get("weeks", effects.DEFAULT_WEEKS))
    except ValueError:
        return effects.DEFAULT_WEEKS
    return weeks if weeks in effects.WEEK_CHOICES else effects.DEFAULT_WEEKS


@login_required
@require_GET
def initiative_list(request, pk):
    """Every initiative of the tree with its effect on each KPI, and the cheapest improvements per KPI."""
    tree = get_tree_for_user(request, pk)
    nodes = outline.build(tree.nodes.active().select_related("department")).nodes
    access = access_for(request.user)
    tree_editor = access.can_edit_tree(tree, rules.tree_department_ids(nodes, tree))
    weeks = _weeks_param(request)
    as_of_week = tree.last_complete_week()
    initiatives = tree.initiatives.select_related("owner").prefetch_related("nodes")
    rows = effects.effects_for(tree, initiatives, {node.pk: node for node in nodes}, n=weeks, as_of_week=as_of_week)
    for row in rows:
        row.can_change = rules.can_change(access, row.initiative.nodes.all(), tree_editor)
    context = {
        "tree": tree,
        "rows": rows,
        "summary": effects.summary(rows, nodes),
        "weeks": weeks,
        "week_choices": effects.WEEK_CHOICES,
        "as_of_week": as_of_week,
        "can_add": rules.can_add(access, tree, nodes, tree_editor),
    }
    template = "metrics/initiative_list.html#effects" if request.htmx else "metrics/initiative_list.html"
    return render(request, template, context)
