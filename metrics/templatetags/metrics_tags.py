"""Template helpers of the metrics app: {% load metrics_tags %}."""

from dataclasses import dataclass, field

from django import template

from goals.access import access_for
from metrics.models import Entry, EntryChange

register = template.Library()

HISTORY_LIMIT = 20


@dataclass
class EntryHistory:
    node: object
    changes: list = field(default_factory=list)  # EntryChange, newest first, each with `restorable`
    more: bool = False  # there are older changes than those listed
    can_restore: bool = False


@register.simple_tag(takes_context=True)
def entry_history(context, node, limit=None):
    """{% entry_history node as history %}: the node's entry changes, newest first, in a fixed number of queries.

    `limit` is how many to list (default 20; 0 lists all). Admins may restore a listed value that differs
    from the week's stored one.
    """
    limit = HISTORY_LIMIT if limit in (None, "") else int(limit)
    changes = EntryChange.objects.filter(node=node).select_related("user").order_by("-created_at", "-id")
    changes = list(changes[: limit + 1] if limit else changes)
    more = bool(limit) and len(changes) > limit
    changes = changes[:limit] if limit else changes
    user = context.get("user") or getattr(context.get("request"), "user", None)
    access = access_for(user) if user is not None else None
    can_restore = bool(access and access.is_admin and access.can_enter(node))
    if can_restore and changes:
        stored = {
            week: (value, note)
            for week, value, note in Entry.objects.filter(node=node).values_list("week", "value", "note")
        }
        weeks = set(node.tree.weeks)
        for change in changes:
            change.restorable = (
                change.new_value is not None
                and change.week in weeks
                and stored.get(change.week) != (change.new_value, change.new_note)
            )
    return EntryHistory(node, changes, more, can_restore)
