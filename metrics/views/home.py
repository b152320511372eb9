from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from goals.access import access_for
from goals.models import Tree
from metrics import engine, progress, reports


@login_required
@require_GET
def home(request):
    """The trees the person's departments take part in first, each with its KGI's numbers, then every other tree.

    Five queries whatever the number of trees: memberships, trees, which of them are the person's, nodes, and
    entries unless every tree's progress is in the cache (metrics.progress).
    """
    access = access_for(request.user)
    trees = list(access.visible_trees(Tree.objects.select_related("department")).order_by("-period_start", "name"))
    mine_ids = set()
    if access.member_of:
        mine_ids = set(
            Tree.objects.filter(
                Q(department__in=access.member_of)
                | Q(nodes__department__in=access.member_of, nodes__archived_at__isnull=True)
            )
            .values_list("id", flat=True)
            .distinct()
        )
    computed = progress.trees_progress(trees, progress.default_as_of, notes_for=set())
    cards = [_card(tree, computed[tree.pk].loaded, computed[tree.pk].progress) for tree in trees]
    return render(
        request,
        "metrics/home.html",
        {
            "my_cards": [card for card in cards if card["tree"].pk in mine_ids],
            "other_cards": [card for card in cards if card["tree"].pk not in mine_ids],
            "has_departments": bool(access.member_of),
            "is_guest": access.is_guest,
            "can_create": access.is_admin or bool(access.lead_of),
        },
    )


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
    return card


def _status_counts(tree_progress):
    """How many KPIs are behind: (status, count) for at-risk and off-track nodes."""
    counts = {engine.AT_RISK: 0, engine.OFF_TRACK: 0}
    for code, result in tree_progress.nodes.items():
        if code != tree_progress.kgi and result.status in counts:
            counts[result.status] += 1
    return [(status, count) for status, count in counts.items() if count]
