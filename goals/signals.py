"""Signals goals sends, so that the apps built on it take part without goals importing them.

goals owns the structure and never imports metrics; metrics owns numbers over time. Where a structural
change must know about numbers, goals asks through a signal here and metrics answers (its receivers
are connected in metrics/apps.py).
"""

from django.dispatch import Signal

#: Sent before nodes are taken out of a tree, with ``tree`` and ``node_ids`` (a frozenset of node ids).
#: Each receiver returns the ids among them whose nodes hold data its app keeps (metrics: weekly entries
#: and their history). Those nodes are archived rather than deleted, so nothing of theirs is lost.
nodes_holding_data = Signal()
