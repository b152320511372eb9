"""The weekly review (定例) of a tree at /trees/<pk>/review/<week>/ (a shareable address per week; printable on A4
landscape, readable on a projector with ?view=projector), its action items, and the tree's activity feed.

Everyone who sees the tree sees its review and records action items; the author of an item, the tree's leads
and admins delete one.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from goals.access import access_for, check_can_see_tree, get_tree_for_user
from goals.discussion import summary
from goals.forms.comments import ActionItemForm
from goals.models import ActionItem, Department, Node
from goals.periods import week_containing
from metrics import activity, review
from metrics.progress import default_as_of
from metrics.views.dashboards import chart_scripts_context


def _week(tree, text):
    """The tree's week named in the address (any day of it), or 404."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Http404(_("“%(value)s” is not a date.") % {"value": text}) from None
    week = week_containing(day, tree.week_start)
    if week not in tree.weeks:
        raise Http404(_("%(tree)s has no such week.") % {"tree": tree.name})
    return week


def review_url(tree, week, **params):
    url = reverse("metrics:review-week", args=[tree.pk, week.isoformat()])
    return f"{url}?{urlencode(params)}" if params else url


@login_required
@require_GET
def review_now(request, pk):
    """The review of the last complete week (or the period's nearest week)."""
    tree = get_tree_for_user(request, pk)
    weeks = tree.weeks
    if not weeks:
        raise Http404(_("This tree's period has no weeks."))
    week = min(max(default_as_of(tree), weeks[0]), weeks[-1])
    week = week_containing(week, tree.week_start)
    return redirect(
        review_url(tree, week, **({"view": "projector"} if request.GET.get("view") == "projector" else {}))
    )


def _people(tree):
    """Who can own an action item: the members of the departments taking part in the tree."""
    ids = set(Node.objects.filter(tree=tree, archived_at__isnull=True).values_list("department_id", flat=True))
    ids |= {tree.department_id}
    return (
        get_user_model()
        .objects.filter(memberships__department__in=ids - {None}, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@login_required
@require_GET
def review_week(request, pk, week):
    tree = get_tree_for_user(request, pk, annotations=summary.tree_annotations())
    week = _week(tree, week)
    return _render(request, tree, week)


def _render(request, tree, week, form=None, status=200):
    data = review.build(tree, week)
    projector = request.GET.get("view") == "projector"
    context = {
        "tree": tree,
        "review": data,
        "week": data.week,
        "projector": projector,
        "form": form or ActionItemForm(people=_people(tree), auto_id="action-%s"),
        "self_url": review_url(tree, data.week, **({"view": "projector"} if projector else {})),
        "projector_url": review_url(tree, data.week, view="projector"),
        "plain_url": review_url(tree, data.week),
        "previous_url": review_url(tree, data.previous_week, **({"view": "projector"} if projector else {}))
        if data.previous_week
        else "",
        "next_url": review_url(tree, data.next_week, **({"view": "projector"} if projector else {}))
        if data.next_week
        else "",
        "share_url": request.build_absolute_uri(review_url(tree, data.week)),
        "can_delete_all": access_for(request.user).can_edit_tree(tree),
        "new_comments_url": reverse("goals:tree-new-comments", args=[tree.pk])
        + "?"
        + urlencode({"since": getattr(tree, "latest_comment_id", None) or 0, "next": request.get_full_path()}),
        **chart_scripts_context(),
    }
    return render(request, "metrics/review.html", context, status=status)


@login_required
@require_POST
def add_action_item(request, pk, week):
    tree = get_tree_for_user(request, pk)
    week = _week(tree, week)
    form = ActionItemForm(request.POST, people=_people(tree), auto_id="action-%s")
    if not form.is_valid():
        return _render(request, tree, week, form=form, status=400)
    item = form.save(commit=False)
    item.tree = tree
    item.week = week
    item.created_by = request.user
    item.save()
    messages.success(request, _("Recorded the action item."))
    return redirect(review_url(tree, week) + "#action-items")


def _item(request, pk):
    item = get_object_or_404(ActionItem.objects.select_related("tree"), pk=pk)
    check_can_see_tree(request, item.tree)
    return item


@login_required
@require_POST
def toggle_action_item(request, pk):
    """Mark the item done at the review of `week` (posted), or not done again."""
    item = _item(request, pk)
    week = _week(item.tree, request.POST.get("week", ""))
    if item.done_at is None:
        item.done_at = timezone.now()
        item.done_week = week
        notice = _("Marked the action item done.")
    else:
        item.done_at = None
        item.done_week = None
        notice = _("The action item is open again.")
    item.save(update_fields=["done_at", "done_week"])
    messages.success(request, notice)
    return redirect(review_url(item.tree, week) + "#action-items")


@login_required
@require_POST
def delete_action_item(request, pk):
    item = _item(request, pk)
    week = _week(item.tree, request.POST.get("week", item.week.isoformat()))
    access = access_for(request.user)
    if item.created_by_id != request.user.pk and not access.can_edit_tree(item.tree):
        raise PermissionDenied(_("Only whoever recorded the action item, the tree's leads and admins delete it."))
    item.delete()
    messages.success(request, _("Deleted the action item."))
    return redirect(review_url(item.tree, week) + "#action-items")


# Activity


def _moment(text):
    """An ISO date and time from the address (in the site's zone when it names none), or None."""
    try:
        moment = parse_datetime(text) if text else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@login_required
@require_GET
def tree_activity(request, pk):
    """?department=<id> for what concerns one department's KPIs; ?before=<time> for older items."""
    tree = get_tree_for_user(request, pk)
    departments = list(
        Department.objects.filter(nodes__tree=tree, nodes__archived_at__isnull=True).distinct().order_by("position")
    )
    department = next((d for d in departments if str(d.pk) == request.GET.get("department")), None)
    before = _moment(request.GET.get("before", ""))
    items, more = activity.feed(tree, department.pk if department else None, before)
    older_url = ""
    if more and items:
        params = {"before": items[-1].when.isoformat()}
        if department:
            params["department"] = department.pk
        older_url = f"{request.path}?{urlencode(params)}"
    return render(
        request,
        "metrics/activity.html",
        {
            "tree": tree,
            "items": items,
            "departments": departments,
            "department": department,
            "older_url": older_url,
            "before": before,
        },
    )
