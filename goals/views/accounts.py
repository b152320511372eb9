"""The pages of departments and people: the list, a person's page, invitations, roles, moves, deactivation.

Rules (docs/permissions.md "People and departments"): every signed-in person but guests sees the list and the
people's pages; admins manage every department, a lead their own ones (Access.can_manage_department); only
admins create departments, move people between departments they do not both lead, and deactivate accounts.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals.access import access_for, refuse_guests
from goals.accounts import invitations
from goals.forms.people import DepartmentForm, InvitationForm, MembershipForm, MoveForm, RoleForm
from goals.models import Department, Invitation, Membership, display_name


def _managed_departments(access):
    departments = Department.objects.all()
    return departments if access.is_admin else departments.filter(pk__in=access.lead_of)


def _refuse_unless_manages(access, department_id):
    if not access.can_manage_department(department_id):
        raise PermissionDenied(
            _("Only workspace admins and the department's leads manage its people. Ask a workspace admin.")
        )


def _refuse_unless_admin(access):
    if not access.is_admin:
        raise PermissionDenied(_("Only workspace admins do this. Ask a workspace admin."))


def _refuse_unless_manages_posted(access, department_id):
    """403 for a department that exists but that the person does not manage (a form error for anything else)."""
    if department_id.isdigit() and Department.objects.filter(pk=int(department_id)).exists():
        _refuse_unless_manages(access, int(department_id))


def _back(request, default):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _people_context(request, **forms):
    access = access_for(request.user)
    managed = _managed_departments(access)
    members = Membership.objects.select_related("user").order_by("-role", "user__last_name", "user__username")
    departments = Department.objects.prefetch_related(Prefetch("memberships", queryset=members))
    unassigned = (
        get_user_model()
        .objects.filter(memberships__isnull=True, guest__isnull=True)
        .order_by("-is_active", "last_name", "username")
    )
    pending = invitations.pending()
    if not access.is_admin:
        pending = pending.filter(department_id__in=access.lead_of)
    return {
        "departments": departments,
        "unassigned": unassigned,
        "pending": pending if access.manages_people else [],
        "access": access,
        "lead_of": access.lead_of,
        "department_form": forms.get("department_form") or DepartmentForm(prefix="department"),
        "membership_form": forms.get("membership_form")
        or (MembershipForm(prefix="membership", departments=managed) if access.manages_people else None),
        "has_errors": any(form is not None and form.errors for form in forms.values()),
    }


def people(request):
    """Departments with their members and leads, people in no department, pending invitations."""
    refuse_guests(request)
    return render(request, "goals/people.html", _people_context(request))


def person(request, pk):
    """One person: their departments and roles, with what the viewer may change."""
    refuse_guests(request)
    access = access_for(request.user)
    subject = get_object_or_404(get_user_model(), pk=pk, guest__isnull=True)
    memberships = list(subject.memberships.select_related("department").order_by("department__position"))
    managed = _managed_departments(access)
    for membership in memberships:
        membership.can_manage = access.can_manage_department(membership.department_id)
        membership.role_form = RoleForm(prefix=f"role-{membership.pk}", initial={"role": membership.role})
        membership.move_form = MoveForm(
            prefix=f"move-{membership.pk}", departments=managed.exclude(pk=membership.department_id)
        )
    add_form = None
    if access.manages_people and subject.is_active:
        add_form = MembershipForm(prefix="membership", departments=managed, initial={"user": subject.pk})
    return render(
        request,
        "goals/person.html",
        {
            "subject": subject,
            "memberships": memberships,
            "add_form": add_form,
            "can_deactivate": access.is_admin and subject.pk != request.user.pk,
            "access": access,
        },
    )


@require_POST
def create_department(request):
    refuse_guests(request)
    _refuse_unless_admin(access_for(request.user))
    form = DepartmentForm(request.POST, prefix="department")
    if form.is_valid():
        form.save()
        messages.success(request, _("Added the department %(name)s.") % {"name": form.instance.name})
        return _back(request, "goals:people")
    return render(request, "goals/people.html", _people_context(request, department_form=form), status=400)


@require_POST
def rename_department(request, pk):
    refuse_guests(request)
    department = get_object_or_404(Department, pk=pk)
    _refuse_unless_manages(access_for(request.user), department.pk)
    form = DepartmentForm(request.POST, instance=department, prefix=f"rename-{pk}")
    if form.is_valid():
        form.save()
        messages.success(request, _("Renamed the department to %(name)s.") % {"name": form.instance.name})
        return redirect("goals:people")
    messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    return redirect("goals:people")


@require_POST
def set_membership(request):
    """Add a person to a department, or change their role there."""
    refuse_guests(request)
    access = access_for(request.user)
    _refuse_unless_manages_posted(access, request.POST.get("membership-department", ""))
    form = MembershipForm(request.POST, prefix="membership", departments=_managed_departments(access))
    if form.is_valid():
        with transaction.atomic():
            Membership.objects.update_or_create(
                user=form.cleaned_data["user"],
                department=form.cleaned_data["department"],
                defaults={"role": form.cleaned_data["role"]},
            )
        messages.success(request, _("Saved the membership."))
        return _back(request, "goals:people")
    if not access.manages_people:
        _refuse_unless_admin(access)
    return render(request, "goals/people.html", _people_context(request, membership_form=form), status=400)


def _membership_for(request, pk):
    refuse_guests(request)
    membership = get_object_or_404(Membership.objects.select_related("user", "department"), pk=pk)
    _refuse_unless_manages(access_for(request.user), membership.department_id)
    return membership


@require_POST
def change_role(request, pk):
    membership = _membership_for(request, pk)
    form = RoleForm(request.POST, prefix=f"role-{pk}")
    if form.is_valid():
        membership.role = form.cleaned_data["role"]
        membership.save(update_fields=["role"])
        messages.success(
            request,
            _("%(person)s is now %(role)s of %(department)s.")
            % {
                "person": display_name(membership.user),
                "role": membership.get_role_display(),
                "department": membership.department.name,
            },
        )
    else:
        messages.error(request, _("Choose a role."))
    return redirect("goals:person", membership.user_id)


@require_POST
def move_membership(request, pk):
    """Move a person to another department, with the same role: needs the right to manage both."""
    membership = _membership_for(request, pk)
    access = access_for(request.user)
    _refuse_unless_manages_posted(access, request.POST.get(f"move-{pk}-department", ""))
    form = MoveForm(request.POST, prefix=f"move-{pk}", departments=_managed_departments(access))
    if not form.is_valid():
        messages.error(request, _("Choose a department you manage to move them to."))
        return redirect("goals:person", membership.user_id)
    target = form.cleaned_data["department"]
    with transaction.atomic():
        if Membership.objects.filter(user=membership.user, department=target).exists():
            membership.delete()  # already there: keep that membership and its role
        else:
            membership.department = target
            membership.save(update_fields=["department"])
    messages.success(
        request,
        _("Moved %(person)s to %(department)s.") % {"person": display_name(membership.user), "department": target},
    )
    return redirect("goals:person", membership.user_id)


@require_POST
def delete_membership(request, pk):
    membership = _membership_for(request, pk)
    membership.delete()
    messages.success(
        request,
        _("Removed %(person)s from %(department)s.")
        % {"person": display_name(membership.user), "department": membership.department.name},
    )
    return _back(request, "goals:people")


@require_POST
def set_active(request, pk):
    """Deactivate (or reactivate) an account: admins only, never their own. A deactivated person cannot sign in,
    their sessions end at their next request and their API tokens stop; what they wrote stays theirs."""
    refuse_guests(request)
    access = access_for(request.user)
    _refuse_unless_admin(access)
    subject = get_object_or_404(get_user_model(), pk=pk)
    if subject.pk == request.user.pk:
        raise PermissionDenied(_("You cannot deactivate your own account. Ask another workspace admin."))
    active = request.POST.get("active") == "1"
    subject.is_active = active
    subject.save(update_fields=["is_active"])
    name = f"{subject.last_name} {subject.first_name}".strip() or subject.get_username()
    if active:
        messages.success(request, _("Reactivated %(person)s: they can log in again.") % {"person": name})
    else:
        messages.success(
            request, _("Deactivated %(person)s: they can no longer log in; what they wrote stays.") % {"person": name}
        )
    return redirect("goals:person", subject.pk)


def invite(request):
    """The invitation form (GET) and sending it (POST): admins into any department, leads into theirs."""
    refuse_guests(request)
    access = access_for(request.user)
    if not access.manages_people:
        raise PermissionDenied(_("Only workspace admins and department leads invite people. Ask a workspace admin."))
    departments = _managed_departments(access)
    initial = {}
    if request.GET.get("department", "").isdigit():
        initial["department"] = int(request.GET["department"])
    if request.method == "POST":
        _refuse_unless_manages_posted(access, request.POST.get("department", ""))
    form = InvitationForm(request.POST or None, departments=departments, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            invitation = invitations.invite(
                form.cleaned_data["email"],
                form.cleaned_data["department"],
                form.cleaned_data["role"],
                request.user,
                get_language() or "ja",
            )
            messages.success(
                request,
                _("Sent an invitation to %(email)s. The link works for %(days)s days.")
                % {"email": invitation.email, "days": invitations.lifetime().days},
            )
            return redirect(reverse("goals:people") + "#invitations")
        status = 400
    else:
        status = 200
    return render(
        request, "goals/invite.html", {"form": form, "invitation_days": settings.INVITATION_DAYS}, status=status
    )


def _invitation_for(request, pk):
    refuse_guests(request)
    invitation = get_object_or_404(Invitation.objects.select_related("department"), pk=pk)
    _refuse_unless_manages(access_for(request.user), invitation.department_id)
    return invitation


@require_POST
def resend_invitation(request, pk):
    invitation = _invitation_for(request, pk)
    if invitation.is_pending:
        invitations.resend(invitation)
        messages.success(
            request, _("Sent the invitation to %(email)s again, with a new link.") % {"email": invitation.email}
        )
    return redirect(reverse("goals:people") + "#invitations")


@require_POST
def revoke_invitation(request, pk):
    invitation = _invitation_for(request, pk)
    if invitation.is_pending:
        invitations.revoke(invitation)
        messages.success(
            request, _("Revoked the invitation to %(email)s: its link no longer works.") % {"email": invitation.email}
        )
    return redirect(reverse("goals:people") + "#invitations")
