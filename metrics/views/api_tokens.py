"""The API tokens page: a person makes tokens for their departments' integrations, sees when each was last used,
and revokes them (docs/api.md, docs/permissions.md)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from metrics.forms import ApiTokenForm, token_departments
from metrics.models import ApiToken


def _tokens_for(user):
    """The tokens a person manages: those they made; every token for an admin."""
    tokens = ApiToken.objects.select_related("created_by").prefetch_related("departments")
    if user.is_staff or user.is_superuser:
        return tokens
    return tokens.filter(created_by=user)


def _page(request, form, *, secret=None, new_token=None, status=200):
    response = render(
        request,
        "metrics/api_tokens.html",
        {
            "form": form,
            "tokens": _tokens_for(request.user),
            "can_create": token_departments(request.user).exists(),
            "secret": secret,
            "new_token": new_token,
            "has_errors": bool(form.errors),
        },
        status=status,
    )
    if secret:
        patch_cache_control(response, no_store=True)  # the secret is shown once: no copy in any cache
    return response


@login_required
def api_tokens(request):
    return _page(request, ApiTokenForm(user=request.user))


@login_required
@require_POST
def create_api_token(request):
    form = ApiTokenForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    with transaction.atomic():
        token, secret = ApiToken.issue(
            name=form.cleaned_data["name"],
            departments=form.cleaned_data["departments"],
            read_only=form.cleaned_data["access"] == ApiTokenForm.READ_ONLY,
            created_by=request.user,
        )
    return _page(request, ApiTokenForm(user=request.user), secret=secret, new_token=token)


@login_required
@require_POST
def revoke_api_token(request, pk):
    token = get_object_or_404(_tokens_for(request.user), pk=pk)
    token.revoke()
    messages.success(request, _("Revoked the token “%(name)s”. It no longer works.") % {"name": token.name})
    return redirect("metrics:api-tokens")
