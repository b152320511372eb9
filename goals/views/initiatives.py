"""Initiatives (施策): a tree's list with each one's effect and cost-effectiveness, adding, editing, deleting.

Who may change them is in docs/permissions.md: the tree's editors (leads, admins) any initiative; members of
a department the initiatives that aim at one of its KPIs.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from goals import history, outline, periods
from goals import initiatives as effects
from goals.access import access_for, get_node_for_user, get_tree_for_user
from goals.formatting import plain
from goals.forms_initiatives import InitiativeForm
from goals.models import ChangeRecord, Initiative

# A tree's initiatives


def _tree_nodes(tree):
    """The tree's active nodes in outline order, with `.depth`, in one query."""
    return outline.build(tree.nodes.active().select_related("department")).nodes


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
    nodes = _tree_nodes(tree)
    access = access_for(request.user)
    tree_editor = access.can_edit_tree(tree, effects.tree_department_ids(nodes, tree))
    weeks = _weeks_param(request)
    as_of_week = effects.last_complete_week(tree)
    initiatives = tree.initiatives.select_related("owner").prefetch_related("nodes")
    rows = effects.effects_for(tree, initiatives, {node.pk: node for node in nodes}, n=weeks, as_of_week=as_of_week)
    for row in rows:
        row.can_change = effects.can_change(access, row.initiative.nodes.all(), tree_editor)
    context = {
        "tree": tree,
        "rows": rows,
        "summary": effects.summary(rows, nodes),
        "weeks": weeks,
        "week_choices": effects.WEEK_CHOICES,
        "as_of_week": as_of_week,
        "can_add": effects.can_add(access, tree, nodes, tree_editor),
    }
    template = "goals/initiative_list.html#effects" if request.htmx else "goals/initiative_list.html"
    return render(request, template, context)


# Adding, editing, deleting


def _refuse():
    raise PermissionDenied(
        _(
            "You can view the initiatives of this tree but not change them. Ask a lead of the tree, or a member of "
            "a department that owns the KPIs concerned."
        )
    )


def _form_for(request, tree, nodes, tree_editor, data=None, instance=None):
    access = access_for(request.user)
    own = None if tree_editor else access.member_of
    initial = {} if instance is not None else {"owner": request.user.pk}
    return InitiativeForm(data, instance=instance, initial=initial, tree=tree, nodes=nodes, own_department_ids=own)


def _check_can_add(request, tree):
    nodes = _tree_nodes(tree)
    access = access_for(request.user)
    tree_editor = access.can_edit_tree(tree, effects.tree_department_ids(nodes, tree))
    if not effects.can_add(access, tree, nodes, tree_editor):
        _refuse()
    return nodes, tree_editor


def _get_initiative(request, pk):
    """The initiative with its tree and KPIs, its tree's nodes, and whether the person edits the whole tree; 403
    unless the person may change this initiative."""
    initiative = get_object_or_404(
        Initiative.objects.select_related("tree", "tree__department", "owner").prefetch_related("nodes"), pk=pk
    )
    tree = initiative.tree
    nodes = _tree_nodes(tree)
    access = access_for(request.user)
    tree_editor = access.can_edit_tree(tree, effects.tree_department_ids(nodes, tree))
    if not effects.can_change(access, initiative.nodes.all(), tree_editor):
        _refuse()
    return initiative, nodes, tree_editor


def _render_form(request, tree, form, initiative=None, status=200):
    return render(
        request,
        "goals/initiative_form.html",
        {"tree": tree, "form": form, "initiative": initiative, "has_errors": bool(form.errors)},
        status=status,
    )


@login_required
@require_GET
def new_initiative(request, pk):
    tree = get_tree_for_user(request, pk)
    nodes, tree_editor = _check_can_add(request, tree)
    form = _form_for(request, tree, nodes, tree_editor)
    node_id = request.GET.get("node")
    if node_id and node_id.isdigit() and any(node.pk == int(node_id) for node in nodes):
        form.initial["nodes"] = [int(node_id)]
    return _render_form(request, tree, form)


@login_required
@require_POST
def create_initiative(request, pk):
    tree = get_tree_for_user(request, pk)
    nodes, tree_editor = _check_can_add(request, tree)
    form = _form_for(request, tree, nodes, tree_editor, data=request.POST)
    if not form.is_valid():
        return _render_form(request, tree, form, status=400)
    with transaction.atomic():
        initiative = form.save()
        _record(request, tree, ChangeRecord.Action.CREATE, "", _summary(initiative))
    messages.success(request, _("Added the initiative %(title)s.") % {"title": initiative.title})
    return redirect("goals:initiative-list", tree.pk)


@login_required
@require_GET
def edit_initiative(request, pk):
    initiative, nodes, tree_editor = _get_initiative(request, pk)
    form = _form_for(request, initiative.tree, nodes, tree_editor, instance=initiative)
    return _render_form(request, initiative.tree, form, initiative)


@login_required
@require_POST
def update_initiative(request, pk):
    initiative, nodes, tree_editor = _get_initiative(request, pk)
    tree = initiative.tree
    before = _summary(initiative)
    form = _form_for(request, tree, nodes, tree_editor, data=request.POST, instance=initiative)
    if not form.is_valid():
        return _render_form(request, tree, form, initiative, status=400)
    with transaction.atomic():
        initiative = form.save()
        after = _summary(initiative)
        if after != before:
            _record(request, tree, ChangeRecord.Action.UPDATE, before, after)
    messages.success(request, _("Saved the initiative %(title)s.") % {"title": initiative.title})
    return redirect("goals:initiative-list", tree.pk)


@login_required
@require_POST
def delete_initiative(request, pk):
    initiative, _nodes, _tree_editor = _get_initiative(request, pk)
    tree = initiative.tree
    with transaction.atomic():
        _record(request, tree, ChangeRecord.Action.DELETE, _summary(initiative), "")
        initiative.delete()
    messages.success(request, _("Deleted the initiative %(title)s.") % {"title": initiative.title})
    return redirect("goals:initiative-list", tree.pk)


def _record(request, tree, action, before, after):
    """One line in the tree's history (goals.history): the initiative before and after, "" for none."""
    history.record(tree, None, request.user, action, {"initiative": [before, after]})


def _summary(initiative):
    """The initiative in one line for the tree's history, readable in any language: title, dates, cost, KPIs."""
    end = initiative.end_date.isoformat() if initiative.end_date else ""
    parts = [f"{initiative.start_date.isoformat()}–{end}"]
    if initiative.cost is not None:
        parts.append(plain(initiative.cost))
    codes = sorted(node.code for node in initiative.nodes.all())
    parts.append(", ".join(codes))
    return f"{initiative.title} ({'; '.join(parts)})"


# A node's initiatives, for its chart


@login_required
@require_GET
def node_initiatives(request, pk):
    """[{label, week, title, start_date, end_date, cost}]: the node's initiatives lettered A, B… by start."""
    node = get_node_for_user(request, pk)
    items = []
    for index, initiative in enumerate(node.initiatives.order_by("start_date", "id")):
        items.append(
            {
                "label": effects.letter(index),
                "week": periods.week_containing(initiative.start_date, node.tree.week_start).isoformat(),
                "title": initiative.title,
                "start_date": initiative.start_date.isoformat(),
                "end_date": initiative.end_date.isoformat() if initiative.end_date else None,
                "cost": plain(initiative.cost) if initiative.cost is not None else None,
            }
        )
    return JsonResponse(items, safe=False)
