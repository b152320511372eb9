"""Comments on nodes, and the inbox: comments on my departments' KPIs and comments that mention me."""

import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from goals import hooks
from goals.access import access_for, get_node_for_user
from goals.forms.comments import CommentForm
from goals.models import Comment
from goals.views.nodes import node_context, node_page_context

INBOX_LIMIT = 200


def _comments_response(request, node, form=None, status=200):
    if request.htmx:
        return render(request, "goals/node_detail.html#comments", node_context(request, node, comment_form=form))
    return render(request, "goals/node_detail.html", node_page_context(request, node, form), status=status)


def _comments_url(node):
    return reverse("goals:node-detail", args=[node.pk]) + "#comments"


@login_required
@require_POST
def add_comment(request, pk):
    """Everyone signed in may comment on any node."""
    node = get_node_for_user(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _comments_response(request, node, form, status=400)
    Comment.objects.create(node=node, author=request.user, body=form.cleaned_data["body"])
    if request.htmx:
        return _comments_response(request, node)
    messages.success(request, _("Posted your comment."))
    return redirect(_comments_url(node))


@login_required
@require_POST
def delete_comment(request, pk):
    """The author or an admin deletes a comment."""
    comment = get_object_or_404(Comment.objects.select_related("node", "node__tree"), pk=pk)
    if comment.author_id != request.user.pk and not access_for(request.user).is_admin:
        raise PermissionDenied(_("Only the author of a comment or an admin can delete it."))
    node = comment.node
    comment.delete()
    if request.htmx:
        return _comments_response(request, get_node_for_user(request, node.pk))
    messages.success(request, _("Deleted the comment."))
    return redirect(_comments_url(node))


def mentions(body, username):
    """Whether `body` mentions @username (not @username2)."""
    return re.search(rf"(?<![\w@])@{re.escape(username)}(?![\w.-])", body, re.IGNORECASE) is not None


@login_required
@require_GET
def inbox(request):
    """My departments' missing numbers first; then comments on KPIs they own and comments that mention me,
    newest first, by today/this week/earlier."""
    user = request.user
    access = access_for(user)
    username = user.get_username()
    wanted = Q(body__icontains="@" + username)
    if access.member_of:
        wanted |= Q(node__department__in=access.member_of)
    candidates = (
        Comment.objects.filter(wanted)
        .exclude(author=user)
        .select_related("author", "node", "node__tree", "node__department")
        .order_by("-created_at", "-id")[:INBOX_LIMIT]
    )
    items = []
    for comment in candidates:
        comment.mentions_me = mentions(comment.body, username)
        comment.on_my_kpi = comment.node.department_id in access.member_of
        if comment.mentions_me or comment.on_my_kpi:
            items.append(comment)

    today = timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    groups = [
        {"key": "today", "title": _("Today"), "items": []},
        {"key": "week", "title": _("This week"), "items": []},
        {"key": "earlier", "title": _("Earlier"), "items": []},
    ]
    for comment in items:
        day = timezone.localdate(comment.created_at)
        groups[0 if day >= today else 1 if day >= week_start else 2]["items"].append(comment)
    context = {
        "groups": [g for g in groups if g["items"]],
        "count": len(items),
        "has_departments": bool(access.member_of),
        "due": [],
        "due_count": 0,
    }
    # The numbers due (metrics.pages.inbox_page): numbers over time live in metrics.
    context.update(hooks.page_context("inbox", request))
    return render(request, "goals/inbox.html", context)
