"""Home: each person's daily start (docs/ui.md "Home").

1. The numbers their departments owe for the last complete week, each a link to its cell in the grid
   (metrics.views.due.due_groups, the rule of the inbox and the numbers-due page), or "all entered".
2. The questions waiting for them: open questions to their departments and comments that mention them
   unanswered (goals.discussion.waiting).
3. Every tree they see, their departments' trees first: the KGI's actual to date against its target to date,
   achievement, status, landing forecast against the target, and the first three KPIs of the dashboard's
   ranking of what moves the KGI most (metrics.ranking.kpi_ranking, shown with the dashboard's own rows).
4. What changed since their last visit (goals.visits: the rule of a visit), in the activity's sentences
   (metrics.activity.since), with links to each tree's full activity.

A fixed number of queries whatever the number of trees, KPIs, entries and comments: the progress comes from the
progress cache (metrics.progress) and every list is read with a bounded query (tests/metrics/test_home.py).
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from goals import visits
from goals.access import access_for
from goals.discussion import waiting
from goals.models import Tree
from metrics import activity, engine, progress, reports
from metrics.ranking import kpi_ranking
from metrics.views.due import due_groups

OWED_LIMIT = 12  # owed cells listed on home; the numbers-due page lists them all
LEVERS = 3  # KPIs of the ranking shown for each tree


@login_required
@require_GET
def home(request):
    access = access_for(request.user)
    trees = list(access.visible_trees(Tree.objects.select_related("department")).order_by("-period_start", "name"))
    mine_ids = _my_tree_ids(access)
    computed = progress.trees_progress(trees, progress.default_as_of, notes_for=set())
    cards = [_card(tree, computed[tree.pk].loaded, computed[tree.pk].progress) for tree in trees]
    context = {
        "my_cards": [card for card in cards if card["tree"].pk in mine_ids],
        "other_cards": [card for card in cards if card["tree"].pk not in mine_ids],
        "has_departments": bool(access.member_of),
        "is_guest": access.is_guest,
        "can_create": access.is_admin or bool(access.lead_of),
        "today": timezone.localdate(),
    }
    context.update(_owed(request.user, access))
    context.update(_waiting(request.user, access))
    # What changed: in the person's departments' trees when they have any, else in every tree they see.
    changed_trees = [tree for tree in trees if tree.pk in mine_ids] or trees
    context.update(_changes(request.user, changed_trees))
    return render(request, "metrics/home.html", context)


def _my_tree_ids(access):
    """The trees the person's departments own or own a node of."""
    if not access.member_of:
        return set()
    return set(
        Tree.objects.filter(
            Q(department__in=access.member_of)
            | Q(nodes__department__in=access.member_of, nodes__archived_at__isnull=True)
        )
        .values_list("id", flat=True)
        .distinct()
    )


def _owed(user, access):
    """The numbers the person's departments still owe, as (tree, DueItem) rows, the first OWED_LIMIT of them."""
    if not access.member_of:
        return {"owed": [], "owed_count": 0}
    rows = [(tree, item) for tree, items in due_groups(user, access.member_of) for item in items]
    return {"owed": rows[:OWED_LIMIT], "owed_count": len(rows)}


def _waiting(user, access):
    questions, question_count = waiting.open_questions(access)
    mentions, mention_count = waiting.unanswered_mentions(user, access)
    return {
        "questions": questions,
        "question_count": question_count,
        "mentions": mentions,
        "mention_count": mention_count,
    }


def _changes(user, trees):
    after, first_visit = visits.visit(user, timezone.now())
    items, more = activity.since([tree.pk for tree in trees], after, user)
    by_id = {tree.pk: tree for tree in trees}
    for item in items:
        item.tree = by_id.get(item.tree_id)
        item.activity_url = reverse("metrics:activity", args=[item.tree_id]) if item.tree_id else ""
    return {
        "changes": items,
        "more_changes": more,
        "changes_after": after,
        "first_visit": first_visit,
        "activity_links": [(tree, reverse("metrics:activity", args=[tree.pk])) for tree in trees[:6]],
        "changes_name_trees": len(trees) > 1,
    }


def _card(tree, loaded, tree_progress):
    kgi_code = tree_progress.kgi
    card = {
        "tree": tree,
        "progress": tree_progress,
        "kgi": loaded.by_code[kgi_code] if kgi_code else None,
        "result": tree_progress.nodes[kgi_code] if kgi_code else None,
        "has_entries": loaded.has_entries,
        "dashboard_url": reverse("metrics:dashboard", args=[tree.pk]),
    }
    card["forecast_achievement"] = reports.forecast_achievement(card["result"]) if card["result"] else None
    card["counts"] = _status_counts(tree_progress)
    card["levers"] = _top_levers(loaded, tree_progress) if card["result"] else []
    return card


def _top_levers(loaded, tree_progress):
    """The first LEVERS KPIs of the dashboard's "What moves the KGI most" (metrics.ranking.kpi_ranking, by
    improvement impact): the ranked ones only, not those whose impact is 0 or missing."""
    return kpi_ranking(loaded, tree_progress).ranked[:LEVERS]


def _status_counts(tree_progress):
    """How many KPIs are behind: (status, count) for at-risk and off-track nodes."""
    counts = {engine.AT_RISK: 0, engine.OFF_TRACK: 0}
    for code, result in tree_progress.nodes.items():
        if code != tree_progress.kgi and result.status in counts:
            counts[result.status] += 1
    return [(status, count) for status, count in counts.items() if count]
