"""Initiatives (施策): adding, editing, deleting, and a node's initiatives for its chart. The tree's list with each
one's effect is numbers over time: metrics.views.initiatives.

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
from goals import initiatives as rules
from goals.access import access_for, check_can_see_tree, get_node_for_user, get_tree_for_user
from goals.formatting import plain
from goals.forms.initiatives import InitiativeForm
from goals.models import ChangeAction, Initiative

# A tree's initiatives


def _tree_nodes(tree):
    """The tree's active nodes in outline order, with `.depth`, in one query."""
    return outline.build(tree.nodes.active().select_related("department")).nodes


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
    tree_editor = access.can_edit_tree(tree, rules.tree_department_ids(nodes, tree))
    if not rules.can_add(access, tree, nodes, tree_editor):
        _refuse()
    return nodes, tree_editor


def _get_initiative(request, pk):
    """The initiative with its tree and KPIs, its tree's nodes, and whether the person edits the whole tree; 403
    unless the person may change this initiative."""
    initiative = get_object_or_404(
        Initiative.objects.select_related("tree", "tree__department", "owner").prefetch_related("nodes"), pk=pk
    )
    tree = initiative.tree
    check_can_see_tree(request, tree)
    nodes = _tree_nodes(tree)
    access = access_for(request.user)
    tree_editor = access.can_edit_tree(tree, rules.tree_department_ids(nodes, tree))
    if not rules.can_change(access, initiative.nodes.all(), tree_editor):
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
    if node_id and node_id.isascii() and node_id.isdigit() and any(node.pk == int(node_id) for node in nodes):
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
    with history.recorded_as(request.user, ChangeAction.CREATE):
        initiative = form.save(commit=False).save_with_kpis(form.cleaned_data["nodes"])
    messages.success(request, _("Added the initiative %(title)s.") % {"title": initiative.title})
    return redirect("metrics:initiative-list", tree.pk)


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
    form = _form_for(request, tree, nodes, tree_editor, data=request.POST, instance=initiative)
    if not form.is_valid():
        return _render_form(request, tree, form, initiative, status=400)
    if form.has_changed():  # else there is nothing to save or record
        with history.recorded_as(request.user, ChangeAction.UPDATE):
            initiative = form.save(commit=False).save_with_kpis(form.cleaned_data["nodes"])
    messages.success(request, _("Saved the initiative %(title)s.") % {"title": initiative.title})
    return redirect("metrics:initiative-list", tree.pk)


@login_required
@require_POST
def delete_initiative(request, pk):
    initiative, _nodes, _tree_editor = _get_initiative(request, pk)
    tree = initiative.tree
    with transaction.atomic(), history.recorded_as(request.user, ChangeAction.DELETE):
        initiative.delete()
    messages.success(request, _("Deleted the initiative %(title)s.") % {"title": initiative.title})
    return redirect("metrics:initiative-list", tree.pk)


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
                "label": rules.letter(index),
                "week": periods.week_containing(initiative.start_date, node.tree.week_start).isoformat(),
                "title": initiative.title,
                "start_date": initiative.start_date.isoformat(),
                "end_date": initiative.end_date.isoformat() if initiative.end_date else None,
                "cost": plain(initiative.cost) if initiative.cost is not None else None,
            }
        )
    return JsonResponse(items, safe=False)
