"""Accepting an invitation (the link in its email) and resetting a password by email: pages for people who are
not signed in (yet)."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from config.login_throttle import client_ip
from goals.accounts import invitations
from goals.forms.people import AcceptInvitationForm, ResetPasswordForm, ResetRequestForm
from goals.models import display_name

_STATUS = {
    invitations.INVALID: 404,
    invitations.REVOKED: 410,
    invitations.USED: 410,
    invitations.EXPIRED: 410,
}


@login_not_required
@sensitive_post_parameters("password1", "password2")
def accept_invitation(request, token):
    """The invitation's page: choose a name, user name and password; the new person lands signed in. A link
    that is not valid, revoked, used or expired, or opened by someone signed in, says so and what to do."""
    invitation, state = invitations.find(token)
    if state != invitations.USABLE:
        return render(
            request,
            "registration/invitation_unusable.html",
            {"state": state, "invitation": invitation},
            status=_STATUS[state],
        )
    if request.user.is_authenticated:
        return render(
            request,
            "registration/invitation_unusable.html",
            {"state": "signed_in", "invitation": invitation, "current": display_name(request.user)},
            status=403,
        )
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = invitations.accept(
            invitation.pk, invitation.nonce, data["username"], data["first_name"], data["last_name"], data["password1"]
        )
        if user is None:  # used, revoked or sent again while the form was open
            invitation, state = invitations.find(token)
            return render(
                request,
                "registration/invitation_unusable.html",
                {"state": state, "invitation": invitation},
                status=_STATUS.get(state, 410),
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welcome, %(person)s. You are in %(department)s.")
            % {"person": display_name(user), "department": invitation.department.name},
        )
        return redirect("home")
    return render(
        request,
        "registration/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )


def _over_limit(key, limit):
    """Count one request under `key` for an hour; True past `limit` (shared by app servers through the cache)."""
    cache.add(key, 0, 3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600)
        count = 1
    return count > limit


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request with our form and emails, limited per address and per client: past the limit no
    email goes out, and the page says what it always says (never whether the address has an account)."""

    form_class = ResetRequestForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        limit = settings.PASSWORD_RESET_LIMIT_PER_HOUR
        email = form.cleaned_data["email"].strip().lower()
        if _over_limit(f"goaltree:reset:email:{email}", limit) | _over_limit(
            f"goaltree:reset:ip:{client_ip(self.request)}", limit * 4
        ):
            return redirect(self.success_url)
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page of the link in the email; a link that does not work (expired, used, garbled) says so with
    404, as any address with nothing behind it."""

    form_class = ResetPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        """Save the new password and lift a login lock of the account (django-axes): who proved they read its email
        may try again at once."""
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if response.status_code == 200 and not self.validlink:
            response.status_code = 404
        return response
