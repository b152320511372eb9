"""Cache-Control on what signed-in people are sent (config.middleware.PrivateCacheControlMiddleware)."""

import pytest
from django.urls import reverse
from django.utils.cache import get_max_age

pytestmark = pytest.mark.django_db


def _directives(response):
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_every_signed_in_page_is_private(client, owner, tree):
    client.force_login(owner)
    node = tree.nodes.get(code="deals")
    urls = [
        reverse("home"),
        reverse("goals:tree-list"),
        reverse("goals:tree-detail", args=[tree.pk]),
        reverse("metrics:dashboard", args=[tree.pk]),
        reverse("goals:node-detail", args=[node.pk]),
        reverse("metrics:node-chart-data", args=[node.pk]),
        f"{reverse('metrics:grid')}?tree={tree.pk}",
        reverse("metrics:import-entries", args=[tree.pk]),
        reverse("goals:inbox"),
        reverse("password_change"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = _directives(response)
        assert "private" in directives, url
        assert "public" not in directives, url
        assert "no-store" not in directives, url  # pages: the browser's back button may keep working
    # An htmx fragment and a redirect after a change are private too.
    response = client.get(reverse("metrics:dashboard", args=[tree.pk]), HTTP_HX_REQUEST="true")
    assert "private" in _directives(response)
    response = client.post(reverse("logout"))
    assert response.status_code == 302


def test_downloads_are_private_and_not_stored(client, viewer, tree):
    client.force_login(viewer)
    urls = [
        reverse("metrics:export-entries", args=[tree.pk]),
        reverse("metrics:entries-template", args=[tree.pk]),
        reverse("metrics:progress-csv", args=[tree.pk]),
        reverse("metrics:progress-json", args=[tree.pk]),
        reverse("goals:tree-export", args=[tree.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.has_header("Content-Disposition"), url
        assert {"private", "no-store"} <= _directives(response), url


def test_a_views_own_cache_control_is_kept(client, admin):
    client.force_login(admin)
    response = client.get(reverse("admin:index"))  # the admin's never_cache
    assert {"private", "no-cache", "no-store", "must-revalidate"} <= _directives(response)
    assert get_max_age(response) == 0
