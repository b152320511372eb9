"""THE tree walk: a tree's nodes in order, with their depth, from the nodes loaded in one query (no query per level).

Every page and file that lists a tree's nodes walks them here, by one rule:

- Order: depth first from the KGI, parents before their children, siblings by `position` then id.
- Depth: 0 for the KGI, 1 for the nodes right below it, and so on.
- Archived nodes are not part of the tree: they are skipped, and so is every node below them.
- An active node whose parent is archived is "detached": linked to nothing, so not reachable from the active
  KGI. The walk leaves it out with its branch (the outline, the engine's input, dashboards, the grid; tree
  health reports it as detached), unless the caller asks for it (`detached=True`): then each detached branch
  comes after the KGI's, in the same order, its top at depth 0. The entries CSV does, so that every active
  node's numbers can be exported and imported back.
"""

from dataclasses import dataclass, field

from goals.formulas import FormulaError, parse, rules


def _children(active):
    """{parent id: [active children by position, id]} of the active nodes."""
    children = {}
    for node in sorted(active, key=lambda n: (n.position, n.pk)):
        children.setdefault(node.parent_id, []).append(node)
    return children


def tree_order(nodes, *, detached=False):
    """[(node, depth)] of the active nodes among `nodes` (one tree's, in any order), by the rule above."""
    active = [node for node in nodes if node.archived_at is None]
    children = _children(active)
    tops = list(children.get(None, []))
    if detached:
        tops += [node for node in detached_tops(active) if node.parent_id is not None]
    ordered = []
    stack = [(node, 0) for node in reversed(tops)]
    while stack:
        node, depth = stack.pop()
        ordered.append((node, depth))
        stack.extend((kid, depth + 1) for kid in reversed(children.get(node.pk, [])))
    return ordered


def ordered(nodes, *, detached=False):
    """The nodes of tree_order without their depth."""
    return [node for node, _depth in tree_order(nodes, detached=detached)]


def detached_tops(nodes):
    """The active nodes among `nodes` whose parent is not an active node of `nodes`: the KGI (no parent) and the
    tops of detached branches, by position and id."""
    active = [node for node in nodes if node.archived_at is None]
    ids = {node.pk for node in active}
    return [
        node
        for node in sorted(active, key=lambda n: (n.position, n.pk))
        if node.parent_id is None or node.parent_id not in ids
    ]


def below(node, nodes):
    """The nodes of `nodes` under `node` (not itself), following parent links among `nodes` only, depth first."""
    children = {}
    for other in sorted(nodes, key=lambda n: (n.position, n.pk)):
        children.setdefault(other.parent_id, []).append(other)
    found, stack = [], list(reversed(children.get(node.pk, [])))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(reversed(children.get(child.pk, [])))
    return found


def height(node, nodes):
    """Levels below `node` among `nodes`: 0 for a leaf."""
    depth_of = {node.pk: 0}
    for child in below(node, nodes):
        depth_of[child.pk] = depth_of[child.parent_id] + 1
    return max(depth_of.values())


@dataclass
class Outline:
    roots: list = field(default_factory=list)  # the KGI (one, unless the data is broken)
    nodes: list = field(default_factory=list)  # active nodes reachable from the KGI, in tree order
    archived: list = field(default_factory=list)  # archived nodes whose parent is active: restorable

    @property
    def kgi(self):
        return self.roots[0] if self.roots else None

    def by_id(self):
        return {node.pk: node for node in self.nodes}


def build(nodes):
    """Arrange nodes (all of one tree, archived ones too) into an Outline for the tree page.

    Each active node gets: `.depth` (0 for the KGI), `.kids` (active children in order), `.is_first` /
    `.is_last` among its siblings, `.is_driver` (its parent is a measured node whose breakdown does not use it,
    docs/numbers.md
    "driver"),
    `.formula_shown` / `.breakdown_shown` (with names),
    and its `parent` set from the list so that no query follows it. Each restorable archived node
    gets `.archived_below`: how many nodes were archived with it.
    """
    nodes = list(nodes)
    walk = tree_order(nodes)
    outline = Outline(roots=[node for node, depth in walk if depth == 0])
    by_id = {node.pk: node for node in nodes if node.archived_at is None}
    for node, _depth in walk:
        node.kids = []
    for node, depth in walk:
        node.depth = depth
        parent = by_id.get(node.parent_id)
        if parent is not None:
            node.parent = parent
            parent.kids.append(node)
        node.is_driver = parent is not None and not parent.is_formula and node.code not in _breakdown_refs(parent)
        outline.nodes.append(node)
    names = {node.code: node.name for node in outline.nodes}
    for node in outline.nodes:  # formulas and breakdowns are stored with codes and shown with names
        node.formula_shown = rules.to_names(node.formula, names) if node.is_formula else ""
        node.breakdown_shown = rules.to_names(node.breakdown, names) if node.has_breakdown else ""
    for node in outline.nodes:
        for index, kid in enumerate(node.kids):
            kid.is_first = index == 0
            kid.is_last = index == len(node.kids) - 1
    for root in outline.roots:
        root.is_first = root.is_last = True

    archived = [n for n in nodes if n.archived_at is not None]
    for node in sorted(archived, key=lambda n: (n.archived_at, n.pk), reverse=True):
        if node.parent_id is None or node.parent_id in by_id:
            if node.parent_id is not None:
                node.parent = by_id[node.parent_id]
            node.archived_below = len(archived_with(node, archived))
            outline.archived.append(node)
    return outline


def _breakdown_refs(node):
    if not node.has_breakdown:
        return ()
    try:
        return parse(node.breakdown).references
    except FormulaError:
        return ()


def archived_with(node, archived):
    """The archived nodes under `node` that were archived at the same moment: they come back with it."""
    return below(node, [other for other in archived if other.archived_at == node.archived_at])


def ancestors(node, nodes_by_id):
    """The nodes from the KGI down to `node`'s parent, from a dict of the tree's nodes."""
    chain = []
    parent_id = node.parent_id
    while parent_id is not None and parent_id in nodes_by_id and len(chain) < 100:
        parent = nodes_by_id[parent_id]
        chain.append(parent)
        parent_id = parent.parent_id
    return list(reversed(chain))
