"""Changes to a tree's structure: move, reorder, archive or delete, restore. Each is atomic and recorded.

Views check permissions and input; these functions check the tree's rules and raise EditRefused with
a message that says why and what to do instead.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from goals import formulas, history
from goals.models import ChangeRecord, Comment, Node


class EditRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _references(formula_text):
    try:
        return formulas.parse(formula_text).references if formula_text.strip() else ()
    except formulas.FormulaError:
        return ()


def _subtree_ids(node, active_only=True):
    """The ids of the nodes below `node` (not itself), following parent links level by level."""
    ids, level = [], [node.pk]
    qs = Node.objects.filter(tree_id=node.tree_id)
    if active_only:
        qs = qs.active()
    while level:
        level = list(qs.filter(parent_id__in=level).values_list("pk", flat=True))
        ids.extend(level)
    return ids


def parent_formula_uses(node):
    """The parent node when its formula uses this node's code (removing or moving it would break it)."""
    parent = node.parent
    if parent is not None and node.code in _references(parent.formula):
        return parent
    return None


def move(node, new_parent, user):
    """Put `node` (with its branch) last under `new_parent`; the MoveForm has checked the rules."""
    with transaction.atomic():
        old_parent = node.parent
        last = new_parent.children.active().aggregate(last=Max("position"))["last"]
        node.parent = new_parent
        node.position = 0 if last is None else last + 1
        node.save(update_fields=["parent", "position", "updated_at"])
        history.record(
            node.tree,
            node,
            user,
            ChangeRecord.Action.MOVE,
            {"parent": [history.node_label(old_parent), history.node_label(new_parent)]},
        )
    return node


def reorder(node, direction, user):
    """Swap `node` with the sibling before ("up") or after ("down") it; False when it is already at that end."""
    with transaction.atomic():
        siblings = list(
            Node.objects.select_for_update()
            .filter(tree_id=node.tree_id, parent_id=node.parent_id)
            .active()
            .order_by("position", "id")
        )
        index = next(i for i, sibling in enumerate(siblings) if sibling.pk == node.pk)
        other = index - 1 if direction == "up" else index + 1
        if other < 0 or other >= len(siblings):
            return False
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position", "updated_at"])
        history.record(
            node.tree, node, user, ChangeRecord.Action.REORDER, {"position": [str(index + 1), str(other + 1)]}
        )
    return True


def removal_plan(node):
    """What deleting `node` would do: ("refuse", message), ("archive", reasons) or ("delete", [])."""
    from metrics.models import Entry

    if node.is_kgi:
        return "refuse", _("The KGI is the top of the tree and cannot be deleted.")
    if node.is_archived:
        return "refuse", _("%(node)s is already archived.") % {"node": node.name}
    parent = parent_formula_uses(node)
    if parent is not None:
        return "refuse", _(
            "The formula of %(parent)s (%(formula)s) uses %(code)s. Change the formula of %(parent)s first, then "
            "delete %(node)s."
        ) % {"parent": parent.name, "formula": parent.formula, "code": node.code, "node": node.name}
    below = _subtree_ids(node)
    reasons = []
    if below:
        reasons.append(_("it has %(count)s node(s) below it, which are archived with it") % {"count": len(below)})
    ids = [node.pk, *below]
    if Entry.objects.filter(node_id__in=ids).exists():
        reasons.append(_("it has weekly entries"))
    if Comment.objects.filter(node_id__in=ids).exists():
        reasons.append(_("it has comments"))
    if node.initiatives.exists():
        reasons.append(_("initiatives refer to it"))
    return ("archive", reasons) if reasons else ("delete", [])


def remove(node, user):
    """Archive `node` and its branch when anything refers to them, else delete it; returns "archive"/"delete"."""
    with transaction.atomic():
        node = Node.objects.select_for_update(of=("self",)).select_related("parent", "tree").get(pk=node.pk)
        plan, detail = removal_plan(node)
        if plan == "refuse":
            raise EditRefused(detail)
        if plan == "delete":
            history.record(node.tree, node, user, ChangeRecord.Action.DELETE, {"name": [history.node_label(node), ""]})
            node.delete()
            return "delete"
        now = timezone.now()
        below = list(Node.objects.filter(pk__in=_subtree_ids(node)).order_by("pk"))
        Node.objects.filter(pk__in=[node.pk, *(n.pk for n in below)]).update(archived_at=now)
        changes = {"archived_at": ["", now.isoformat(timespec="seconds")]}
        if below:
            changes["subtree"] = ["", ", ".join(n.code for n in below)]
        history.record(node.tree, node, user, ChangeRecord.Action.ARCHIVE, changes)
        for child in below:
            history.record(
                node.tree, child, user, ChangeRecord.Action.ARCHIVE, {"archived_at": changes["archived_at"]}
            )
        return "archive"


def restore(node, user):
    """Bring back an archived node with the nodes archived with it; refuses when its parent is archived or a code is
    taken."""
    with transaction.atomic():
        node = Node.objects.select_for_update(of=("self",)).select_related("parent", "tree").get(pk=node.pk)
        if not node.is_archived:
            raise EditRefused(_("%(node)s is not archived.") % {"node": node.name})
        if node.parent is not None and node.parent.is_archived:
            raise EditRefused(
                _("%(node)s cannot be restored while its parent %(parent)s is archived. Restore %(parent)s first.")
                % {"node": node.name, "parent": node.parent.name}
            )
        batch = [node]
        level = [node.pk]
        while level:
            found = list(Node.objects.filter(parent_id__in=level, archived_at=node.archived_at))
            batch.extend(found)
            level = [n.pk for n in found]
        codes = [n.code for n in batch]
        taken = dict(node.tree.nodes.active().filter(code__in=codes).values_list("code", "name"))
        if taken:
            raise EditRefused(
                _(
                    "%(node)s cannot be restored: the code %(codes)s is now used by %(names)s. Change that node's "
                    "code first."
                )
                % {"node": node.name, "codes": ", ".join(taken), "names": ", ".join(taken.values())}
            )
        last = (
            node.parent.children.active().aggregate(last=Max("position"))["last"] if node.parent is not None else None
        )
        archived_at = node.archived_at
        Node.objects.filter(pk__in=[n.pk for n in batch]).update(archived_at=None)
        if last is not None:
            Node.objects.filter(pk=node.pk).update(position=last + 1)
        for restored in batch:
            history.record(
                node.tree,
                restored,
                user,
                ChangeRecord.Action.RESTORE,
                {"archived_at": [archived_at.isoformat(timespec="seconds"), ""]},
            )
        node.refresh_from_db()
        return node
