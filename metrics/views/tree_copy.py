"""Copy a tree to the next period: /trees/<pk>/copy/. A metrics page because the new baselines are last
period's actuals (metrics/copying.py); the structure is copied by goals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from goals import treefile
from goals.access import get_tree_for_user
from goals.forms.tree_files import TreeCopyForm
from metrics import copying


def _copy_context(tree, form, **extra):
    return {
        "tree": tree,
        "form": form,
        "baselines": copying.baselines(tree),
        "week_count": len(tree.weeks),
        "period_open": timezone.localdate() <= tree.period_end,
        **extra,
    }


@login_required
@require_GET
def copy_tree_form(request, pk):
    tree = get_tree_for_user(request, pk, write=True)
    start, end = treefile.next_period(tree.period_start, tree.period_end)
    code, name = treefile.next_names(tree, start)
    form = TreeCopyForm(initial={"code": code, "name": name, "period_start": start, "period_end": end})
    return render(request, "metrics/tree_copy.html", _copy_context(tree, form))


@login_required
@require_POST
def copy_tree(request, pk):
    tree = get_tree_for_user(request, pk, write=True)
    form = TreeCopyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            copy = copying.copy_tree(
                tree, data["code"], data["name"], data["period_start"], data["period_end"], user=request.user
            )
        except treefile.TreeFileError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request,
                _(
                    "Copied %(old)s to %(new)s. The baselines are last period's actuals; check the targets "
                    "for the new period."
                )
                % {"old": tree.name, "new": copy.name},
            )
            return redirect("goals:tree-detail", copy.pk)
    return render(request, "metrics/tree_copy.html", _copy_context(tree, form, has_errors=True), status=400)
