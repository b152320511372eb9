"""Definitions both departments agree on: hand-off KPIs, agreed by a lead of each; a changed definition clears the
agreement and tells them; the health panel lists those not agreed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from goals.discussion import agreements
from goals.models import Agreement, Membership, Node, Notice
from tests.goals.helpers import get_node, login

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def sales_lead(django_user_model, sales):
    user = django_user_model.objects.create_user("saleslead", last_name="高橋")
    Membership.objects.create(user=user, department=sales, role=Membership.Role.LEAD)
    return user


def _agree(client, user, node, department):
    return login(client, user).post(
        reverse("goals:agreement-agree", args=[node.pk]), {"department": department.pk, "version": node.version}
    )


def test_a_kpi_owned_by_another_department_than_its_parent_is_a_hand_off(tree):
    leads, deals, revenue = get_node(tree, "leads"), get_node(tree, "deals"), get_node(tree, "revenue")
    assert agreements.is_handoff(leads)  # marketing's leads under sales' deals
    assert not agreements.is_handoff(deals)  # sales under sales
    assert not agreements.is_handoff(revenue)  # the KGI
    nodes = list(tree.nodes.active().select_related("department"))
    assert [node.code for node in agreements.unagreed_handoffs(nodes)] == ["leads"]


def test_a_lead_of_each_department_agrees(client, tree, owner, member, sales_member, sales_lead, marketing, sales):
    leads = get_node(tree, "leads")
    assert _agree(client, member, leads, marketing).status_code == 403  # a member, not a lead
    assert _agree(client, owner, leads, sales).status_code == 403  # a lead, of the other department
    assert _agree(client, sales_member, leads, sales).status_code == 403
    assert login(client, owner).get(reverse("goals:agreement-agree", args=[leads.pk])).status_code == 405
    assert _agree(client, owner, leads, marketing).status_code == 302
    status = agreements.status(leads)
    assert [side.agreed for side in status.sides] == [True, False] and not status.agreed
    page = client.get(reverse("goals:node-detail", args=[leads.pk])).content.decode()
    assert "Not agreed by both departments yet" in page
    assert _agree(client, sales_lead, leads, sales).status_code == 302
    assert agreements.status(get_node(tree, "leads")).agreed
    nodes = list(tree.nodes.active().select_related("department"))
    assert agreements.unagreed_handoffs(nodes) == []
    page = client.get(reverse("goals:node-detail", args=[leads.pk])).content.decode()
    assert "Both departments agree on this definition" in page
    # Not a hand-off: nothing to agree on.
    deals = get_node(tree, "deals")
    assert _agree(client, sales_lead, deals, sales).status_code == 403


def test_an_agreement_on_a_definition_read_before_a_change_is_refused(client, tree, owner, marketing):
    leads = get_node(tree, "leads")
    stale_version = leads.version
    leads.save_versioned(owner, {"definition": "New words"})
    response = login(client, owner).post(
        reverse("goals:agreement-agree", args=[leads.pk]), {"department": marketing.pk, "version": stale_version}
    )
    assert response.status_code == 302 and not Agreement.objects.exists()


def test_changing_the_definition_clears_the_agreement_and_tells_the_leads(
    client, tree, owner, sales_lead, marketing, sales, member
):
    leads = get_node(tree, "leads")
    agreements.agree(leads, marketing, owner)
    agreements.agree(leads, sales, sales_lead)
    leads.save_versioned(owner, {"target": Decimal("2500")})  # another field: the agreement holds
    assert Agreement.objects.count() == 2
    leads.save_versioned(member, {"definition": "Form submissions and trade-show lists"})
    assert not Agreement.objects.exists()
    told = set(Notice.objects.filter(kind="definition_changed").values_list("recipient__username", flat=True))
    assert told == {"tanaka", "saleslead"}
    html = login(client, sales_lead).get(reverse("goals:inbox")).content.decode()
    assert "changed the definition of リード数" in html


def test_the_health_panel_lists_hand_offs_not_agreed(client, tree, owner, sales_member):
    html = login(client, owner).get(reverse("goals:tree-detail", args=[tree.pk])).content.decode()
    panel = html.split('id="health-panel"')[1].split("</section>")[0]
    assert "Definitions not agreed yet" in panel and "リード数" in panel and "マーケティング部 → 営業部" in panel


def test_moving_a_node_under_its_own_department_ends_the_hand_off(tree, owner, marketing):
    leads = get_node(tree, "leads")
    Node.objects.filter(pk=leads.pk).update(department=get_node(tree, "deals").department)
    assert not agreements.is_handoff(get_node(tree, "leads"))
