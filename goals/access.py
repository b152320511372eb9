"""Who may see and change what (docs/permissions.md). Views call these; templates only mirror them.

Every signed-in person sees every tree, node and comment, except guests (external advisors), who see only
the trees they are invited to: anything else is 404 for them, as if it did not exist. Members (and leads)
of a node's owning department enter its numbers. Leads of the tree's departments (its owner department and
the departments that own its nodes) and admins change the tree's structure. Everyone who sees a tree
comments on its nodes; only the author edits a comment; members of the department a question is addressed
to mark it answered; a lead of each department of a hand-off KPI agrees on its definition.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, CharField, Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from goals.models import Comment, Department, Guest, Membership, Node, Notice, Tree, display_name

_GUEST = "guest"


class Access:
    """A person's rights, computed once per request."""

    def __init__(self, user):
        self.user = user
        self.is_admin = bool(user.is_authenticated and (user.is_staff or user.is_superuser))
        self.member_of = set()
        self.lead_of = set()
        # None: not a guest, sees every tree. A guest's set of invited tree ids (maybe empty).
        self.guest_tree_ids = None
        if user.is_authenticated:
            for department_id, role, tree_id in _rights(user):
                if role == _GUEST:
                    self.guest_tree_ids = self.guest_tree_ids or set()
                    if tree_id is not None:
                        self.guest_tree_ids.add(tree_id)
                    continue
                self.member_of.add(department_id)
                if role == Membership.Role.LEAD:
                    self.lead_of.add(department_id)
            if self.is_admin:
                self.guest_tree_ids = None

    @property
    def is_guest(self):
        return self.guest_tree_ids is not None

    def can_see_tree(self, tree):
        """Whether the tree (or tree id) exists for this person: every tree, or a guest's invited ones."""
        if self.guest_tree_ids is None:
            return True
        return (tree if isinstance(tree, int) else tree.pk) in self.guest_tree_ids

    def visible_trees(self, trees=None):
        """The trees of the queryset `trees` (all trees by default) this person sees."""
        trees = Tree.objects.all() if trees is None else trees
        return trees if self.guest_tree_ids is None else trees.filter(pk__in=self.guest_tree_ids)

    def can_answer(self, comment):
        """May this person mark the question answered (or open it again)? Members of its department, admins."""
        return comment.is_question and (self.is_admin or comment.to_department_id in self.member_of)

    def can_agree(self, department_id):
        """May this person agree on a definition for the department? Its leads."""
        return department_id in self.lead_of

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

    def can_manage_department(self, department_id):
        """May this person invite into the department, change its members' roles, add and remove its members and
        rename it? Admins, and the department's leads (docs/permissions.md "People and departments")."""
        return self.is_admin or department_id in self.lead_of

    @property
    def manages_people(self):
        """Whether the person manages at least one department (or every one, as an admin)."""
        return self.is_admin or bool(self.lead_of)

    def can_enter(self, node):
        """May this person enter the weekly numbers of this node?"""
        if node.is_formula or node.is_archived:
            return False
        return self.is_admin or node.department_id in self.member_of


def _rights(user):
    """(department id, role, tree id) of the person's memberships and, for a guest, ("guest") rows: one without a
    tree, and one per invited tree. One query, the one every request with access checks runs anyway."""
    none = Cast(Value(None), output_field=BigIntegerField())  # typed: PostgreSQL matches UNION columns by type
    guest = Value(_GUEST, output_field=CharField())
    memberships = Membership.objects.filter(user=user).values_list("department_id", "role", none)
    guests = Guest.objects.filter(user=user).values_list(none, guest, none)
    invitations = Guest.trees.through.objects.filter(guest__user=user).values_list(none, guest, "tree_id")
    return memberships.union(guests, invitations, all=True)


def navigation_facts(user):
    """(the person's departments, whether they are a guest, how many of their notices are unread), for the
    navigation of every page: one query. The departments are Department objects with their id and name only."""
    none = Cast(Value(None), output_field=BigIntegerField())  # typed: PostgreSQL matches UNION columns by type
    empty = Value("", output_field=CharField())
    memberships = (
        Membership.objects.filter(user=user)
        .order_by()
        .values_list(Value("department", output_field=CharField()), "department_id", "department__name", "id")
    )
    guests = Guest.objects.filter(user=user).values_list(Value(_GUEST, output_field=CharField()), none, empty, none)
    count = (
        Notice.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(count=Count("id"))
        .values("count")
    )
    unread = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(Value("unread", output_field=CharField()), none, empty, Subquery(count))
    )
    departments, is_guest, unread_count = [], False, 0
    rows = sorted(memberships.union(guests, unread, all=True), key=lambda row: (row[0], row[3] or 0))
    for kind, department_id, name, number in rows:
        if kind == _GUEST:
            is_guest = True
        elif kind == "unread":
            unread_count = number or 0
        else:
            departments.append(Department(pk=department_id, name=name))
    return departments, is_guest, unread_count


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


