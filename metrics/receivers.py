"""metrics' answers to the signals of goals (goals/signals.py); connected when the app is ready."""

from django.dispatch import receiver

from goals.signals import nodes_holding_data
from metrics.models import Entry, EntryChange


@receiver(nodes_holding_data)
def nodes_with_entries(sender, node_ids, **kwargs):
    """The nodes among `node_ids` that have weekly entries, or had them (entry history)."""
    held = set(Entry.objects.filter(node_id__in=node_ids).values_list("node_id", flat=True))
    held |= set(EntryChange.objects.filter(node_id__in=node_ids).values_list("node_id", flat=True))
    return held
