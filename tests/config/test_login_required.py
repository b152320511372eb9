"""Every URL of the application sends an anonymous visitor to the login page, whatever the method."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {"login", "set_language", "health"}  # health: for load balancers, says only whether the database answers
# Pages for people who cannot sign in yet: asking for a password reset and following its link, the link of an
# invitation (tests/goals/test_password_reset.py, test_invitations.py); single sign-on's routes when it is on.
PUBLIC |= {"password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete"}
PUBLIC |= {"invitation-accept"}
PUBLIC |= {"google_login", "google_callback", "microsoft_login", "microsoft_callback", "account_login"}
PUBLIC |= {"socialaccount_login_error", "socialaccount_login_cancelled", "socialaccount_signup", "account_inactive"}
PUBLIC |= {"socialaccount_connections"}
# Django's own admin, static files and i18n views have their own rules; the API authenticates with tokens (below).
SKIP_PREFIXES = ("admin/", "static/", "api/")
API_PUBLIC = {"docs", "openapi-json"}  # the API's documentation and schema: no workspace data


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name


def _example_path(route):
    """A concrete path for a route: every converter gets a plausible value."""
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<slug:[^>]+>", "x", route)
    route = re.sub(r"<(str:)?[^>]+>", "x", route)
    return "/" + route


ROUTES = [(route, name) for route, name in _patterns() if name not in PUBLIC and not route.startswith(SKIP_PREFIXES)]


def test_the_application_has_routes_to_check():
    assert len(ROUTES) > 30


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[name or route for route, name in ROUTES])
def test_anonymous_visitors_are_sent_to_log_in(client, route, name):
    path = _example_path(route)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 302, (name, path, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), (name, path)


API_ROUTES = [(route, name) for route, name in _patterns() if route.startswith("api/")]


def test_the_api_has_routes_to_check():
    assert len(API_ROUTES) >= 7


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), API_ROUTES, ids=[name or route for route, name in API_ROUTES])
def test_anonymous_api_requests_are_refused_without_a_redirect(client, route, name):
    """Under /api/ no session is asked for: an operation without a token is 401 JSON, never the login page."""
    path = _example_path(route)
    response = client.get(path)
    if name in API_PUBLIC:
        assert response.status_code == 200, (name, path)
        return
    expected = (404, "not_found") if name == "api-root" else (401, "unauthorized")  # the root has nothing
    assert (response.status_code, response.json()["code"]) == expected, (name, path)
    assert response["Content-Type"].startswith("application/json"), (name, path)
