"""Numbers due: what a person's departments (or one department) still owe for the last complete week."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from goals.access import access_for
from goals.models import Department, Node, Tree
from metrics.due import due_week
from metrics.grid import ALL, cell_key
from metrics.models import Entry


@dataclass
class DueItem:
    node: Node
    week: date
    url: str
    is_mine: bool  # the person owns the node


@login_required
def due(request):
    """?department=<id> for one department; without it, the person's own departments. A guest sees the
    departments of the trees they are invited to, and the numbers due in those trees only."""
    access = access_for(request.user)
    departments = Department.objects.all()
    if access.is_guest:
        trees = access.guest_tree_ids
        departments = departments.filter(Q(nodes__tree__in=trees) | Q(trees__in=trees)).distinct()
    departments = list(departments)
    department = next((d for d in departments if str(d.pk) == request.GET.get("department")), None)
    scope = {department.pk} if department else access.member_of
    groups = due_groups(request.user, scope)
    return render(
        request,
        "metrics/due.html",
        {
            "departments": departments,
            "department": department,
            "groups": groups,
            "count": sum(len(items) for _tree, items in groups),
            "has_departments": bool(access.member_of),
        },
    )


def due_groups(user, scope, today=None) -> list[tuple[Tree, list[DueItem]]]:
    """[(tree, [DueItem])] of the measured nodes of the departments `scope` still missing their due number (as of
    `today`, by default the site's today)."""
    access = access_for(user)
    today = today or timezone.localdate()

    candidates = Node.objects.active().filter(department__in=scope)
    if access.is_guest:
        candidates = candidates.filter(tree__in=access.guest_tree_ids)
    nodes = [
        node
        for node in candidates.select_related("tree", "department", "owner").order_by(
            "tree__period_start", "tree__name", "tree_id", "position", "id"
        )
        if node.is_measured
    ]
    # One Tree per tree (select_related makes one per node, each working out the period's weeks again) and one
    # due week per tree and frequency, the only things of a node due_week reads.
    trees = {}
    due_weeks = {}
    weeks = {}
    for node in nodes:
        node.tree = trees.setdefault(node.tree_id, node.tree)
        key = (node.tree_id, node.frequency)
        if key not in due_weeks:
            due_weeks[key] = due_week(node, node.tree, today)
        weeks[node.pk] = due_weeks[key]
    nodes = [node for node in nodes if weeks[node.pk] is not None]
    present = set(Entry.objects.filter(node__in=nodes, week__in=set(weeks.values())).values_list("node_id", "week"))
    groups: dict[int, tuple[Tree, list[DueItem]]] = {}
    grid = reverse("metrics:grid")
    for node in nodes:
        week = weeks[node.pk]
        if (node.pk, week) in present:
            continue
        params = {"tree": node.tree_id, "week": week.isoformat()}
        if node.department_id not in access.member_of:
            params["show"] = ALL
        url = f"{grid}?{urlencode(params)}#cell-{cell_key(node.pk, week)}"
        item = DueItem(node, week, url, node.owner_id == user.pk)
        groups.setdefault(node.tree_id, (node.tree, []))[1].append(item)
    return list(groups.values())
