"""One KPI at a time: the entry grid for a phone (docs/ui.md "GRID"), /numbers/kpi/?node=<id>&week=<date>.

The person chooses one of the KPIs they enter, sees its weeks as a vertical list, newest first, each with its
target, last period's same week and its flag, and saves them in one form (no JavaScript needed). The cells are
the grid's own (metrics.grid.build_grids, so the same context and the same checks) and are saved by
metrics.grid_saving.save_cells: all or nothing, what was typed kept on a problem.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from goals.access import access_for, check_can_enter
from goals.models import Node
from metrics.grid import (
    ALL,
    ENTRY,
    VISIBLE_WEEKS,
    GridQuery,
    build_grids,
    candidate_trees,
    default_trees,
)
from metrics.grid_saving import read_cell_inputs
from metrics.views.grid import _week_navigation, keep_typed, save_and_report


def kpi_choices(access, today):
    """[(tree, [nodes the person enters])] of the trees running now that the person sees."""
    trees = [tree for tree in candidate_trees(access, ALL) if access.can_see_tree(tree)]
    current = default_trees(trees, today)
    nodes = (
        Node.objects.active().filter(tree__in=current, formula="").select_related("tree").order_by("position", "pk")
    )
    by_tree = {tree.pk: [] for tree in current}
    for node in nodes:
        if access.can_enter(node):
            by_tree[node.tree_id].append(node)
    return [(tree, by_tree[tree.pk]) for tree in current if by_tree[tree.pk]]


@login_required
@require_http_methods(["GET", "POST"])
def grid_kpi(request):
    access = access_for(request.user)
    today = timezone.localdate()
    query = GridQuery.from_request(request, access)
    context = {"choices": kpi_choices(access, today), "query": query}
    text = request.GET.get("node", "")
    if not text:
        return render(request, "metrics/grid_kpi.html", context)
    if not (text.isascii() and text.isdigit()):
        raise Http404("no such node")
    node = get_object_or_404(Node.objects.active().select_related("tree", "department"), pk=int(text))
    check_can_enter(request, node)  # 404 for a tree they do not see, 403 for a number they do not enter
    typed, problems, status = None, [], 200
    if request.method == "POST":
        inputs = read_cell_inputs(request.POST)
        if any(item.node_id != node.pk for item in inputs):
            raise Http404("cells of another node")
        results, problems = save_and_report(request, inputs)
        if not problems:
            return redirect(request.get_full_path())
        typed = {result.input.key: result.cell() for result in results}
        status = 400
    grid = build_grids(access, [node.tree], GridQuery(ALL, [node.tree_id], query.anchor), today)[0]
    row = next((row for row in grid.rows if row.node.pk == node.pk and row.kind == ENTRY), None)
    if row is None:
        raise Http404("not a row of the grid")
    if typed:
        keep_typed(row, typed)
    context.update(
        {
            "node": node,
            "tree_grid": grid,
            "row": row,
            "cells": list(reversed(row.cells)),  # newest first
            "problems": [typed[result.input.key] for result in problems] if typed else [],
            "has_errors": bool(problems),
            "navigation": _week_navigation(request, [grid], query),
            "visible_weeks": VISIBLE_WEEKS,
        }
    )
    return render(request, "metrics/grid_kpi.html", context, status=status)
