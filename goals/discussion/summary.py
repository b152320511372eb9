"""What a tree's pages show of its discussion at a glance, read with the rows the pages fetch anyway (annotations:
no query of their own): the open questions on each node (the tree page, the dashboard), the weeks comments are
pinned to (the node's chart), and the newest comment (what pages poll from)."""

from collections import Counter
from datetime import date

from django.db.models import CharField, Count, IntegerField, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Coalesce

from goals.models import Comment


def _joined(comments, group, field):
    """A subquery: the values of `field` of `comments`, joined with commas, per `group`."""
    return Subquery(
        comments.order_by()
        .values(group)
        .annotate(joined=StringAgg(Cast(field, CharField()), Value(",")))
        .values("joined"),
        output_field=CharField(),
    )


def tree_annotations():
    """For Tree querysets: `open_question_nodes` (a node id per open question, comma-separated) and
    `latest_comment_id`."""
    questions = Comment.objects.open_questions().filter(node__tree=OuterRef("pk"))
    latest = Comment.objects.filter(node__tree=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    return {
        "open_question_nodes": _joined(questions, "node__tree", "node_id"),
        "latest_comment_id": Subquery(latest, output_field=IntegerField()),
    }


def node_annotations():
    """For Node querysets: `pinned_weeks`, the week of each thread pinned to one (comma-separated)."""
    pinned = Comment.objects.filter(
        node=OuterRef("pk"), parent__isnull=True, week__isnull=False, deleted_at__isnull=True
    )
    return {"pinned_weeks": _joined(pinned, "node", "week")}


def open_questions_by_node(tree):
    """{node id: open questions} of a tree read with tree_annotations()."""
    text = getattr(tree, "open_question_nodes", None) or ""
    return dict(Counter(int(part) for part in text.split(",") if part.strip()))


def pinned_weeks(node):
    """{week: threads pinned to it} of a node read with node_annotations()."""
    text = getattr(node, "pinned_weeks", None) or ""
    return dict(Counter(date.fromisoformat(part.strip()[:10]) for part in text.split(",") if part.strip()))


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
