"""The copy-to-the-next-period page (metrics/views/tree_copy.py)."""

from datetime import date

import pytest
from django.urls import reverse

from goals.models import Tree
from tests.goals.helpers import login

pytestmark = pytest.mark.usefixtures("english")


# Copy to the next period


def test_an_editor_sees_the_copy_page_with_defaults(client, owner, tree):
    response = login(client, owner).get(reverse("metrics:tree-copy", args=[tree.pk]))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert (initial["code"], initial["period_start"], initial["period_end"]) == (
        "fy2027-test",
        date(2027, 4, 1),
        date(2028, 3, 31),
    )
    assert "Baselines for the new period" in response.content.decode()


def test_an_editor_copies_the_tree(client, owner, tree):
    response = login(client, owner).post(
        reverse("metrics:tree-copy-save", args=[tree.pk]),
        {"code": "fy2027-test", "name": "FY2027", "period_start": "2027-04-01", "period_end": "2028-03-31"},
    )
    copy = Tree.objects.get(code="fy2027-test")
    assert response.status_code == 302 and response["Location"] == reverse("goals:tree-detail", args=[copy.pk])
    assert copy.previous == tree and copy.nodes.count() == 4


def test_copy_checks_access_and_refuses_get_on_save(client, member, viewer, owner, tree):
    data = {"code": "fy2027-test", "name": "x", "period_start": "2027-04-01", "period_end": "2028-03-31"}
    assert login(client, member).get(reverse("metrics:tree-copy", args=[tree.pk])).status_code == 403
    assert login(client, viewer).post(reverse("metrics:tree-copy-save", args=[tree.pk]), data).status_code == 403
    assert login(client, owner).get(reverse("metrics:tree-copy-save", args=[tree.pk])).status_code == 405
    client.logout()
    assert client.post(reverse("metrics:tree-copy-save", args=[tree.pk]), data).status_code == 302
    assert Tree.objects.count() == 1


def test_copy_refuses_bad_input_and_saves_nothing(client, owner, tree):
    response = login(client, owner).post(
        reverse("metrics:tree-copy-save", args=[tree.pk]),
        {"code": "Bad Code", "name": "", "period_start": "2027/04/01", "period_end": "2027-01-01"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"code", "name", "period_end"}
    assert 'value="Bad Code"' in response.content.decode()
    assert Tree.objects.count() == 1


def test_the_copy_page_sits_under_trees_in_the_navigation(client, owner, tree):
    response = login(client, owner).get(reverse("metrics:tree-copy", args=[tree.pk]))
    current = [item["url"] for item in response.context["nav_items"] if item["current"]]
    assert current == [reverse("goals:tree-list")]
