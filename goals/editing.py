"""Changes to a tree's structure: move, reorder, archive or delete, restore. Each is atomic, recorded in the
history row by row (goals.history), and counts as a change of the tree's data (Tree.bump_data_version).

Views check permissions and input; these functions check the tree's rules and raise EditRefused with
a message that says why and what to do instead.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from goals import formulas, history, hooks, outline
from goals.formulas import rules
from goals.models import ChangeAction, Comment, Node, Tree


class EditRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _references(formula_text):
    try:
        return formulas.parse(formula_text).references if formula_text.strip() else ()
    except formulas.FormulaError:
        return ()


def _active_below(node):
    """The active nodes below `node` (not itself), from the tree's active nodes in one query."""
    return outline.below(node, list(Node.objects.active().filter(tree_id=node.tree_id).order_by()))


def parent_formula_uses(node):
    """The parent node when its formula or breakdown uses this node's code (moving it would break it)."""
    parent = node.parent
    if parent is None:
        return None
    text = parent.formula if parent.is_formula else parent.breakdown
    if node.code in _references(text):
        return parent
    return None


def outside_users(node):
    """[(user node, "formula" or "breakdown", used node)] for the active nodes outside `node`'s branch whose
    formula or breakdown uses `node` or a node below it: archiving the branch would break them."""
    active = list(Node.objects.active().filter(tree_id=node.tree_id).select_related("parent").order_by())
    branch = {node.pk, *(n.pk for n in outline.below(node, active))}
    codes = {n.code: n for n in active if n.pk in branch}
    every = rules.tree_nodes(active)
    found = []
    for code, used in codes.items():
        for user, field in rules.users_of(code, every):
            if user.code not in codes:
                found.append((user, field, used))
    return found, {code: n.name for code, n in every.items()}


def uses_message(user, field, used, names, then):
    """ "The formula of 売上 (受注件数 × 平均受注単価) uses 受注件数. ..." with `then` after it."""
    values = {
        "parent": user.name,
        "formula": rules.to_names(getattr(user, field), names),
        "code": used.code,
        "name": used.name,
    }
    if field == "formula":
        text = _("The formula of %(parent)s (%(formula)s) uses %(code)s.") % values
    else:
        text = _("The breakdown of %(parent)s (%(formula)s) uses %(code)s.") % values
    return f"{text} {then}"


def move(node, new_parent, user):
    """Put `node` (with its branch) last under `new_parent`; the MoveForm has checked the rules."""
    with transaction.atomic(), history.recorded_as(user, ChangeAction.MOVE):
        old_parent = node.parent
        last = new_parent.children.active().aggregate(last=Max("position"))["last"]
        node.parent = new_parent
        node.position = 0 if last is None else last + 1
        node._history_changes = {"parent": [history.node_label(old_parent), history.node_label(new_parent)]}
        node.save(update_fields=["parent", "position", "updated_at"])
        Tree.bump_data_version(node.tree_id)
    return node


def reorder(node, direction, user):
    """Swap `node` with the sibling before ("up") or after ("down") it; False when it is already at that end."""
    with transaction.atomic(), history.recorded_as(user, ChangeAction.REORDER):
        siblings = list(
            Node.objects.select_for_update()
            .filter(tree_id=node.tree_id, parent_id=node.parent_id)
            .active()
            .order_by("position", "id")
        )
        places = {sibling.pk: index for index, sibling in enumerate(siblings)}
        index = places[node.pk]
        other = index - 1 if direction == "up" else index + 1
        if other < 0 or other >= len(siblings):
            return False
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings):
            if sibling.position != position:
                sibling.position = position
                # Its place among its siblings as people count them (1 = first), before and after.
                sibling._history_changes = {"position": [str(places[sibling.pk] + 1), str(position + 1)]}
                sibling.save(update_fields=["position", "updated_at"])
        Tree.bump_data_version(node.tree_id)
    return True


def removal_plan(node):
    """What deleting `node` would do: ("refuse", message), ("archive", reasons) or ("delete", [])."""
    if node.is_kgi:
        return "refuse", _("The KGI is the top of the tree and cannot be deleted.")
    if node.is_archived:
        return "refuse", _("%(node)s is already archived.") % {"node": node.name}
    users, names = outside_users(node)
    if users:
        user, field, used = users[0]
        then = (
            _("Change the formula of %(parent)s first, then delete %(node)s.")
            if field == "formula"
            else _("Change the breakdown of %(parent)s first, then delete %(node)s.")
        ) % {"parent": user.name, "node": node.name}
        return "refuse", uses_message(user, field, used, names, then)
    below = _active_below(node)
    reasons = []
    if below:
        reasons.append(_("it has %(count)s node(s) below it, which are archived with it") % {"count": len(below)})
    ids = [node.pk, *(n.pk for n in below)]
    # Weekly entries live in metrics, which registers them here (goals never imports metrics).
    reasons.extend(hooks.node_holdings(ids))
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
        Tree.bump_data_version(node.tree_id)
        if plan == "delete":
            with history.recorded_as(user, ChangeAction.DELETE):
                node._history_changes = {"name": [history.node_label(node), ""]}
                node.delete()
            return "delete"
        now = timezone.now()
        below = sorted(_active_below(node), key=lambda n: n.pk)
        with history.recorded_as(user, ChangeAction.ARCHIVE):
            archived_at = ["", now.isoformat(timespec="seconds")]
            node.archived_at = now
            node._history_changes = {"archived_at": archived_at}
            if below:
                node._history_changes["subtree"] = ["", ", ".join(n.code for n in below)]
            node.save(update_fields=["archived_at", "updated_at"])
            for child in below:  # row by row, so that each node's history has it
                child.archived_at = now
                child._history_changes = {"archived_at": archived_at}
                child.save(update_fields=["archived_at", "updated_at"])
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
        archived = list(Node.objects.filter(tree_id=node.tree_id, archived_at__isnull=False).order_by())
        batch = [node, *outline.archived_with(node, archived)]
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
        archived_at = node.archived_at.isoformat(timespec="seconds")
        with history.recorded_as(user, ChangeAction.RESTORE):
            for restored in batch:  # row by row, so that each node's history has it
                restored.archived_at = None
                fields = ["archived_at", "updated_at"]
                if restored is node and last is not None:
                    restored.position = last + 1
                    fields.append("position")
                restored._history_changes = {"archived_at": [archived_at, ""]}
                restored.save(update_fields=fields)
        Tree.bump_data_version(node.tree_id)
        node.refresh_from_db()
        return node
