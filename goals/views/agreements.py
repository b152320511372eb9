"""Agreeing on the definition of a hand-off KPI (goals.discussion.agreements): a lead of each of its two
departments marks the definition, as it reads on the page, agreed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals.access import access_for, get_node_for_user
from goals.discussion import agreements


def _side(request, pk):
    node = get_node_for_user(request, pk)
    status = agreements.status(node)
    if status is None:
        raise PermissionDenied(_("Only a KPI handed from one department to another needs both to agree."))
    wanted = request.POST.get("department", "")
    side = next((side for side in status.sides if str(side.department.pk) == wanted), None)
    if side is None or not access_for(request.user).can_agree(side.department.pk):
        raise PermissionDenied(
            _("Only a lead of %(departments)s agrees on this definition.")
            % {"departments": "・".join(side.department.name for side in status.sides)}
        )
    return node, side


def _back(node):
    return redirect(reverse("goals:node-detail", args=[node.pk]) + "#definition-title")


@login_required
@require_POST
def agree(request, pk):
    node, side = _side(request, pk)
    if request.POST.get("version") != str(node.version):
        messages.error(
            request,
            _("The definition changed while you were reading it. Read it again, then agree."),
        )
        return _back(node)
    agreements.agree(node, side.department, request.user)
    messages.success(
        request, _("Recorded that %(department)s agrees on this definition.") % {"department": side.department.name}
    )
    return _back(node)


@login_required
@require_POST
def withdraw(request, pk):
    node, side = _side(request, pk)
    agreements.withdraw(node, side.department)
    messages.success(
        request,
        _("Withdrew the agreement of %(department)s on this definition.") % {"department": side.department.name},
    )
    return _back(node)
