"""Nodes: the node page, and the tree editor's actions on a node (add a child, edit, move, reorder,
delete or archive, restore).

Each action's form is a page of its own (GET) that works without JavaScript; on the tree page the
same markup loads into the side panel with htmx (`#panel` partial). Saving is a separate POST view.
After an htmx save the tree page's editor region is re-rendered; after a plain save the browser is
redirected to the tree page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from goals import editing, history, hooks, outline
from goals.access import access_for, get_node_for_user, get_tree_for_user
from goals.discussion import pages
from goals.forms.nodes import MoveForm, NodeForm, check_formula
from goals.formulas import rules
from goals.models import ChangeAction, Node, Tree, VersionConflict
from goals.views.trees import render_editor, tree_url


def _arranged(node):
    """The node's tree as an outline, and this node from it (with depth, kids and parent set)."""
    nodes = list(node.tree.nodes.select_related("department", "owner").order_by("position", "id"))
    arranged = outline.build(nodes)
    this = next((n for n in nodes if n.pk == node.pk), node)
    this.tree = node.tree
    return arranged, this


def _status(request):
    """htmx swaps only 2xx responses, so a form with errors comes back as 200 to htmx and 400 otherwise."""
    return 200 if request.htmx else 400


def _refuse(request, node, message):
    """Say why an action cannot be done: in the editor for htmx, as a message on the tree page otherwise."""
    if request.htmx:
        return render_editor(request, node.tree, error=message)
    messages.error(request, message)
    return redirect(tree_url(node.tree, node if not node.is_archived else None))


def _done(request, tree, notice, node=None):
    """After a change: the editor region for htmx, else back to the tree page at `node`'s card."""
    if request.htmx:
        return render_editor(request, tree, notice=notice, node=node)
    messages.success(request, notice)
    return redirect(tree_url(tree, node))


def _child_refusal(parent):
    """Why no child can be added under `parent` (archived, or already as deep as the tree allows), else ''."""
    if parent.is_archived:
        return _("%(node)s is archived. Restore it before adding to it.") % {"node": parent.name}
    _arranged_tree, this = _arranged(parent)
    if this.depth + 1 > parent.tree.max_depth:
        return _(
            "%(node)s is already at level %(depth)s below the KGI, the deepest this tree allows. Add the KPI higher "
            "up, or raise the maximum depth in the tree's settings."
        ) % {"node": parent.name, "depth": this.depth}
    return ""


def _render_panel(request, template, context, status=200):
    """A side-panel page (`context["heading"]` names it): its `#panel` partial for htmx, else the whole page."""
    context["in_panel"] = bool(request.htmx)
    return render(request, f"{template}#panel" if request.htmx else template, context, status=status)


# The node page


def node_context(request, node, comment_form=None, reply=None):
    arranged, this = _arranged(node)
    by_id = {n.pk: n for n in arranged.nodes}
    for archived in arranged.archived:
        by_id.setdefault(archived.pk, archived)
    department_ids = {n.department_id for n in arranged.nodes if n.department_id} | {node.tree.department_id}
    access = access_for(request.user)
    children = list(getattr(this, "kids", []))
    by_code = {n.code: n for n in arranged.nodes}
    names = {code: n.name for code, n in by_code.items()}
    formula_parts = [(text, by_code.get(code)) for text, code in rules.parts(node.formula, names)]
    breakdown_parts = (
        [(text, by_code.get(code)) for text, code in rules.parts(node.breakdown, names)] if node.has_breakdown else []
    )
    return {
        "node": node,
        "tree": node.tree,
        "ancestors": outline.ancestors(node, by_id),
        "children": children,
        "depth": getattr(this, "depth", None),
        "formula_parts": formula_parts,
        "breakdown_parts": breakdown_parts,
        "is_driver": getattr(this, "is_driver", False),
        "changes": history.with_rows(history.node_changes(node)),
        **pages.node_discussion(request, node, comment_form, reply),
        "can_edit": access.can_edit_tree(node.tree, department_ids - {None}),
        "is_admin": access.is_admin,
    }


@login_required
@require_GET
def node_detail(request, pk):
    node = get_node_for_user(request, pk)
    return render(request, "goals/node_detail.html", node_page_context(request, node))


def node_page_context(request, node, comment_form=None, reply=None):
    """node_context and the node's numbers (progress, initiatives with their effect, history of numbers), which
    metrics adds (metrics.pages.node_page): everything the whole node page shows."""
    context = node_context(request, node, comment_form, reply)
    context.update(hooks.page_context("node", request, node))
    return context


# Adding and editing


