"""The entry grid: a department's weekly numbers, entered cell by cell (htmx) or as one form (no JavaScript)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from goals.access import access_for, check_can_enter
from goals.models import Node
from metrics import entry_quality
from metrics.grid import (
    ALL,
    CONFLICT,
    DELETED,
    ENTRY,
    ERROR,
    MINE,
    SAVED,
    VISIBLE_WEEKS,
    GridQuery,
    build_grids,
    candidate_trees,
    computed_cells_for_week,
    default_trees,
)
from metrics.grid_saving import read_cell_inputs, read_whole_grid, save_cells


@csrf_exempt  # only until the form is read: _save_grid checks the CSRF token
@login_required
@require_http_methods(["GET", "POST"])
def grid(request):
    """GET: the grid. POST (without JavaScript): every cell checked, then all saved in one transaction or none.

    The posted grid is read before Django's CSRF check, which would read it with Django's limit of fields:
    with a bound sized to the grid the address asks for (metrics.grid_saving.read_whole_grid), then checked.
    """
    access = access_for(request.user)
    query = GridQuery.from_request(request, access)
    if request.method == "POST":
        request.POST = read_whole_grid(request, _cells_of(access, query))
        return _save_grid(request, access, query)
    return render(request, "metrics/grid.html", _grid_context(request, access, query))


def _selected_trees(access, query, today):
    """(the trees a person can pick, the ones the address selects)."""
    trees = [tree for tree in candidate_trees(access, query.show) if access.can_see_tree(tree)]
    selected = [tree for tree in trees if tree.pk in query.tree_ids] or default_trees(trees, today)
    return trees, selected


def _cells_of(access, query):
    """How many cells the grid of the address can show at most: its nodes times the visible weeks."""
    _trees, selected = _selected_trees(access, query, timezone.localdate())
    return (Node.objects.active().filter(tree__in=selected).count() if selected else 0) * VISIBLE_WEEKS


def save_and_report(request, inputs):
    """Save the cells of a plain form post, all or nothing (metrics.grid_saving.save_cells): (the results, those
    with a problem). When none has a problem, a message says how many numbers were saved."""
    results = save_cells(inputs, _nodes_for(request, inputs), request.user)
    problems = [result for result in results if result.outcome in (ERROR, CONFLICT)]
    if not problems:
        count = sum(result.outcome in (SAVED, DELETED) for result in results)
        if count:
            messages.success(
                request, ngettext("Saved %(count)s number.", "Saved %(count)s numbers.", count) % {"count": count}
            )
        else:
            messages.info(request, _("Nothing changed."))
    return results, problems


def keep_typed(row, typed):
    """Show what was typed ({cell key: cell}) in place of the row's cells, each with its cell's context."""
    for cell in row.cells:
        if cell.key in typed:
            typed[cell.key].target, typed[cell.key].last = cell.target, cell.last
    row.cells = [typed.get(cell.key, cell) for cell in row.cells]


@csrf_protect
def _save_grid(request, access, query):
    results, problems = save_and_report(request, read_cell_inputs(request.POST))
    if not problems:
        return redirect(request.get_full_path())
    typed = {result.input.key: result.cell() for result in results}
    context = _grid_context(request, access, query, typed=typed)
    context["problems"] = [typed[result.input.key] for result in problems]
    context["has_errors"] = True
    return render(request, "metrics/grid.html", context, status=400)


def _grid_context(request, access, query, typed=None):
    today = timezone.localdate()
    trees, selected = _selected_trees(access, query, today)
    grids = build_grids(access, selected, query, today)
    if typed:
        for tree_grid in grids:
            for row in tree_grid.rows:
                if row.kind == ENTRY:
                    keep_typed(row, typed)
    else:
        _mark_focus(grids)
    return {
        "query": query,
        "trees": trees,
        "selected_ids": {tree.pk for tree in selected},
        "grids": grids,
        "navigation": _week_navigation(request, grids, query),
        "show_choices": [(MINE, _("My departments")), (ALL, _("All departments"))],
        "has_departments": bool(access.member_of),
        "visible_weeks": VISIBLE_WEEKS,
    }


def _mark_focus(grids):
    """The cell that takes the focus: the first one to enter in the last complete week (else the latest week)."""
    for tree_grid in grids:
        if not tree_grid.weeks:
            continue
        week = tree_grid.last_complete or tree_grid.weeks[-1]
        for row in tree_grid.rows:
            if row.kind == ENTRY:
                for cell in row.cells:
                    if cell.week == week:
                        cell.autofocus = True
                        return


def _week_navigation(request, grids, query):
    """Links to the six weeks before and after, keeping the other parameters."""
    shown = [tree_grid for tree_grid in grids if tree_grid.weeks]
    if not shown:
        return {}
    base = shown[0].weeks[-1]
    step = timedelta(weeks=VISIBLE_WEEKS)

    def url(week):
        params = request.GET.copy()
        if week is None:
            params.pop("week", None)
        else:
            params["week"] = week.isoformat()
        return f"{request.path}?{params.urlencode()}" if params else request.path

    earlier = any(grid.weeks[0] > grid.tree.weeks[0] for grid in shown)
    later = any(grid.weeks[-1] < grid.tree.weeks[-1] for grid in shown)
    return {
        "earlier": url(base - step) if earlier else "",
        "later": url(base + step) if later else "",
        "latest": url(None) if query.anchor else "",
    }


@login_required
@require_POST
def save_cell(request):
    """One cell from the grid (htmx): its state, its hidden fields and the tree's computed cells of that week."""
    inputs = read_cell_inputs(request.POST)
    if len(inputs) != 1:
        raise BadRequest("send exactly one cell")
    nodes = _nodes_for(request, inputs)
    result = save_cells(inputs, nodes, request.user)[0]
    node = result.node
    week = result.input.week
    saved = result.outcome in (SAVED, DELETED)
    cell = result.cell()
    if saved and result.entry is not None:
        cell.usual = entry_quality.check_saved(node, week, result.entry.value)
    context = {
        "cell": cell,
        "computed": computed_cells_for_week(node.tree, week) if saved else [],
    }
    response = render(request, "metrics/grid.html#cell-response", context)
    if saved:
        trigger_client_event(
            response, "entriesChanged", {"tree": node.tree_id, "node": node.code, "week": week.isoformat()}
        )
    return response


def _nodes_for(request, inputs):
    """The posted cells' nodes (one query), each checked: active, measured, the person may enter it, its week."""
    ids = {item.node_id for item in inputs}
    nodes = {node.pk: node for node in Node.objects.filter(pk__in=ids).select_related("tree", "department")}
    for item in inputs:
        node = nodes.get(item.node_id)
        if node is None or node.is_archived:
            raise BadRequest("no such node")
        check_can_enter(request, node)  # 403 for a formula node or another department's
        if item.week not in node.tree.weeks:
            raise BadRequest("not a week of the tree")
    return nodes
