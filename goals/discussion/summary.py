"""What a tree's pages show of its discussion at a glance: the open questions on each node (the tree page, the
dashboard) and the weeks comments are pinned to (the node's chart).

Kept in the cache per tree and dropped, once the transaction commits, by every change of a comment in the tree
(goals.discussion.threads), so that the pages ask the database nothing for it most of the time; queries
otherwise (two). The timeout bounds how stale a per-process cache (no Redis) can be on another process.
"""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from goals.models import Comment

TIMEOUT = 300


@dataclass
class TreeSummary:
    open_questions: dict = field(default_factory=dict)  # {node id: count}
    pinned: dict = field(default_factory=dict)  # {node id: {week: count}}
    latest_comment_id: int = 0  # of the tree's comments, for pages that poll for new ones

    @property
    def open_question_total(self):
        return sum(self.open_questions.values())


def _key(tree_id):
    return f"discussion-summary:{tree_id}"


def tree_summary(tree_id):
    summary = cache.get(_key(tree_id))
    if summary is None:
        summary = TreeSummary()
        rows = (
            Comment.objects.filter(node__tree_id=tree_id, parent__isnull=True, deleted_at__isnull=True)
            .filter(Q(week__isnull=False) | Q(to_department__isnull=False, answered_at__isnull=True))
            .values_list("node_id", "week", "to_department_id", "answered_at")
        )
        for node_id, week, department_id, answered_at in rows:
            if department_id is not None and answered_at is None:
                summary.open_questions[node_id] = summary.open_questions.get(node_id, 0) + 1
            if week is not None:
                weeks = summary.pinned.setdefault(node_id, {})
                weeks[week] = weeks.get(week, 0) + 1
        latest = Comment.objects.filter(node__tree_id=tree_id).aggregate(latest=Max("id"))["latest"]
        summary.latest_comment_id = latest or 0
        cache.set(_key(tree_id), summary, TIMEOUT)
    return summary


def forget(tree_id):
    """Drop the tree's kept summary once the transaction commits."""
    transaction.on_commit(lambda: cache.delete(_key(tree_id)))


def open_questions_count():
    """An annotation of nodes: how many open questions each has (read with the nodes, no query of its own)."""
    counts = (
        Comment.objects.open_questions()
        .filter(node=OuterRef("pk"))
        .order_by()
        .values("node")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