def _render_form(request, form, *, tree, mode, node=None, parent=None, conflict=None, status=200):
    action = (
        reverse("goals:node-add-save", args=[parent.pk])
        if mode == "add"
        else reverse("goals:node-edit-save", args=[node.pk])
    )
    check_url = reverse("goals:check-formula", args=[tree.pk])
    if node is not None:
        check_url += f"?node={node.pk}"
    for field in ("formula", "breakdown"):
        form.fields[field].widget.attrs.update(
            {
                "hx-post": check_url + ("&" if "?" in check_url else "?") + f"field={field}",
                "hx-trigger": "input changed delay:400ms",
                "hx-target": f"#{field}-check",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
            }
        )
    context = {
        "form": form,
        "tree": tree,
        "node": node,
        "parent": parent,
        "mode": mode,
        "heading": (
            _("Add a KPI under %(parent)s") % {"parent": parent.name}
            if mode == "add"
            else _("Edit %(name)s") % {"name": node.name}
        ),
        "action": action,
        "conflict": conflict,
        "has_errors": conflict is not None,
    }
    return _render_panel(request, "goals/node_form.html", context, status=status)


@login_required
@require_GET
def add_node(request, pk):
    """The form for a new child of node `pk`."""
    parent = get_node_for_user(request, pk, write=True)
    refusal = _child_refusal(parent)
    if refusal:
        return _refuse(request, parent, refusal)
    form = NodeForm(tree=parent.tree, parent=parent, initial={"department": parent.department_id})
    return _render_form(request, form, tree=parent.tree, mode="add", parent=parent)


@login_required
@require_POST
def create_node(request, pk):
    parent = get_node_for_user(request, pk, write=True)
    refusal = _child_refusal(parent)
    if refusal:
        return _refuse(request, parent, refusal)
    form = NodeForm(request.POST, tree=parent.tree, parent=parent)
    if form.is_valid():
        try:
            with transaction.atomic(), history.recorded_as(request.user, ChangeAction.CREATE):
                node = form.save(commit=False)
                last = parent.children.active().aggregate(last=Max("position"))["last"]
                node.position = 0 if last is None else last + 1
                node.save()
                Tree.bump_data_version(parent.tree_id)
        except IntegrityError:
            # Someone added a node with this code in the meantime.
            form.add_error(
                "code",
                _("%(code)s is already used in this tree. Choose another code.") % {"code": form.cleaned_data["code"]},
            )
        else:
            notice = _("Added %(node)s under %(parent)s.") % {"node": node.name, "parent": parent.name}
            return _done(request, parent.tree, notice, node)
    return _render_form(request, form, tree=parent.tree, mode="add", parent=parent, status=_status(request))


@login_required
@require_GET
def edit_node(request, pk):
    node = get_node_for_user(request, pk, write=True)
    if node.is_archived:
        return _refuse(request, node, _("%(node)s is archived. Restore it before editing it.") % {"node": node.name})
    form = NodeForm(instance=node, tree=node.tree)
    return _render_form(request, form, tree=node.tree, mode="edit", node=node)


@login_required
@require_POST
def update_node(request, pk):
    node = get_node_for_user(request, pk, write=True)
    if node.is_archived:
        return _refuse(request, node, _("%(node)s is archived. Restore it before editing it.") % {"node": node.name})
    # The form works on a copy of its own: `node` stays as stored, for the page around the form.
    editable = Node.objects.select_related("tree", "parent", "department", "owner").get(pk=pk)
    form = NodeForm(request.POST, instance=editable, tree=node.tree)
    if not form.is_valid():
        return _render_form(request, form, tree=node.tree, mode="edit", node=node, status=_status(request))
    form_version = form.cleaned_data.get("version")
    try:
        saved = node.save_versioned(request.user, form.changes(), expected_version=form_version or 0)
    except VersionConflict as conflict:
        # Saved by someone else since this form was opened: refuse, show their change, keep these values.
        # The re-rendered form carries the new version, so saving again overwrites on purpose.
        data = request.POST.copy()
        data["version"] = conflict.stored_version
        fresh = Node.objects.select_related("tree", "parent").get(pk=pk)
        return _render_form(
            request,
            NodeForm(data, instance=fresh, tree=node.tree),
            tree=node.tree,
            mode="edit",
            node=node,
            conflict=history.updates_since(fresh, form_version),
            status=200 if request.htmx else 409,
        )
    notice = _("Saved %(node)s.") if saved.version != node.version else _("Nothing changed in %(node)s.")
    return _done(request, node.tree, notice % {"node": saved.name}, saved)


