"""Threads on KPIs: posting a comment or a question, replying, editing, deleting, answering. Every change of a
comment goes through here, so that mentions, notices (and their emails) and the kept counts follow it.

Access is checked by the views (goals.access) before they call these.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from goals.discussion import mentions, notices
from goals.models import Comment, CommentRevision, Mention, Notice

Kind = Notice.Kind


@dataclass
class Posted:
    """A comment just saved, and the mentions in it that reached nobody (unknown or ambiguous names)."""

    comment: Comment
    unresolved: list = field(default_factory=list)  # mentions.Found with a problem


def _save_mentions(comment, found):
    Mention.objects.bulk_create(
        Mention(
            comment=comment,
            user=item.target.user,
            department=item.target.department,
            text=item.text,
        )
        for item in found
        if item.target is not None
    )


def _mention_reaches(found, members):
    reaches = []
    for item in found:
        if item.target is None:
            continue
        if item.target.user is not None:
            reaches.append((item.target.user.pk, Kind.MENTION, None))
        else:
            department = item.target.department
            reaches += [
                (user_id, Kind.DEPARTMENT_MENTION, department.pk) for user_id in members.get(department.pk, [])
            ]
    return reaches


def _reaches(comment, found):
    """Who hears of a new comment, and how: [(user id, kind, department id)]."""
    node = comment.node
    root = comment.parent
    departments = {item.target.department.pk for item in found if item.target and item.target.department}
    if node.department_id:
        departments.add(node.department_id)
    if comment.to_department_id:
        departments.add(comment.to_department_id)
    if root is not None and root.is_open_question:
        departments.add(root.to_department_id)
    members = notices.members_of(departments)

    reaches = _mention_reaches(found, members)
    if comment.is_question:
        reaches += [
            (user_id, Kind.QUESTION, comment.to_department_id) for user_id in members.get(comment.to_department_id, [])
        ]
    if root is not None:
        participants = {root.author_id} | set(
            Comment.objects.filter(parent=root).exclude(pk=comment.pk).values_list("author_id", flat=True)
        )
        reaches += [(user_id, Kind.REPLY, None) for user_id in participants]
        if root.is_open_question:
            reaches += [
                (user_id, Kind.REPLY, root.to_department_id) for user_id in members.get(root.to_department_id, [])
            ]
    if node.department_id:
        reaches += [(user_id, Kind.KPI_COMMENT, node.department_id) for user_id in members.get(node.department_id, [])]
    return reaches


def post(node, author, body, access, *, week=None, to_department=None, parent=None):
    """Save a new comment on `node` and tell whom it concerns. A reply (`parent`) joins the parent's thread and
    takes neither a week nor a department of its own."""
    if parent is not None:
        parent = parent.parent or parent
        week, to_department = None, None
    with transaction.atomic():
        comment = Comment.objects.create(
            node=node, author=author, body=body, parent=parent, week=week, to_department=to_department
        )
        comment.node = node
        found = mentions.parse(body, mentions.directory_for(node.tree, access))
        _save_mentions(comment, found)
        notices.deliver(node=node, actor=author, reaches=_reaches(comment, found), comment=comment)
    return Posted(comment, [item for item in found if item.problem])


def edit(comment, user, body, access):
    """Change the comment's text, keeping the earlier one; people mentioned for the first time hear of it."""
    if body == comment.body:
        return Posted(comment)
    with transaction.atomic():
        CommentRevision.objects.create(
            comment=comment, body=comment.body, written_at=comment.edited_at or comment.created_at
        )
        before = {(mention.user_id, mention.department_id) for mention in comment.mentions.all()}
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "edited_at"])
        found = mentions.parse(body, mentions.directory_for(comment.node.tree, access))
        comment.mentions.all().delete()
        _save_mentions(comment, found)
        new = [
            item
            for item in found
            if item.target is not None
            and (getattr(item.target.user, "pk", None), getattr(item.target.department, "pk", None)) not in before
        ]
        if new:
            departments = {item.target.department.pk for item in new if item.target.department}
            reaches = _mention_reaches(new, notices.members_of(departments))
            notices.deliver(node=comment.node, actor=user, reaches=reaches, comment=comment)
    return Posted(comment, [item for item in found if item.problem])


def delete(comment):
    """Delete the comment; one with replies stays as a marker without its text, so the replies keep their place.
    Its notices go (there is nothing left to read). A deleted thread start without replies left goes too."""
    with transaction.atomic():
        Notice.objects.filter(comment=comment).delete()
        if comment.replies.exists():
            comment.body = ""
            comment.deleted_at = timezone.now()
            comment.save(update_fields=["body", "deleted_at"])
            comment.mentions.all().delete()
            comment.revisions.all().delete()
            return comment
        root = comment.parent
        comment.delete()
        if root is not None and root.is_deleted and not root.replies.exists():
            root.delete()
    return None


def answer(comment, user):
    """Mark the question answered; its author hears of it."""
    if comment.answered_at is not None:
        return comment
    with transaction.atomic():
        comment.answered_at = timezone.now()
        comment.answered_by = user
        comment.save(update_fields=["answered_at", "answered_by"])
        notices.deliver(
            node=comment.node,
            actor=user,
            reaches=[(comment.author_id, Kind.ANSWERED, comment.to_department_id)],
            comment=comment,
        )
        # The department's own notices of the question are done with.
        Notice.objects.filter(comment=comment, kind=Kind.QUESTION, read_at__isnull=True).update(read_at=timezone.now())
    return comment


def reopen(comment):
    """The question needs an answer after all."""
    with transaction.atomic():
        comment.answered_at = None
        comment.answered_by = None
        comment.save(update_fields=["answered_at", "answered_by"])
    return comment


def threads_of(node):
    """The node's threads, oldest first, each with `.thread_replies` (oldest first), its mentions and earlier
    texts: three queries."""
    comments = list(
        node.comments.select_related("author", "author__guest", "to_department", "answered_by")
        .prefetch_related(
            Prefetch("mentions", queryset=Mention.objects.select_related("user", "department")), "revisions"
        )
        .order_by("created_at", "id")
    )
    roots = []
    by_id = {}
    for comment in comments:
        comment.thread_replies = []
        by_id[comment.pk] = comment
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        if parent is not None:
            parent.thread_replies.append(comment)
        else:
            roots.append(comment)
    return roots
