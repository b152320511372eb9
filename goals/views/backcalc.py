"""Back-calculation down the whole tree: /trees/<pk>/backcalc/ shows every proposal, .../apply/ applies them all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from goals import backcalc
from goals.access import access_for, get_tree_for_user
from goals.models import VersionConflict


def _context(request, tree, **extra):
    result = backcalc.chain(tree)
    changes = result.changes
    return {
        "tree": tree,
        "chain": result,
        "changes": changes,
        "fingerprint": backcalc.fingerprint(changes),
        "can_edit": access_for(request.user).can_edit_tree(tree),
        **extra,
    }


@login_required
@require_GET
def tree_backcalc(request, pk):
    tree = get_tree_for_user(request, pk)
    return render(request, "goals/tree_backcalc.html", _context(request, tree))


@login_required
@require_POST
def apply_tree_backcalc(request, pk):
    tree = get_tree_for_user(request, pk, write=True)
    try:
        steps = backcalc.apply(tree, request.POST.get("proposals", ""), request.user)
    except VersionConflict:
        error = _(
            "The tree or its targets changed since you opened this page, so nothing was applied. Check the "
            "proposals below and apply them again."
        )
        return render(request, "goals/tree_backcalc.html", _context(request, tree, error=error), status=409)
    messages.success(
        request,
        ngettext(
            "Set %(count)s target from the KGI's target.", "Set %(count)s targets from the KGI's target.", len(steps)
        )
        % {"count": len(steps)},
    )
    return redirect("goals:tree-backcalc", tree.pk)
