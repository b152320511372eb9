"""Every change to a node's numbers, and restoring a previous value (admins)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals.access import access_for, check_can_enter, check_can_see_tree, get_node_for_user
from goals.formatting import number, week_label
from metrics import entries
from metrics.entries import set_entry
from metrics.models import EntryChange


@login_required
def entry_history(request, node_id):
    node = get_node_for_user(request, node_id)
    context = {"node": node, "tree": node.tree, "history": entries.entry_history(node, request.user, limit=0)}
    return render(request, "metrics/entry_history.html", context)


@login_required
@require_POST
def restore_entry(request, change_id):
    """Set the week's entry back to the value (and note) that this change saved."""
    change = get_object_or_404(
        EntryChange.objects.select_related("node", "node__tree", "node__department"), pk=change_id
    )
    check_can_see_tree(request, change.node.tree_id)
    if not access_for(request.user).is_admin:
        raise PermissionDenied(_("You cannot restore previous values. Ask a workspace admin."))
    node = change.node
    check_can_enter(request, node)
    if change.new_value is None or change.week not in node.tree.weeks:
        raise BadRequest("this change has no value to restore")
    set_entry(
        node,
        change.week,
        change.new_value,
        user=request.user,
        source=EntryChange.Source.RESTORE,
        note=change.new_note,
    )
    messages.success(
        request,
        _("Restored %(value)s for %(node)s (%(week)s).")
        % {"value": number(change.new_value, node.unit), "node": node.name, "week": week_label(change.week)},
    )
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("metrics:entry-history", node_id=node.pk)
