"""What another app adds to goals without goals importing it.

goals owns the structure and metrics the numbers over time; metrics imports goals, never the other way
(tests/goals/test_imports.py checks it). Where a goals page or rule needs to know about numbers, metrics
registers a function here in its AppConfig.ready:

- `register_node_holding(reason, held)`: something that keeps a node from being deleted (its weekly entries
  and their history): `held(node_ids)` gives the ids among them that have it; `reason()` says so in the
  reader's language, for the delete page ("it has weekly entries"). Deleting a node and importing a tree
  over its nodes both archive such nodes instead.
- `register_page_context(page, provide)`: more context for a goals page, `provide(request, obj)` -> dict. The
  pages are "node" (the node page: its progress, initiatives with their effect, history of numbers) and
  "inbox" (the numbers due beside the comments).
- `register_data_changed(changed)`: told of every write that raised trees' data_version
  (Tree.bump_data_version), inside the write's transaction: `changed(tree_ids)` (metrics keeps their progress
  ready for the next page, metrics.warming).
"""

_node_holdings = []
_page_contexts = {}
_data_changed = []


def register_node_holding(reason, held):
    _node_holdings.append((reason, held))


def node_holdings(node_ids):
    """The reasons (in the reader's language) why the nodes `node_ids` hold something registered here."""
    node_ids = list(node_ids)
    return [reason() for reason, held in _node_holdings if held(node_ids)]


def held_node_ids(node_ids):
    """The ids among `node_ids` whose nodes hold something registered here."""
    node_ids = list(node_ids)
    found = set()
    for _reason, held in _node_holdings:
        found |= set(held(node_ids))
    return found & set(node_ids)


def register_page_context(page, provide):
    _page_contexts.setdefault(page, []).append(provide)


def page_context(page, request, obj=None):
    """The context every function registered for `page` adds, merged."""
    context = {}
    for provide in _page_contexts.get(page, []):
        context.update(provide(request, obj))
    return context


def register_data_changed(changed):
    _data_changed.append(changed)


def data_changed(tree_ids):
    """Tell what registered that the trees `tree_ids` changed (their data_version was raised)."""
    tree_ids = list(tree_ids)
    for changed in _data_changed:
        changed(tree_ids)
