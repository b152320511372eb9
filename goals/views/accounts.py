"""Signing in and out, passwords, and the admin's page of departments and people."""

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from goals.models import Department, Membership


def admin_required(view):
    """Workspace admins only: others who are signed in get 403 with the reason."""

    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied(_("Only workspace admins manage departments and people."))
        return view(request, *args, **kwargs)

    return wrapped


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy(
            "The user name or password is not correct. Check them and try again; passwords are case-sensitive."
        ),
        "inactive": gettext_lazy("This account is not active. Ask a workspace admin."),
    }


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name"]


class MembershipForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        label=gettext_lazy("Person"),
        empty_label=gettext_lazy("Choose a person"),
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        label=gettext_lazy("Department"),
        empty_label=gettext_lazy("Choose a department"),
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, label=gettext_lazy("Role"))


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
