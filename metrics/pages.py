"""What metrics adds to goals' pages and rules (goals.hooks), registered in MetricsConfig.ready: goals shows
numbers over time without importing metrics.

- The node page: the node's progress, its initiatives with their effect, and the history of its numbers.
- The inbox: the numbers the person's departments still owe.
- Deleting a node: a node with weekly entries is archived, not deleted.
"""

from django.utils.translation import gettext as _

from goals import hooks
from goals import initiatives as rules
from goals.access import access_for
from metrics import entries
from metrics import initiatives as effects
from metrics.models import Entry, EntryChange
from metrics.views.dashboards import node_view
from metrics.views.due import due_groups


def node_page(request, node):
    """The node page's numbers: `np` (progress; None for an archived node), `initiatives`, `history`."""
    access = access_for(request.user)
    as_of_week = node.tree.last_complete_week()
    return {
        "np": node_view(request, node),
        "initiatives": {
            "rows": effects.node_rows(node, as_of_week=as_of_week),
            "weeks": effects.DEFAULT_WEEKS,
            "as_of_week": as_of_week,
            "can_add": rules.can_add_for_node(access, node),
        },
        "history": entries.entry_history(node, request.user),
    }


def inbox_page(request, _obj=None):
    """The numbers due of the person's departments, by tree, for the inbox."""
    access = access_for(request.user)
    due = due_groups(request.user, access.member_of) if access.member_of else []
    return {"due": due, "due_count": sum(len(items) for _tree, items in due)}


def _with_entries(node_ids):
    """The nodes among `node_ids` that have weekly entries, or had them (entry history)."""
    held = set(Entry.objects.filter(node_id__in=node_ids).values_list("node_id", flat=True).distinct())
    held |= set(EntryChange.objects.filter(node_id__in=node_ids).values_list("node_id", flat=True).distinct())
    return held


def start_page(request, obj):
    """The first-run checklist (goals.accounts.start): whether any week's numbers were entered yet."""
    return {"has_entries": Entry.objects.exists()}


def register():
    hooks.register_page_context("node", node_page)
    hooks.register_page_context("inbox", inbox_page)
    hooks.register_page_context("start", start_page)
    hooks.register_node_holding(lambda: _("it has weekly entries"), _with_entries)
