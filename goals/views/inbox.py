"""The inbox: the numbers my departments still owe, the open questions to my departments, and my notices
(mentions, questions, replies, comments on my departments' KPIs, answers, changed definitions), newest first by
today / this week / earlier, unread ones marked; marking read; how I hear of them by email."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from goals import hooks
from goals.access import access_for
from goals.discussion import notices
from goals.discussion.words import sentence
from goals.forms.comments import NoticePreferenceForm
from goals.models import Comment, Mention, Notice, NoticePreference

INBOX_LIMIT = 200
Kind = Notice.Kind

FILTERS = [
    ("", gettext_lazy("Everything")),
    ("due", gettext_lazy("Numbers due")),
    ("questions", gettext_lazy("Questions to my departments")),
    ("mentions", gettext_lazy("Mentions")),
    ("replies", gettext_lazy("Replies to me")),
]
FILTER_KINDS = {
    "questions": [Kind.QUESTION],
    "mentions": [Kind.MENTION, Kind.DEPARTMENT_MENTION],
    "replies": [Kind.REPLY, Kind.ANSWERED],
}


def _open_questions(access):
    """The open questions to the person's departments, on the trees they see, newest first."""
    if not access.member_of:
        return []
    questions = access_filter(
        Comment.objects.open_questions().filter(to_department__in=access.member_of), access
    ).select_related("node", "node__tree", "author", "to_department")
    return list(questions.order_by("-created_at", "-id")[:INBOX_LIMIT])


def access_filter(comments, access):
    return comments if access.guest_tree_ids is None else comments.filter(node__tree__in=access.guest_tree_ids)


def _notices(user, access, chosen, unread_only):
    items = (
        Notice.objects.filter(recipient=user)
        .select_related("actor", "node", "node__tree", "department", "comment")
        .prefetch_related(Prefetch("comment__mentions", queryset=Mention.objects.select_related("user", "department")))
        .order_by("-created_at", "-id")
    )
    if chosen in FILTER_KINDS:
        items = items.filter(kind__in=FILTER_KINDS[chosen])
    if unread_only:
        items = items.filter(read_at__isnull=True)
    if access.is_guest:  # a guest no longer invited to a tree reads nothing more of it
        items = items.filter(node__tree__in=access.guest_tree_ids)
    items = list(items[:INBOX_LIMIT])
    for notice in items:
        notice.sentence = sentence(notice)
    return items


def _by_day(items):
    today = timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    groups = [
        {"key": "today", "title": _("Today"), "items": []},
        {"key": "week", "title": _("This week"), "items": []},
        {"key": "earlier", "title": _("Earlier"), "items": []},
    ]
    for item in items:
        day = timezone.localdate(item.created_at)
        groups[0 if day >= today else 1 if day >= week_start else 2]["items"].append(item)
    return [group for group in groups if group["items"]]


@login_required
@require_GET
def inbox(request):
    """?filter= one of FILTERS; ?unread=1 for the unread ones only."""
    user = request.user
    access = access_for(user)
    chosen = request.GET.get("filter", "")
    if chosen not in dict(FILTERS):
        chosen = ""
    unread_only = request.GET.get("unread") == "1"
    items = [] if chosen == "due" else _notices(user, access, chosen, unread_only)
    questions = _open_questions(access) if chosen in ("", "questions") else []
    context = {
        "groups": _by_day(items),
        "count": len(items),
        "questions": questions,
        "has_departments": bool(access.member_of),
        "is_guest": access.is_guest,
        "due": [],
        "due_count": 0,
        "filter": chosen,
        "unread_only": unread_only,
        "unread_counts": notices.counts_by_filter(user),
    }
    if chosen in ("", "due"):
        # The numbers due (metrics.pages.inbox_page): numbers over time live in metrics.
        context.update(hooks.page_context("inbox", request))
    context["filters"] = [
        {
            "key": key,
            "label": label,
            "url": _filter_url(key, unread_only),
            "current": key == chosen,
            "count": context["due_count"] if key == "due" else context["unread_counts"].get(key or "all", 0),
        }
        for key, label in FILTERS
    ]
    context["unread_toggle_url"] = _filter_url(chosen, not unread_only)
    return render(request, "goals/inbox.html", context)


def _filter_url(key, unread_only):
    params = []
    if key:
        params.append(f"filter={key}")
    if unread_only:
        params.append("unread=1")
    return reverse("goals:inbox") + ("?" + "&".join(params) if params else "")


@login_required
@require_POST
def mark_read(request):
    """Mark the notices `notice` (one or more ids) read, or all of them without any."""
    ids = [int(value) for value in request.POST.getlist("notice") if value.isdigit()]
    changed = notices.mark_read(request.user, ids or None)
    if not ids:
        messages.success(request, _("Marked everything read."))
    next_url = request.POST.get("next", "")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("goals:inbox")
    if request.htmx:
        return render(request, "goals/includes/nothing.html", {"changed": changed})
    return redirect(next_url)


@login_required
@require_GET
def notice_settings(request):
    preference = NoticePreference.objects.filter(user=request.user).first() or NoticePreference(user=request.user)
    return render(request, "goals/notice_settings.html", {"form": NoticePreferenceForm(instance=preference)})


@login_required
@require_POST
def save_notice_settings(request):
    preference = NoticePreference.objects.filter(user=request.user).first() or NoticePreference(user=request.user)
    before = preference.email
    form = NoticePreferenceForm(request.POST, instance=preference)
    if not form.is_valid():
        return render(request, "goals/notice_settings.html", {"form": form}, status=400)
    preference = form.save(commit=False)
    preference.language = translation.get_language() or ""
    preference.save()
    if preference.email != before and preference.email != NoticePreference.Email.EACH:
        # A new choice starts from now: earlier notices are not emailed in the next digest.
        Notice.objects.filter(recipient=request.user, emailed_at__isnull=True).update(emailed_at=timezone.now())
    messages.success(request, _("Saved how you hear of your notices."))
    return redirect("goals:inbox")
