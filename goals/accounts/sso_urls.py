"""/accounts/sso/: the routes of single sign-on. Each provider's routes are 404 unless SSO_PROVIDERS turns it on;
allauth's other routes are ours (our login page, our refusal page), never its own pages."""

import functools

from allauth.socialaccount.providers.google import views as google
from allauth.socialaccount.providers.microsoft import views as microsoft
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from goals.accounts import sso


def _when_on(provider, view):
    @login_not_required
    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if provider not in sso.enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


def _refused(reason):
    @login_not_required
    def view(request):
        if not sso.enabled():
            raise Http404
        return render(request, "registration/sso_refused.html", {"reason": reason}, status=403)

    return view


@login_not_required
def _to_login(request):
    return redirect("login")


urlpatterns = [
    path("google/login/", _when_on("google", google.oauth2_login), name="google_login"),
    path("google/login/callback/", _when_on("google", google.oauth2_callback), name="google_callback"),
    path("microsoft/login/", _when_on("microsoft", microsoft.oauth2_login), name="microsoft_login"),
    path("microsoft/login/callback/", _when_on("microsoft", microsoft.oauth2_callback), name="microsoft_callback"),
    # Names allauth sends people to: our pages.
    path("error/", _refused("error"), name="socialaccount_login_error"),
    path("cancelled/", _refused("cancelled"), name="socialaccount_login_cancelled"),
    path("signup/", _refused("unknown"), name="socialaccount_signup"),
    path("inactive/", _refused("inactive"), name="account_inactive"),
    path("login/", _to_login, name="account_login"),
    path("connections/", _to_login, name="socialaccount_connections"),
]