def _not_found():
    return Http404(_("There is nothing at this address, or you do not have access to it."))


def check_can_see_tree(request, tree):
    """404 unless the person sees the tree (guests see only the trees they are invited to)."""
    if not access_for(request.user).can_see_tree(tree):
        raise _not_found()


def _viewer_is_guest(request):
    """An annotation saying whether the person is a guest, read with the object a helper fetches: pages cost
    no query more for everyone else (guests' access is read only when they are one)."""
    return Exists(Guest.objects.filter(user_id=request.user.pk))


def _check_visible(request, obj, tree_id):
    if obj.viewer_is_guest:
        check_can_see_tree(request, tree_id)


def refuse_guests(request):
    """404 for guests: the page shows the company beyond the trees they are invited to (people, departments'
    numbers due)."""
    if access_for(request.user).is_guest:
        raise _not_found()


def get_tree_for_user(request, pk, write=False, annotations=None):
    """The tree, or 404; with write=True, 403 unless the person may change its structure. `annotations` are read
    with it (goals.discussion.summary)."""
    trees = Tree.objects.select_related("department").annotate(viewer_is_guest=_viewer_is_guest(request))
    tree = get_object_or_404(trees.annotate(**(annotations or {})), pk=pk)
    _check_visible(request, tree, tree.pk)
    if write and not access_for(request.user).can_edit_tree(tree):
        raise PermissionDenied(_("You can view this tree but not edit it.") + " " + _tree_owner_hint(tree))
    return tree


def get_node_for_user(request, pk, write=False, annotations=None):
    """The node, or 404; with write=True, 403 unless the person may change its tree's structure. `annotations`
    are read with it (goals.discussion.summary)."""
    nodes = Node.objects.select_related("tree", "tree__department", "department", "owner")
    nodes = nodes.annotate(viewer_is_guest=_viewer_is_guest(request), **(annotations or {}))
    node = get_object_or_404(nodes, pk=pk)
    _check_visible(request, node, node.tree_id)
    if write and not access_for(request.user).can_edit_tree(node.tree):
        raise PermissionDenied(_("You can view this tree but not edit it.") + " " + _tree_owner_hint(node.tree))
    return node


def get_comment_for_user(request, pk, write=False, delete=False):
    """The comment with its node and tree, or 404; with write=True, 403 unless the person wrote it; with
    delete=True, 403 unless the person wrote it or is an admin."""
    comments = Comment.objects.select_related("node", "node__tree", "node__department", "author", "to_department")
    comment = get_object_or_404(comments.annotate(viewer_is_guest=_viewer_is_guest(request)), pk=pk)
    _check_visible(request, comment, comment.node.tree_id)
    access = access_for(request.user)
    if write and comment.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author of a comment can edit it."))
    if delete and comment.author_id != request.user.pk and not access.is_admin:
        raise PermissionDenied(_("Only the author of a comment or an admin can delete it."))
    return comment


def get_department_for_user(request, pk):
    """The department, or 404; for a guest, 404 too unless it takes part in a tree they are invited to.

    Whether the person is a guest is read with the department (`viewer_is_guest`), so that the page costs no
    more queries for everyone else."""
    department = get_object_or_404(Department.objects.annotate(viewer_is_guest=_viewer_is_guest(request)), pk=pk)
    if department.viewer_is_guest:
        access = access_for(request.user)
        trees = access.guest_tree_ids or set()
        involved = Tree.objects.filter(
            Q(pk__in=trees, department=department)
            | Q(pk__in=trees, nodes__department=department, nodes__archived_at__isnull=True)
        )
        if not involved.exists():
            raise _not_found()
    return department


def check_can_enter(request, node):
    """403 unless the person may enter this node's numbers (404 when they do not see its tree)."""
    check_can_see_tree(request, node.tree_id)
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
