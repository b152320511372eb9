"""The questions waiting for a person (home): the open questions to their departments, and the comments that
mention them by name which they have not replied to yet, on the trees they see. Newest first, `limit` of each,
a fixed number of queries.

A mention waits until the person writes in its thread after it (a reply, or a comment of theirs later in
the thread), or the comment is deleted. A mention of one of the person's departments is not counted here: the
department's questions are, and the inbox lists every department mention.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce

from goals.models import Comment, Mention

LIMIT = 5


def _with_mentions():
    """The comments' mentions, read with them (their excerpts mark the mentions): one query per list."""
    return Prefetch("mentions", queryset=Mention.objects.select_related("user", "department"))


def _visible(comments, access, prefix=""):
    if access.guest_tree_ids is None:
        return comments
    return comments.filter(**{f"{prefix}node__tree__in": access.guest_tree_ids})


def open_questions(access, limit=LIMIT):
    """(questions, count): the `limit` newest open questions to the person's departments, and how many there are."""
    if not access.member_of:
        return [], 0
    questions = _visible(Comment.objects.open_questions().filter(to_department__in=access.member_of), access)
    found = list(
        questions.select_related("node", "node__tree", "author", "to_department")
        .prefetch_related(_with_mentions())
        .order_by("-created_at", "-id")[: limit + 1]
    )
    count = len(found) if len(found) <= limit else questions.count()
    return found[:limit], count


def unanswered_mentions(user, access, limit=LIMIT):
    """(comments, count): the `limit` newest comments that mention `user` and wait for an answer, and how many."""
    replied = Comment.objects.filter(
        author=user, created_at__gt=OuterRef("created_at"), deleted_at__isnull=True
    ).filter(Q(parent_id=OuterRef("thread")) | Q(pk=OuterRef("thread")))
    mentioned = Mention.objects.filter(user=user).values("comment_id")
    comments = (
        _visible(Comment.objects.filter(pk__in=mentioned, deleted_at__isnull=True), access)
        .exclude(author=user)
        .annotate(thread=Coalesce("parent_id", "id"))
        .exclude(Exists(replied))
    )
    found = list(
        comments.select_related("node", "node__tree", "author")
        .prefetch_related(_with_mentions())
        .order_by("-created_at", "-id")[: limit + 1]
    )
    count = len(found) if len(found) <= limit else comments.count()
    return found[:limit], count
