"""What pages show of the discussion: a node's threads with their forms and the agreement on its definition."""

from django.urls import reverse
from django.utils import timezone

from goals import periods
from goals.access import access_for
from goals.discussion import agreements, threads
from goals.forms.comments import CommentForm
from goals.models import Department, Node, Notice


def question_departments(tree, access):
    """The departments a question on the tree can go to: every department; for a guest, those taking part in
    the tree."""
    departments = Department.objects.order_by("position", "name")
    if access.is_guest:
        ids = set(Node.objects.filter(tree=tree).exclude(department=None).values_list("department_id", flat=True))
        ids |= {tree.department_id} if tree.department_id else set()
        departments = departments.filter(pk__in=ids)
    return departments


def comment_weeks(tree):
    """The weeks a comment can be about: the tree's weeks up to the one that holds today."""
    current = periods.week_containing(timezone.localdate(), tree.week_start)
    return [week for week in tree.weeks if week <= current]


def comment_form(tree, access, data=None):
    return CommentForm(data, tree=tree, departments=question_departments(tree, access), weeks=comment_weeks(tree))


def node_discussion(request, node, form=None, reply=None):
    """The node page's discussion: its threads (each with what the person may do), the form of a new thread,
    the agreement on its definition (hand-off KPIs), and whether the person has unread notices about it.
    `reply`: (thread id, bound ReplyForm) of a refused reply, shown open with its error and what was typed."""
    access = access_for(request.user)
    user = request.user
    roots = threads.threads_of(node)
    count = 0
    latest = 0
    for root in roots:
        for comment in [root, *root.thread_replies]:
            comment.can_edit = comment.author_id == user.pk and not comment.is_deleted
            comment.can_delete = not comment.is_deleted and (comment.author_id == user.pk or access.is_admin)
            count += not comment.is_deleted
            latest = max(latest, comment.pk)
        root.can_answer = access.can_answer(root) and not root.is_deleted
        root.refused_reply = reply[1] if reply and reply[0] == root.pk else None
    agreement = agreements.status(node)
    if agreement is not None:
        for side in agreement.sides:
            side.can_agree = access.can_agree(side.department.pk)
    return {
        "threads": roots,
        "comment_count": count,
        "open_question_count": sum(root.is_open_question for root in roots),
        "comment_form": form or comment_form(node.tree, access),
        "latest_comment_id": latest,
        "agreement": agreement,
        "mention_url": reverse("goals:mention-candidates") + f"?tree={node.tree_id}",
        "new_comments_url": reverse("goals:node-new-comments", args=[node.pk]) + f"?since={latest}",
        "unread_here": Notice.objects.filter(recipient=user, node=node, read_at__isnull=True).exists(),
    }
