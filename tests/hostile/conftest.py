"""What the hostile tests share: hostile values, every page of a tree, row counts, and strict JSON.

The tests post what an attacker (or a careless paste) would and assert two things every time: no server error,
and nothing saved in part (the row counts of every table that holds data are unchanged after a refusal).
"""

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from goals.models import Comment, Initiative
from metrics.models import Entry

TODAY = date(2026, 4, 22)  # a Wednesday inside the conftest tree's period (FY2026, weeks from 2026-03-30)
W1, W2, W3 = date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13)

# Characters no one means to type: every text field, file and import refuses them, and saves nothing.
UNPRINTABLE = [
    "\x00",
    "a\x00b",
    "\x1b[31mred",
    "tab\there",
    "\x7f",
    "\x85",
    "\u202eevil",
    "\u2066isolated\u2069",
]
LONG = "長" * 10_000
# Everything else an attacker or a careless paste sends; pages answer each without a server error.
ODD = [
    "",
    " ",
    "\u3000",
    "１２３４",
    "１，２３４",
    "¥-0",
    "-0",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "1E+999999",
    "9" * 16,
    "999999999999999",
    "-999999999999999.999999",
    "0.0000001",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "10000-01-01",
    "²",
    "\u200b",
    "\u200f",
    "\ufeff",
    "👨\u200d👩\u200d👧",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "%(x)s %s",
    "[" * 1000,
]
REFUSED = [*UNPRINTABLE, LONG]
HOSTILE = [*REFUSED, *ODD]
# What every field of every form gets at once (each page's form is posted once per value): one of each kind.
FORM_VALUES = [
    "\x00",
    "\x1b[31mred",
    "\u202eevil",
    LONG,
    "",
    "１，２３４",
    "-0",
    "NaN",
    "1E+999999",
    "9" * 16,
    "-999999999999999.999999",
    "9999-12-31",
    "0001-01-01",
    "²",
    "\u200b",
    "<script>alert(1)</script>",
    "[" * 1000,
]
# What query strings take: the same, shorter (every page is tried with each).
QUERY_VALUES = ["\x00\u202e", LONG[:3000], "-1", "²", "１２", "9999-12-31", "0001-01-01", "2026-13-45"]
QUERY_PARAMS = ["as_of", "week", "tree", "department", "node", "page", "weeks", "show", "next"]


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY


@pytest.fixture
def world(tree, owner, member, today):
    """The conftest tree with numbers, an initiative and a comment: every page has something to show."""
    nodes = {node.code: node for node in tree.nodes.all()}
    values = {"deals": {W1: 4, W2: 4, W3: 5}, "avg_deal_size": {W1: 500000, W2: 450000}, "leads": {W1: 40, W2: 45}}
    Entry.objects.bulk_create(
        Entry(node=nodes[code], week=week, value=Decimal(value), note="memo")
        for code, weeks in values.items()
        for week, value in weeks.items()
    )
    initiative = Initiative.objects.create(
        tree=tree, title="展示会", owner=owner, start_date=date(2026, 4, 6), cost=Decimal(1000000)
    )
    initiative.nodes.set([nodes["leads"]])
    Comment.objects.create(node=nodes["deals"], author=member, body="@tanaka 確認お願いします")
    return tree


def counts() -> dict[str, int]:
    """Rows in every table of goals, metrics and people, history included: what a refusal must leave as it was.

    Sessions and login attempts (django-axes) are left out: signing in writes them whatever is typed.
    """
    labels = {"goals", "metrics", "auth"}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in labels and not model._meta.proxy
    }


def strict_json(text):
    """JSON as a browser's JSON.parse reads it: NaN and Infinity are not JSON."""

    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def tree_pages(tree) -> list[str]:
    """Every page (and download) of `tree` a signed-in person can open with GET."""
    urls = [
        reverse("home"),
        reverse("goals:tree-list"),
        reverse("goals:inbox"),
        reverse("goals:tree-create"),
        reverse("goals:tree-import"),
        reverse("goals:tree-from-template"),
        reverse("metrics:grid") + f"?tree={tree.pk}",
        reverse("metrics:grid") + f"?tree={tree.pk}&show=all",
        reverse("metrics:due"),
        reverse("goals:tree-detail", args=[tree.pk]),
        reverse("goals:tree-edit", args=[tree.pk]),
        reverse("goals:tree-history", args=[tree.pk]),
        reverse("goals:tree-export", args=[tree.pk]),
        reverse("goals:initiative-create", args=[tree.pk]),
        reverse("metrics:dashboard", args=[tree.pk]),
        reverse("metrics:progress-json", args=[tree.pk]),
        reverse("metrics:progress-csv", args=[tree.pk]),
        reverse("metrics:initiative-list", args=[tree.pk]),
        reverse("metrics:tree-copy", args=[tree.pk]),
        reverse("metrics:export-entries", args=[tree.pk]),
        reverse("metrics:entries-template", args=[tree.pk]),
        reverse("metrics:import-entries", args=[tree.pk]),
    ]
    departments = {node.department_id for node in tree.nodes.all() if node.department_id} | {tree.department_id}
    urls += [reverse("metrics:department", args=[pk]) for pk in sorted(filter(None, departments))]
    for initiative in tree.initiatives.all():
        urls.append(reverse("goals:initiative-edit", args=[initiative.pk]))
    for node in tree.nodes.active():
        urls += [
            reverse("goals:node-detail", args=[node.pk]),
            reverse("goals:node-edit", args=[node.pk]),
            reverse("goals:node-add", args=[node.pk]),
            reverse("goals:node-move", args=[node.pk]),
            reverse("goals:node-delete", args=[node.pk]),
            reverse("goals:node-backcalc", args=[node.pk]),
            reverse("goals:node-seasonality", args=[node.pk]),
            reverse("goals:node-initiatives", args=[node.pk]),
            reverse("metrics:node-progress", args=[node.pk]),
            reverse("metrics:node-chart-data", args=[node.pk]),
            reverse("metrics:entry-history", args=[node.pk]),
        ]
    return urls


def open_every_page(client, urls, allowed=(200, 302, 400, 403, 404)):
    """GET each URL: never a server error, JSON that a browser can parse; returns {url: response}."""
    responses = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in allowed, (url, response.status_code)
        if response.status_code == 200 and response["Content-Type"].startswith("application/json"):
            strict_json(response.content.decode())
        responses[url] = response
    return responses
