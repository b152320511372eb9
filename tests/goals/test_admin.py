"""Changes made in Django's admin are recorded like the pages' (who, what) and change the tree's data version."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory

from goals.models import ChangeAction, Initiative, Node, Tree
from tests.goals.helpers import one, recorded

pytestmark = pytest.mark.django_db


def test_a_node_saved_in_the_admin_is_recorded_as_the_admins(tree, admin_user):
    request = RequestFactory().post("/")
    request.user = admin_user
    deals = tree.nodes.get(code="deals")
    deals.target = Decimal("300")
    admin.site.get_model_admin(Node).save_model(request, deals, form=None, change=True)
    change = one(recorded(node=deals))
    assert change.user == admin_user and change.action == ChangeAction.UPDATE
    assert change.changes == {"target": ["240", "300"]}
    assert Tree.objects.get(pk=tree.pk).data_version == 1


def test_an_initiative_added_in_the_admin_is_recorded_once_with_its_kpis(client, admin_user, tree):
    client.force_login(admin_user)
    deals = tree.nodes.get(code="deals")
    response = client.post(
        "/admin/goals/initiative/add/",
        {"tree": tree.pk, "title": "展示会", "nodes": [deals.pk], "start_date": "2026-06-01", "_save": "Save"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = one(recorded(tree))
    assert change.user == admin_user and change.action == ChangeAction.CREATE
    assert change.changes == {"initiative": ["", "展示会 (2026-06-01–; deals)"]}
    assert Initiative.objects.get().nodes.get() == deals
