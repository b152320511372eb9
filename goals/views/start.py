"""The first-run checklist page (goals.accounts.start): for workspace admins."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from goals.access import access_for
from goals.accounts import start as checklist


def start(request):
    if not access_for(request.user).is_admin:
        raise PermissionDenied(_("The setup checklist is for workspace admins. Ask a workspace admin."))
    steps = checklist.steps(request)
    remaining = [step for step in steps if not step["done"]]
    # Once every step is done, the page ends where the team's week starts: the newest tree's weekly review.
    review_tree = None if remaining else checklist.newest_tree()
    return render(
        request,
        "goals/start.html",
        {
            "steps": steps,
            "remaining": len(remaining),
            "current": remaining[0]["key"] if remaining else None,
            "review_tree": review_tree,
        },
    )
