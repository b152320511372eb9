"""A tree's nodes arranged as an outline, in Python, from one query (no query per level)."""

from dataclasses import dataclass, field


@dataclass
class Outline:
    roots: list = field(default_factory=list)  # the KGI (one, unless the data is broken)
    nodes: list = field(default_factory=list)  # active nodes, depth first, in sibling order
    archived: list = field(default_factory=list)  # archived nodes whose parent is active: restorable

    @property
    def kgi(self):
        return self.roots[0] if self.roots else None

    def by_id(self):
        return {node.pk: node for node in self.nodes}


def build(nodes):
    """Arrange nodes (all of one tree, archived ones too) into an Outline.

    Each active node gets: `.depth` (0 for the KGI), `.kids` (active children in order), `.is_first` /
    `.is_last` among its siblings, `.is_driver` (its parent is a measured node, DESIGN.md "driver"),
    and its `parent` set from the list so that no query follows it. Each restorable archived node
    gets `.archived_below`: how many nodes were archived with it.
    """
    nodes = list(nodes)
    active = [n for n in nodes if n.archived_at is None]
    by_id = {n.pk: n for n in active}
    children = {}
    for node in sorted(active, key=lambda n: (n.position, n.pk)):
        node.kids = []
        children.setdefault(node.parent_id, []).append(node)
    outline = Outline(roots=children.get(None, []))
    stack = [(root, 0, None) for root in reversed(outline.roots)]
    while stack:
        node, depth, parent = stack.pop()
        node.depth = depth
        if parent is not None:
            node.parent = parent
            parent.kids.append(node)
        node.is_driver = parent is not None and not parent.is_formula
        kids = children.get(node.pk, [])
        for index, kid in enumerate(kids):
            kid.is_first = index == 0
            kid.is_last = index == len(kids) - 1
        outline.nodes.append(node)
        stack.extend((kid, depth + 1, node) for kid in reversed(kids))
    for root in outline.roots:
        root.is_first = root.is_last = True

    archived = [n for n in nodes if n.archived_at is not None]
    archived_children = {}
    for node in archived:
        archived_children.setdefault(node.parent_id, []).append(node)
    for node in sorted(archived, key=lambda n: (n.archived_at, n.pk), reverse=True):
        if node.parent_id is None or node.parent_id in by_id:
            if node.parent_id is not None:
                node.parent = by_id[node.parent_id]
            node.archived_below = _count_below(node, archived_children)
            outline.archived.append(node)
    return outline


def _count_below(node, archived_children):
    """Archived nodes under `node` that were archived at the same moment: they come back with it."""
    count, stack = 0, list(archived_children.get(node.pk, []))
    while stack:
        child = stack.pop()
        if child.archived_at == node.archived_at:
            count += 1
            stack.extend(archived_children.get(child.pk, []))
    return count


def ancestors(node, nodes_by_id):
    """The nodes from the KGI down to `node`'s parent, from a dict of the tree's nodes."""
    chain = []
    parent_id = node.parent_id
    while parent_id is not None and parent_id in nodes_by_id and len(chain) < 100:
        parent = nodes_by_id[parent_id]
        chain.append(parent)
        parent_id = parent.parent_id
    return list(reversed(chain))
