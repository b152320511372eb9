"""What another app adds to goals without goals importing it.

goals owns the structure and metrics the numbers over time; metrics imports goals, never the other way
(tests/goals/test_imports.py checks it). Where a goals page or rule needs to know about numbers, metrics
registers a function here in its AppConfig.ready:

- `register_node_holding(reason, holds)`: something that keeps a node from being deleted (its weekly entries).
  `holds(node_ids)` says whether any of those nodes has it; `reason()` says so in the reader's language, for the
  delete page ("it has weekly entries").
- `register_page_context(page, provide)`: more context for a goals page, `provide(request, obj)` -> dict. The
  pages are "node" (the node page: its progress, initiatives with their effect, history of numbers) and
  "inbox" (the numbers due beside the comments).
"""

_node_holdings = []
_page_contexts = {}


def register_node_holding(reason, holds):
    _node_holdings.append((reason, holds))


def node_holdings(node_ids):
    """The reasons (in the reader's language) why the nodes `node_ids` hold something registered here."""
    node_ids = list(node_ids)
    return [reason() for reason, holds in _node_holdings if holds(node_ids)]


def register_page_context(page, provide):
    _page_contexts.setdefault(page, []).append(provide)


def page_context(page, request, obj=None):
    """The context every function registered for `page` adds, merged."""
    context = {}
    for provide in _page_contexts.get(page, []):
        context.update(provide(request, obj))
    return context
