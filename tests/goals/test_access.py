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


# Guests (external advisors)


@pytest.fixture
def other_tree(db, marketing):
    from datetime import date

    from goals.models import Tree

    return Tree.objects.create(
        code="other", name="Other", department=marketing, period_start=date(2026, 4, 1), period_end=date(2027, 3, 31)
    )


@pytest.fixture
def advisor(django_user_model, tree):
    from goals.models import Guest

    user = django_user_model.objects.create_user("advisor", last_name="顧問")
    Guest.objects.create(user=user).trees.add(tree)
    return user


def test_a_guest_sees_the_trees_they_are_invited_to_and_nothing_else(advisor, tree, other_tree):
    from django.http import Http404

    access = access_for(advisor)
    assert access.is_guest and access.guest_tree_ids == {tree.pk}
    assert access.can_see_tree(tree) and access.can_see_tree(tree.pk) and not access.can_see_tree(other_tree)
    assert list(access.visible_trees()) == [tree]
    assert get_tree_for_user(_request(advisor), tree.pk) == tree
    assert get_node_for_user(_request(advisor), tree.nodes.get(code="leads").pk).code == "leads"
    with pytest.raises(Http404):
        get_tree_for_user(_request(advisor), other_tree.pk)
    with pytest.raises(Http404):
        check_can_enter(_request(advisor), Node(tree=other_tree, code="x"))
    # A guest changes no structure and enters no numbers, even where invited.
    assert not access.can_edit_tree(tree) and not access.can_enter(tree.nodes.get(code="leads"))


def test_a_guest_invited_nowhere_sees_no_tree(django_user_model, tree):
    from goals.models import Guest

    user = django_user_model.objects.create_user("nowhere")
    Guest.objects.create(user=user)
    access = access_for(user)
    assert access.is_guest and access.guest_tree_ids == set() and not access.can_see_tree(tree)


def test_everyone_else_sees_every_tree(member, viewer, admin, tree, other_tree):
    for person in (member, viewer, admin):
        access = access_for(person)
        assert not access.is_guest and access.can_see_tree(other_tree)


def test_the_navigation_reads_departments_guests_and_unread_notices_in_one_query(
    member, advisor, marketing, django_assert_num_queries
):
    from goals.access import navigation_facts
    from goals.models import Node, Notice

    node = Node.objects.filter(department=marketing).first()
    Notice.objects.create(recipient=member, kind="mention", node=node)
    Notice.objects.create(recipient=member, kind="mention", node=node)
    with django_assert_num_queries(1):
        departments, is_guest, unread = navigation_facts(member)
    assert [d.name for d in departments] == ["マーケティング部"] and not is_guest and unread == 2
    assert navigation_facts(advisor) == ([], True, 0)


def test_only_the_questions_department_answers_and_only_leads_agree(owner, member, sales_member, marketing, tree):
    from goals.models import Comment

    leads = tree.nodes.get(code="leads")
    question = Comment.objects.create(node=leads, author=sales_member, body="?", to_department=marketing)
    note = Comment.objects.create(node=leads, author=sales_member, body="note")
    assert access_for(member).can_answer(question) and access_for(owner).can_answer(question)
    assert not access_for(sales_member).can_answer(question)
    assert not access_for(member).can_answer(note)
    assert access_for(owner).can_agree(marketing.pk) and not access_for(member).can_agree(marketing.pk)
