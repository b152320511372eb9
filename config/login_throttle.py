"""Login throttling with django-axes: whose attempts count together, and what a locked-out person sees.

Failures are counted per user name and client address in the database (axes' AccessAttempt), so every app
server sees the same count. The settings (failure limit, lock length, proxies) are in config/settings.py.
"""

import math
from datetime import timedelta

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the first one saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N trusted proxies
    the client is the Nth address from the right; anything to its left was written by the client and is not
    believed.
    """
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def locked_until(request, credentials):
    """When the person may try again: their last counted failure plus the cool-off."""
    cool_off = get_cool_off(request) or timedelta(0)
    last = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials), ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + cool_off


def lockout_message(until, cool_off):
    local = timezone.localtime(until)
    when = local.strftime("%H:%M" if local.date() == timezone.localdate() else "%Y/%m/%d %H:%M")
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return ngettext(
        "Logging in as this user is paused for %(minutes)s minute after too many failed attempts. Try again "
        "after %(time)s. If you have forgotten your password, ask a workspace admin to set a new one.",
        "Logging in as this user is paused for %(minutes)s minutes after too many failed attempts. Try again "
        "after %(time)s. If you have forgotten your password, ask a workspace admin to set a new one.",
        minutes,
    ) % {"minutes": minutes, "time": when}


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again (ours, also for the admin's), saying when to try again."""
    cool_off = get_cool_off(request) or timedelta(0)
    until = locked_until(request, credentials)
    wait = max(0, math.ceil((until - timezone.now()).total_seconds()))
    username = get_client_username(request, credentials) or ""
    form = AuthenticationForm(request, initial={"username": username})
    redirect_to = request.POST.get("next") or request.GET.get("next") or ""
    if not redirect_to and request.path.startswith("/admin/"):
        redirect_to = "/admin/"
    context = {
        "form": form,
        "next": redirect_to,
        "lockout": lockout_message(until, cool_off),
        "has_errors": True,
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response
