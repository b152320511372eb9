import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from goals.access import access_for, check_can_enter, get_node_for_user, get_tree_for_user
from goals.models import Node


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_lead_of_a_tree_department_edits_the_tree(owner, tree):
    assert access_for(owner).can_edit_tree(tree)
    assert get_tree_for_user(_request(owner), tree.pk, write=True) == tree


def test_a_lead_of_a_department_owning_a_node_edits_the_tree(django_user_model, sales, tree):
    from goals.models import Membership

    lead = django_user_model.objects.create_user("saleslead", password="x")
    Membership.objects.create(user=lead, department=sales, role=Membership.Role.LEAD)
    assert access_for(lead).can_edit_tree(tree)


def test_members_and_outsiders_do_not_edit_the_tree(owner, member, sales_member, viewer, tree):
    for person in (member, sales_member, viewer):
        assert not access_for(person).can_edit_tree(tree)
        with pytest.raises(PermissionDenied) as excinfo:
            get_tree_for_user(_request(person), tree.pk, write=True)
        assert "田中" in str(excinfo.value)  # names the lead to ask
        # ...but everyone signed in sees it.
        assert get_tree_for_user(_request(person), tree.pk) == tree


def test_admins_change_everything(admin, tree):
    assert access_for(admin).can_edit_tree(tree)
    assert access_for(admin).can_enter(tree.nodes.get(code="leads"))


def test_members_enter_only_their_departments_measured_nodes(member, sales_member, viewer, tree):
    leads = tree.nodes.get(code="leads")
    deals = tree.nodes.get(code="deals")
    revenue = tree.nodes.get(code="revenue")
    assert access_for(member).can_enter(leads)
    assert not access_for(member).can_enter(deals)
    assert access_for(sales_member).can_enter(deals)
    assert not access_for(sales_member).can_enter(revenue)  # a formula node is computed, never entered
    assert not access_for(viewer).can_enter(leads)
    with pytest.raises(PermissionDenied):
        check_can_enter(_request(sales_member), leads)
    check_can_enter(_request(member), leads)


def test_unknown_objects_are_404(owner, db):
    from django.http import Http404

    with pytest.raises(Http404):
        get_tree_for_user(_request(owner), 999999)
    with pytest.raises(Http404):
        get_node_for_user(_request(owner), 999999)


def test_access_is_computed_once_per_user(member, tree, django_assert_num_queries):
    access = access_for(member)
    department_id = member.memberships.first().department_id
    with django_assert_num_queries(0):
        assert access_for(member) is access
        assert access.can_enter(Node(tree=tree, code="x", department_id=department_id))
