"""/api/v1/: django-ninja's URL patterns, each wrapped so that it is reached without a session and answers JSON."""

import functools

from django.urls import URLPattern, path
from django.utils.cache import patch_cache_control

from metrics.api import docs
from metrics.api.endpoints import api
from metrics.api.errors import as_json_error


def _api_view(view):
    """Token authentication, not the session: no login redirect, no CSRF check (nothing rides on a cookie).

    Every refusal is JSON (django-ninja's own 405 is text), and nothing sent with a token is kept by a proxy.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = as_json_error(view(request, *args, **kwargs))
        if getattr(request, "auth", None) is not None:
            patch_cache_control(response, private=True, no_store=True)
        return response

    wrapped.login_required = False
    wrapped.csrf_exempt = True
    return wrapped


def _patterns():
    patterns, _app_name, _namespace = api.urls
    return [URLPattern(p.pattern, _api_view(p.callback), p.default_args, p.name) for p in patterns]


app_name = "api-v1"
urlpatterns = [
    path("docs", _api_view(docs.api_docs), name="docs"),
    *_patterns(),
]
