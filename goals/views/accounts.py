"""Signing in and out, passwords, and the admin's page of departments and people."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals.access import refuse_guests
from goals.forms.people import DepartmentForm, MembershipForm
from goals.models import Department, Membership


def admin_required(view):
    """Workspace admins only: others who are signed in get 403 with the reason."""

    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        refuse_guests(request)
        if not request.user.is_staff:
            raise PermissionDenied(_("Only workspace admins manage departments and people."))
        return view(request, *args, **kwargs)

    return wrapped


@admin_required
def people(request):
    """Departments with their members and leads; admins add departments and memberships here."""
    departments = Department.objects.prefetch_related("memberships__user")
    return render(
        request,
        "goals/people.html",
        {
            "departments": departments,
            "department_form": DepartmentForm(prefix="department"),
            "membership_form": MembershipForm(prefix="membership"),
        },
    )


@admin_required
@require_POST
def create_department(request):
    form = DepartmentForm(request.POST, prefix="department")
    if form.is_valid():
        form.save()
        messages.success(request, _("Added the department %(name)s.") % {"name": form.instance.name})
        return redirect("goals:people")
    return render(
        request,
        "goals/people.html",
        {
            "departments": Department.objects.prefetch_related("memberships__user"),
            "department_form": form,
            "membership_form": MembershipForm(prefix="membership"),
            "has_errors": True,
        },
        status=400,
    )


@admin_required
@require_POST
def set_membership(request):
    form = MembershipForm(request.POST, prefix="membership")
    if form.is_valid():
        with transaction.atomic():
            Membership.objects.update_or_create(
                user=form.cleaned_data["user"],
                department=form.cleaned_data["department"],
                defaults={"role": form.cleaned_data["role"]},
            )
        messages.success(request, _("Saved the membership."))
        return redirect("goals:people")
    return render(
        request,
        "goals/people.html",
        {
            "departments": Department.objects.prefetch_related("memberships__user"),
            "department_form": DepartmentForm(prefix="department"),
            "membership_form": form,
            "has_errors": True,
        },
        status=400,
    )


@admin_required
@require_POST
def delete_membership(request, pk):
    Membership.objects.filter(pk=pk).delete()
    messages.success(request, _("Removed the membership."))
    return redirect("goals:people")
