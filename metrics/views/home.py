from django.db.models import Q
from django.shortcuts import render

from goals.access import access_for
from goals.models import Tree


def home(request):
    """The trees the person's departments take part in first, then every other tree."""
    access = access_for(request.user)
    trees = list(Tree.objects.select_related("department").order_by("-period_start", "name"))
    mine_ids = set(
        Tree.objects.filter(Q(department__in=access.member_of) | Q(nodes__department__in=access.member_of))
        .values_list("id", flat=True)
        .distinct()
    )
    return render(
        request,
        "metrics/home.html",
        {
            "my_trees": [t for t in trees if t.id in mine_ids],
            "other_trees": [t for t in trees if t.id not in mine_ids],
        },
    )