@login_required
@require_POST
def check_formula_view(request, pk):
    """The message under the formula field, as typed: which part is wrong, or that it can be used."""
    tree = get_tree_for_user(request, pk)
    node_id = request.GET.get("node", "")
    node = tree.nodes.filter(pk=node_id).first() if node_id.isascii() and node_id.isdigit() else None
    field = "breakdown" if request.GET.get("field") == "breakdown" else "formula"
    ok, message = check_formula(
        request.POST.get(field, ""), node, request.POST.get("name", "").strip(), tree=tree, field=field
    )
    context = {"formula_ok": ok, "formula_message": message, "check_id": f"{field}-check"}
    return render(request, "goals/node_form.html#formula-check", context)


# Moving and reordering


@login_required
@require_GET
def move_node_form(request, pk):
    node = get_node_for_user(request, pk, write=True)
    if node.is_kgi or node.is_archived:
        return _refuse(
            request,
            node,
            _("The KGI is the top of the tree and cannot be moved.")
            if node.is_kgi
            else _("%(node)s is archived. Restore it before moving it.") % {"node": node.name},
        )
    arranged, this = _arranged(node)
    form = MoveForm(node=this, nodes=arranged.nodes)
    return _render_panel(request, "goals/node_move.html", _move_context(node, form))


def _move_context(node, form, **extra):
    return {
        "form": form,
        "node": node,
        "tree": node.tree,
        "heading": _("Move %(name)s") % {"name": node.name},
        **extra,
    }


@login_required
@require_POST
def move_node(request, pk):
    node = get_node_for_user(request, pk, write=True)
    if node.is_archived:
        return _refuse(request, node, _("%(node)s is archived. Restore it before moving it.") % {"node": node.name})
    with transaction.atomic():
        # One structural change per tree at a time, so two crossing moves cannot make a loop.
        Tree.objects.select_for_update().filter(pk=node.tree_id).first()
        arranged, this = _arranged(node)
        form = MoveForm(request.POST, node=this, nodes=arranged.nodes)
        if form.is_valid():
            new_parent = form.cleaned_data["parent"]
            editing.move(node, new_parent, request.user)
            notice = _("Moved %(node)s under %(parent)s.") % {"node": node.name, "parent": new_parent.name}
            return _done(request, node.tree, notice, node)
    return _render_panel(
        request, "goals/node_move.html", _move_context(node, form, has_errors=True), status=_status(request)
    )


@login_required
@require_POST
def reorder_node(request, pk):
    node = get_node_for_user(request, pk, write=True)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Choose up or down."))
    if node.is_archived:
        return _refuse(request, node, _("%(node)s is archived. Restore it before moving it.") % {"node": node.name})
    if node.is_kgi:
        return _refuse(request, node, _("The KGI is the top of the tree and cannot be moved."))
    moved = editing.reorder(node, direction, request.user)
    if not moved:
        message = (
            _("%(node)s is already the first of its siblings.")
            if direction == "up"
            else _("%(node)s is already the last of its siblings.")
        ) % {"node": node.name}
        return _refuse(request, node, message)
    notice = (_("Moved %(node)s up.") if direction == "up" else _("Moved %(node)s down.")) % {"node": node.name}
    return _done(request, node.tree, notice, node)


# Deleting, archiving, restoring


@login_required
@require_GET
def delete_node_form(request, pk):
    """Says what deleting will do (delete, archive with the reasons, or why not) and asks to confirm."""
    node = get_node_for_user(request, pk, write=True)
    plan, detail = editing.removal_plan(node)
    context = {
        "node": node,
        "tree": node.tree,
        "heading": _("Delete %(name)s") % {"name": node.name},
        "plan": plan,
        "detail": detail,
    }
    return _render_panel(request, "goals/node_delete.html", context)


@login_required
@require_POST
def delete_node(request, pk):
    node = get_node_for_user(request, pk, write=True)
    try:
        outcome = editing.remove(node, request.user)
    except editing.EditRefused as refused:
        return _refuse(request, node, refused.message)
    if outcome == "archive":
        notice = _("Archived %(node)s. You can restore it from Archived nodes.") % {"node": node.name}
    else:
        notice = _("Deleted %(node)s.") % {"node": node.name}
    return _done(request, node.tree, notice)


@login_required
@require_POST
def restore_node(request, pk):
    node = get_node_for_user(request, pk, write=True)
    try:
        node = editing.restore(node, request.user)
    except editing.EditRefused as refused:
        return _refuse(request, node, refused.message)
    return _done(request, node.tree, _("Restored %(node)s.") % {"node": node.name}, node)
