"""A guest (an external advisor) walks every URL of the application with the ids of a tree they are not invited
to: whatever the method, they get nothing of it (404 for anything of that tree, 405 for the wrong method), and
no page they may open shows a word of it. Their own tree opens."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from goals.models import ActionItem, Comment, Department, Guest, Initiative, Membership, Node, Tree
from metrics.models import Entry, EntryChange
from tests.config.test_login_required import ROUTES

HIDDEN = 777  # the id of every object of the tree the guest is not invited to
SECRETS = ("極秘ツリー", "極秘KPI", "極秘部", "極秘のコメント", "極秘の施策", "極秘のアクション")


def _path(route):
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"<int:[^>]+>", str(HIDDEN), route)
    route = re.sub(r"<str:week>", "2026-06-29", route)
    route = re.sub(r"<(str:)?[^>]+>", "x", route)
    return "/" + route


# Routes whose path names an object: anything of the hidden tree is 404 (or 405 for the wrong method).
OBJECT_ROUTES = [(route, name) for route, name in ROUTES if "<" in route]
# Routes without an object in their path: they may answer, but never with the hidden tree.
PLAIN_ROUTES = [(route, name) for route, name in ROUTES if "<" not in route]


@pytest.fixture
def hidden(db, django_user_model, marketing):
    """A tree the guest is not invited to, and one object of every kind, each with the id HIDDEN."""
    department = Department.objects.create(pk=HIDDEN, name="極秘部")
    tree = Tree.objects.create(
        pk=HIDDEN,
        code="secret",
        name="極秘ツリー",
        department=department,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    node = Node.objects.create(pk=HIDDEN, tree=tree, code="kgi", name="極秘KPI", department=department, unit="件")
    child = Node.objects.create(
        pk=HIDDEN + 1, tree=tree, parent=node, code="kpi", name="極秘KPIの子", department=department, unit="件"
    )
    insider = django_user_model.objects.create_user("insider", last_name="内部")
    Membership.objects.create(pk=HIDDEN, user=insider, department=department, role=Membership.Role.LEAD)
    Comment.objects.create(pk=HIDDEN, node=node, author=insider, body="極秘のコメント", to_department=department)
    initiative = Initiative.objects.create(pk=HIDDEN, tree=tree, title="極秘の施策", start_date=date(2026, 6, 1))
    initiative.nodes.set([child])
    Entry.objects.create(node=child, week=date(2026, 6, 29), value=Decimal("5"))
    EntryChange.objects.create(
        pk=HIDDEN, node=child, week=date(2026, 6, 29), new_value=Decimal("5"), user=insider, source="grid"
    )
    ActionItem.objects.create(pk=HIDDEN, tree=tree, week=date(2026, 6, 29), text="極秘のアクション")
    return tree


@pytest.fixture
def guest_client(client, django_user_model, tree, hidden):
    advisor = django_user_model.objects.create_user("advisor", last_name="顧問")
    Guest.objects.create(user=advisor, organisation="社外").trees.add(tree)
    client.force_login(advisor)
    return client


def _shows_no_secret(response):
    text = response.content.decode(errors="replace")
    return not any(secret in text for secret in SECRETS)


def test_the_walk_covers_every_kind_of_route():
    assert len(OBJECT_ROUTES) > 40 and len(PLAIN_ROUTES) > 10


@pytest.mark.parametrize(("route", "name"), OBJECT_ROUTES, ids=[name or route for route, name in OBJECT_ROUTES])
def test_nothing_of_another_tree_exists_for_a_guest(guest_client, route, name):
    path = _path(route)
    for method in (guest_client.get, guest_client.post):
        response = method(path)
        assert response.status_code in (404, 405), (name, path, method.__name__, response.status_code)
        assert _shows_no_secret(response), (name, path)


@pytest.mark.parametrize(("route", "name"), PLAIN_ROUTES, ids=[name or route for route, name in PLAIN_ROUTES])
def test_pages_without_an_object_show_a_guest_nothing_of_another_tree(guest_client, route, name):
    path = _path(route)
    for method in (guest_client.get, guest_client.post):
        response = method(path)
        assert response.status_code in (200, 302, 400, 403, 404, 405), (name, path, response.status_code)
        assert _shows_no_secret(response), (name, path, method.__name__)


@pytest.mark.parametrize(
    "path",
    [
        f"/numbers/?tree={HIDDEN}&show=all",
        f"/numbers/due/?department={HIDDEN}",
        f"/mentions.json?tree={HIDDEN}",
        "/inbox/?filter=questions",
        "/",
        "/trees/",
    ],
)
def test_addresses_with_the_hidden_tree_in_their_query_show_nothing_of_it(guest_client, path):
    response = guest_client.get(path)
    assert response.status_code in (200, 404), (path, response.status_code)
    assert _shows_no_secret(response), path


def test_the_guest_sees_the_tree_they_are_invited_to(guest_client, tree):
    leads = tree.nodes.get(code="leads")
    for url in (
        reverse("goals:tree-detail", args=[tree.pk]),
        reverse("metrics:dashboard", args=[tree.pk]),
        reverse("goals:node-detail", args=[leads.pk]),
        reverse("metrics:review", args=[tree.pk]),
        reverse("metrics:activity", args=[tree.pk]),
        reverse("goals:inbox"),
        reverse("home"),
    ):
        response = guest_client.get(url, follow=True)
        assert response.status_code == 200, url
        assert _shows_no_secret(response), url
    home = guest_client.get(reverse("home")).content.decode()
    assert tree.name in home
    tree_list = guest_client.get(reverse("goals:tree-list")).content.decode()
    assert tree.name in tree_list
    nav = guest_client.get(reverse("goals:inbox")).content.decode()
    assert reverse("metrics:grid") not in nav.split("</nav>")[0]  # guests enter no numbers
    # and they comment on it
    response = guest_client.post(reverse("goals:comment-add", args=[leads.pk]), {"body": "A question from outside"})
    assert response.status_code == 302 and Comment.objects.filter(body="A question from outside").exists()


@time_machine.travel("2026-07-08 10:00 +09:00", tick=False)
def test_people_and_department_pages_are_not_for_guests(guest_client, tree, hidden, marketing):
    assert guest_client.get(reverse("goals:people")).status_code == 404
    due = guest_client.get(reverse("metrics:due"), {"department": marketing.pk})
    assert due.status_code == 200 and _shows_no_secret(due)  # only the numbers due in the guest's tree
    # The page of a department that takes part in the guest's tree and in the hidden one shows the first only.
    Node.objects.create(
        tree=hidden, parent=hidden.nodes.get(code="kgi"), code="mk", name="極秘KPI", department=marketing, unit="件"
    )
    response = guest_client.get(reverse("metrics:department", args=[marketing.pk]))
    assert response.status_code == 200 and _shows_no_secret(response)
    assert "リード数" in response.content.decode()
    assert guest_client.get(reverse("metrics:department", args=[HIDDEN])).status_code == 404
