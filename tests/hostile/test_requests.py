"""Every page with hostile query strings, and the endpoints that read raw POST parameters: no server error."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.hostile.conftest import HOSTILE, QUERY_PARAMS, QUERY_VALUES, counts, open_every_page, tree_pages

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", QUERY_VALUES, ids=[repr(value[:10]) for value in QUERY_VALUES])
def test_every_page_answers_any_query_string(client, owner, world, value):
    client.force_login(owner)
    query = urlencode(dict.fromkeys(QUERY_PARAMS, value))
    urls = [url + ("&" if "?" in url else "?") + query for url in tree_pages(world)]
    responses = open_every_page(client, urls)
    dashboard = responses[urls[tree_pages(world).index(reverse("metrics:dashboard", args=[world.pk]))]]
    assert dashboard.status_code == 200


@pytest.mark.parametrize("as_of", ["0001-01-01", "0001-01-02", "9999-12-31", "2026-02-30", "１"])
def test_the_grid_and_dashboards_clamp_or_refuse_any_as_of(client, owner, world, as_of):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("metrics:dashboard", args=[world.pk]) + f"?as_of={as_of}")
    assert page.status_code == 200
    if as_of in ("2026-02-30", "１"):
        assert "is not a date" in page.content.decode()
    download = client.get(reverse("metrics:progress-json", args=[world.pk]) + f"?as_of={as_of}")
    assert download.status_code == (400 if as_of in ("2026-02-30", "１") else 200)
    assert client.get(reverse("metrics:grid") + f"?week={as_of}&tree={world.pk}").status_code == 200


@pytest.mark.parametrize("value", HOSTILE, ids=[repr(value[:10]) for value in HOSTILE])
def test_endpoints_that_read_raw_parameters(client, owner, admin, world, value):
    client.force_login(owner)
    revenue, deals, leads = (world.nodes.get(code=code) for code in ("revenue", "deals", "leads"))
    before = counts()
    posts = [
        (reverse("goals:check-formula", args=[world.pk]) + f"?{urlencode({'node': value})}", {"formula": value}),
        (reverse("goals:check-formula", args=[world.pk]), {"formula": f"deals * {value}", "name": value}),
        (reverse("goals:node-backcalc-save", args=[revenue.pk]), {"child": value, "value": value}),
        (reverse("goals:node-backcalc-save", args=[revenue.pk]), {"child": deals.pk, "value": value}),
        (reverse("goals:node-reorder", args=[leads.pk]), {"direction": value}),
        (reverse("goals:node-seasonality-save", args=[deals.pk]), {"action": value, "method": value}),
        (reverse("metrics:save-cell"), {f"v-{value}": "1"}),
        (reverse("metrics:save-cell"), {f"v-{leads.pk}-20260413": value, f"ver-{leads.pk}-20260413": value}),
        (reverse("metrics:grid"), {f"v-{leads.pk}-20260413": "", "overwrite": value, "theirs": value}),
        (reverse("metrics:confirm-import", args=[world.pk]), {"plan": value}),
        (reverse("set_language"), {"language": value, "next": value}),
    ]
    for url, data in posts:
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code < 500, url
    assert counts() == before
    client.force_login(admin)
    assert client.post(reverse("metrics:restore-entry", args=[1]), {"next": value}).status_code < 500
