"""Initiatives (施策): who may change them (docs/permissions.md) and the letters A, B… that name a node's
initiatives on its chart and in its list. Their effect on their KPIs is numbers over time: metrics.initiatives.

- A node's initiatives are lettered A, B… by start date (then creation), per node: the letters on a node's chart
  and in the list below it match.
"""

# --- who may change initiatives ---------------------------------------------------------------------------


def tree_department_ids(nodes, tree):
    """The departments that own the tree or one of its active `nodes`."""
    ids = {node.department_id for node in nodes if node.department_id and node.archived_at is None}
    if tree.department_id:
        ids.add(tree.department_id)
    return ids


def can_add(access, tree, nodes, tree_editor=None):
    """Tree editors (leads, admins) and members of a department that owns one of the tree's active KPIs."""
    if tree_editor is None:
        tree_editor = access.can_edit_tree(tree, tree_department_ids(nodes, tree))
    if tree_editor:
        return True
    return any(node.department_id in access.member_of for node in nodes if node.archived_at is None)


def can_add_for_node(access, node):
    """Whether the person may add an initiative that aims at `node` (from the node's page)."""
    if node.is_archived:
        return False
    return access.is_admin or node.department_id in access.member_of or access.can_edit_tree(node.tree)


def can_change(access, initiative_nodes, tree_editor):
    """Tree editors, and members of a department that owns one of the initiative's KPIs."""
    return tree_editor or access.is_admin or any(node.department_id in access.member_of for node in initiative_nodes)


# --- letters ----------------------------------------------------------------------------------------------


def letter(index):
    """A, B, … Z, AA, AB, … for 0, 1, …"""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text
