"""The tree as a picture: /trees/<pk>/map/ (metrics.tree_map lays it out; numbers from metrics.progress)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from goals.access import get_tree_for_user
from metrics import progress, reports, tree_map
from metrics.progress import default_as_of


@login_required
@require_GET
def tree_map_view(request, pk):
    """The KPI tree drawn as boxes and elbow links (left to right, or ?direction=down), with its outline."""
    tree = get_tree_for_user(request, pk)
    text = request.GET.get("as_of", "")
    day, ok = reports.parse_as_of(text)
    problem = (
        ""
        if ok
        else _("“%(value)s” in the address is not a date, so the last complete week is shown.") % {"value": text}
    )
    computed = progress.tree_progress(tree, day or default_as_of(tree), notes_for=set())
    result = computed.progress
    roots = reports.outline(computed.loaded, result)
    direction = tree_map.DOWN if request.GET.get("direction") == tree_map.DOWN else tree_map.RIGHT
    picture = tree_map.layout(roots, direction)
    week = {"as_of": result.as_of_week.isoformat()} if "as_of" in request.GET and ok else {}
    path = reverse("metrics:tree-map", args=[tree.pk])
    other = tree_map.RIGHT if direction == tree_map.DOWN else tree_map.DOWN
    context = {
        "tree": tree,
        "progress": result,
        "problem": problem,
        "picture": picture,
        "outline_rows": reports.flat(roots),
        "node_query": "?" + urlencode(week) if week else "",
        "other_direction": other,
        "other_direction_url": path + "?" + urlencode({**week, "direction": other}),
        "drivers": sum(1 for box in picture.boxes if box.is_driver),
    }
    return render(request, "metrics/tree_map.html", context)
