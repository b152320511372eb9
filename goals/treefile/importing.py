"""Applying a checked tree file: create the tree, or replace the structure of the tree with its code.

All or nothing, in one transaction. Importing over an existing tree (docs/files.md "Tree file"):
- nodes are matched by code and updated in place, so their entries, comments and history stay; a code
  that only an archived node has brings that node back; positions follow the file's order;
- nodes missing from the file are archived when they hold anything (weekly entries or their history,
  comments, initiatives, or nodes archived below them), and deleted otherwise. Entries belong to metrics,
  which goals never imports: the import asks `goals.hooks.held_node_ids`, which metrics fills in;
- history: the tree and every created or changed node get an `import` record with the changed fields
  (`parent` included); nodes taken out get an `archive` or `delete` record.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from goals import history, hooks
from goals.formatting import plain
from goals.models import ChangeAction, Comment, Department, Node, Tree
from goals.treefile.errors import FileError, TreeFileError
from goals.treefile.reading import TreeSpec, read_tree_file


@dataclass
class ImportSummary:
    created: bool = False  # the tree itself
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    nodes_archived: int = 0
    nodes_deleted: int = 0


def import_tree(data, user=None, *, department=None, replace=True) -> Tree:
    """Create the tree of a tree file, or replace the structure of the tree with its code; all or nothing.

    `data` is the decoded file (a dict) or a TreeSpec. `department` becomes a new tree's owner department.
    With replace=False an existing code is an error. The returned tree carries `import_summary`.
    """
    spec = data if isinstance(data, TreeSpec) else read_tree_file(data)
    summary = ImportSummary()
    with transaction.atomic(), history.recorded_as(user, ChangeAction.IMPORT):
        tree = Tree.objects.select_for_update().filter(code=spec.code).first()
        if tree is not None and not replace:
            message = _("A tree with the code “%(code)s” already exists. Choose another code.") % {"code": spec.code}
            raise TreeFileError([FileError(None, "code", message)])
        departments = _departments(spec)
        if tree is None:
            tree = Tree.objects.create(
                code=spec.code,
                name=spec.name,
                department=department,
                period_start=spec.period_start,
                period_end=spec.period_end,
                week_start=spec.week_start,
                warning_threshold=spec.warning_threshold,
            )
            summary.created = True
        else:
            tree.name = spec.name
            tree.period_start, tree.period_end = spec.period_start, spec.period_end
            tree.week_start = spec.week_start
            tree.warning_threshold = spec.warning_threshold
            tree.version += 1
            tree.save()
            tree.__dict__.pop("weeks", None)
        _replace_nodes(tree, spec, departments, user, summary)
        Tree.bump_data_version(tree.pk)
    tree.import_summary = summary
    return tree


def _departments(spec):
    names = {node.department for node in spec.nodes if node.department}
    found = {department.name: department for department in Department.objects.filter(name__in=names)}
    for name in sorted(names - set(found)):
        found[name] = Department.objects.create(name=name)
    return found


def _replace_nodes(tree, spec, departments, user, summary):
    now = timezone.now()
    existing = list(tree.nodes.select_related("department", "owner").order_by("pk"))
    active = {node.code: node for node in existing if node.archived_at is None}
    archived = {}
    for node in sorted((n for n in existing if n.archived_at is not None), key=lambda n: (n.archived_at, n.pk)):
        archived[node.code] = node  # the latest archived node of each code
    code_of = {node.pk: node.code for node in existing}
    before = {node.pk: _node_snapshot(node, code_of.get(node.parent_id, "")) for node in existing}

    # Take every active node out first, so that the one-KGI and unique-code rules hold at every step while
    # nodes are put back in the file's order (parents first).
    tree.nodes.filter(archived_at__isnull=True).update(archived_at=now)
    saved = {}
    sibling_count = {}
    for spec_node in spec.nodes:
        node = active.get(spec_node.code) or archived.get(spec_node.code)
        is_new = node is None
        if is_new:
            node = Node(tree=tree)
        position = sibling_count.get(spec_node.parent, 0)
        sibling_count[spec_node.parent] = position + 1
        node.code = spec_node.code
        node.name = spec_node.name
        node.parent = saved[spec_node.parent] if spec_node.parent else None
        node.unit = spec_node.unit
        node.direction = spec_node.direction
        node.aggregation = spec_node.aggregation
        node.formula = spec_node.formula
        node.breakdown = spec_node.breakdown
        node.target = spec_node.target
        node.stretch = spec_node.stretch
        node.baseline = spec_node.baseline
        node.department = departments.get(spec_node.department) if spec_node.department else None
        node.definition = spec_node.definition
        node.weights = [plain(weight) for weight in spec_node.weights] if spec_node.weights is not None else None
        node.position = position
        node.archived_at = None
        changes = history.diff({} if is_new else before[node.pk], _node_snapshot(node, spec_node.parent or ""))
        if changes and not is_new:
            node.version += 1
        if changes:
            node._history_changes = changes
        else:
            node.skip_history_when_saving = True  # taken out and put back as it was: no change
        node.save()
        saved[spec_node.code] = node
        if is_new:
            summary.nodes_created += 1
        elif changes:
            summary.nodes_updated += 1
        else:
            summary.nodes_unchanged += 1

    removed = [node for node in active.values() if node.code not in saved]
    if removed:
        _remove(tree, removed, user, summary, now)


def _node_snapshot(node, parent_code):
    """What history compares for an imported node: its fields, its parent's code, weights and archiving."""
    return {
        **history.snapshot(node),
        "parent": parent_code,
        "weights": ", ".join(str(weight) for weight in node.weights) if isinstance(node.weights, list) else "",
        "archived_at": history.value_text(node, "archived_at"),
    }


def _remove(tree, removed, user, summary, now):
    """Archive the nodes taken out of the tree that hold anything, or have such a node below them; delete the rest."""
    ids = {node.pk for node in removed}
    holding = _holding_data(ids)
    holding |= set(Comment.objects.filter(node_id__in=ids).values_list("node_id", flat=True))
    holding |= set(Node.initiatives.through.objects.filter(node_id__in=ids).values_list("node_id", flat=True))
    # A child that is not being removed now was archived before: it keeps its parent.
    for child_id, parent_id in Node.objects.filter(parent_id__in=ids).values_list("pk", "parent_id"):
        if child_id not in ids:
            holding.add(parent_id)
    keep = _with_ancestors(holding, {node.pk: node.parent_id for node in removed})

    doomed = []
    for node in removed:
        if node.pk in keep:
            summary.nodes_archived += 1
            with history.recorded_as(user, ChangeAction.ARCHIVE):
                node.archived_at = now  # archived with the others above; saved again so that its history has it
                node.save(update_fields=["archived_at", "updated_at"])
        else:
            summary.nodes_deleted += 1
            doomed.append(node.pk)
    if doomed:
        Node.objects.filter(pk__in=doomed).delete()


def _holding_data(ids):
    """The ids among `ids` whose nodes hold data of other apps (metrics: entries and their history)."""
    return hooks.held_node_ids(ids)


def _with_ancestors(start, parent_of):
    """`start` and every ancestor of its nodes within `parent_of` ({id: parent id}): the tree walk of removal."""
    found = set()
    stack = [pk for pk in start if pk in parent_of]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            if parent_of[pk] in parent_of:
                stack.append(parent_of[pk])
    return found
