"""Who may see and change what (docs/permissions.md). Views call these; templates only mirror them.

Every signed-in person sees every tree, node and comment. Members (and leads) of a node's owning
department enter its numbers. Leads of the tree's departments (its owner department and the
departments that own its nodes) and admins change the tree's structure. Nobody else changes anything.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from goals.models import Membership, Node, Tree, display_name


class Access:
    """A person's rights, computed once per request."""

    def __init__(self, user):
        self.user = user
        self.is_admin = bool(user.is_authenticated and (user.is_staff or user.is_superuser))
        self.member_of = set()
        self.lead_of = set()
        if user.is_authenticated:
            for department_id, role in Membership.objects.filter(user=user).values_list("department_id", "role"):
                self.member_of.add(department_id)
                if role == Membership.Role.LEAD:
                    self.lead_of.add(department_id)

    def tree_department_ids(self, tree):
        ids = set(tree.nodes.active().exclude(department=None).values_list("department_id", flat=True))
        if tree.department_id:
            ids.add(tree.department_id)
        return ids

    def can_edit_tree(self, tree, department_ids=None):
        if self.is_admin:
            return True
        if not self.lead_of:
            return False
        if department_ids is None:
            department_ids = self.tree_department_ids(tree)
        return bool(self.lead_of & set(department_ids))

    def can_enter(self, node):
        """May this person enter the weekly numbers of this node?"""
        if node.is_formula or node.is_archived:
            return False
        return self.is_admin or node.department_id in self.member_of


def access_for(user):
    access = getattr(user, "_goaltree_access", None)
    if access is None:
        access = Access(user)
        if user.is_authenticated:
            user._goaltree_access = access
    return access


def _tree_owner_hint(tree):
    """'Ask the owner, Tanaka (Marketing)' — the lead to ask for a change."""
    if tree.department_id is None:
        return _("Ask a workspace admin.")
    lead = (
        Membership.objects.filter(department_id=tree.department_id, role=Membership.Role.LEAD)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if lead is None:
        return _("Ask a workspace admin.")
    return _("Ask the owner, %(person)s (%(department)s).") % {
        "person": display_name(lead.user),
        "department": tree.department.name,
    }


def get_tree_for_user(request, pk, write=False):
    """The tree, or 404; with write=True, 403 unless the person may change its structure."""
    tree = get_object_or_404(Tree.objects.select_related("department"), pk=pk)
    if write and not access_for(request.user).can_edit_tree(tree):
        raise PermissionDenied(_("You can view this tree but not edit it.") + " " + _tree_owner_hint(tree))
    return tree


def get_node_for_user(request, pk, write=False):
    """The node, or 404; with write=True, 403 unless the person may change its tree's structure."""
    node = get_object_or_404(Node.objects.select_related("tree", "tree__department", "department", "owner"), pk=pk)
    if write and not access_for(request.user).can_edit_tree(node.tree):
        raise PermissionDenied(_("You can view this tree but not edit it.") + " " + _tree_owner_hint(node.tree))
    return node


def check_can_enter(request, node):
    """403 unless the person may enter this node's numbers."""
    if not access_for(request.user).can_enter(node):
        if node.is_formula:
            raise PermissionDenied(
                _("%(node)s is calculated from a formula; its numbers cannot be entered.") % {"node": node.name}
            )
        department = node.department.name if node.department_id else _("no department")
        raise PermissionDenied(
            _("You can view these numbers but not enter them. Members of %(department)s enter them.")
            % {"department": department}
        )
