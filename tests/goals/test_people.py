"""The pages of departments and people: who sees them, who invites, changes roles, moves people between
departments, renames and creates departments, deactivates and reactivates accounts (docs/permissions.md
"People and departments"): an admin, a lead (their own department only), a member, a viewer, a guest, and a
deactivated person."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import reverse

from goals.models import Department, Guest, Membership, display_name

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def guest(django_user_model):
    advisor = django_user_model.objects.create_user("advisor", last_name="顧問")
    Guest.objects.create(user=advisor)
    return advisor


def _membership(user, department):
    return Membership.objects.get(user=user, department=department)


def test_everyone_but_guests_sees_the_people(client, admin, owner, member, viewer, guest, marketing):
    for person in (admin, owner, member, viewer):
        client.force_login(person)
        response = client.get(reverse("goals:people"))
        assert response.status_code == 200
        assert "マーケティング部" in response.content.decode()
        assert client.get(reverse("goals:person", args=[member.pk])).status_code == 200
    client.force_login(guest)
    assert client.get(reverse("goals:people")).status_code == 404
    assert client.get(reverse("goals:person", args=[member.pk])).status_code == 404


def test_controls_are_shown_only_to_those_who_may_use_them(client, admin, owner, member, marketing, sales):
    client.force_login(member)
    text = client.get(reverse("goals:people")).content.decode()
    assert reverse("goals:invite") not in text
    assert 'action="' + reverse("goals:create-department") + '"' not in text
    client.force_login(owner)
    text = client.get(reverse("goals:people")).content.decode()
    assert reverse("goals:invite") in text
    assert reverse("goals:rename-department", args=[marketing.pk]) in text
    assert reverse("goals:rename-department", args=[sales.pk]) not in text
    assert 'action="' + reverse("goals:create-department") + '"' not in text
    client.force_login(admin)
    text = client.get(reverse("goals:people")).content.decode()
    assert 'action="' + reverse("goals:create-department") + '"' in text
    assert "/admin/auth/user/add/" not in text  # adding a person no longer jumps to the admin


def test_only_admins_create_departments(client, admin, owner, member):
    for person in (owner, member):
        client.force_login(person)
        response = client.post(reverse("goals:create-department"), {"department-name": "経理部"})
        assert response.status_code == 403
    client.force_login(admin)
    assert client.post(reverse("goals:create-department"), {"department-name": "経理部"}).status_code == 302
    assert Department.objects.filter(name="経理部").exists()


def test_renaming_a_department(client, admin, owner, member, marketing, sales):
    url = reverse("goals:rename-department", args=[marketing.pk])
    client.force_login(member)
    assert client.post(url, {f"rename-{marketing.pk}-name": "X"}).status_code == 403
    client.force_login(owner)
    other = reverse("goals:rename-department", args=[sales.pk])
    assert client.post(other, {f"rename-{sales.pk}-name": "X"}).status_code == 403
    assert client.post(url, {f"rename-{marketing.pk}-name": "マーケ部"}).status_code == 302
    marketing.refresh_from_db()
    assert marketing.name == "マーケ部"
    client.post(url, {f"rename-{marketing.pk}-name": sales.name})  # taken: said, nothing saved
    marketing.refresh_from_db()
    assert marketing.name == "マーケ部"


def test_a_lead_adds_people_to_their_own_department_only(client, owner, member, viewer, marketing, sales):
    client.force_login(owner)
    data = {"membership-user": viewer.pk, "membership-role": "member"}
    assert client.post(reverse("goals:set-membership"), {**data, "membership-department": sales.pk}).status_code == 403
    assert not Membership.objects.filter(user=viewer).exists()
    response = client.post(reverse("goals:set-membership"), {**data, "membership-department": marketing.pk})
    assert response.status_code == 302
    assert _membership(viewer, marketing).role == "member"
    client.force_login(member)
    data["membership-role"] = "lead"
    response = client.post(reverse("goals:set-membership"), {**data, "membership-department": marketing.pk})
    assert response.status_code == 403
    assert _membership(viewer, marketing).role == "member"


def test_changing_a_role(client, admin, owner, member, sales_member, marketing, sales, guest):
    mine = _membership(member, marketing)
    theirs = _membership(sales_member, sales)
    client.force_login(owner)
    assert (
        client.post(reverse("goals:membership-role", args=[theirs.pk]), {f"role-{theirs.pk}-role": "lead"}).status_code
        == 403
    )
    assert (
        client.post(reverse("goals:membership-role", args=[mine.pk]), {f"role-{mine.pk}-role": "lead"}).status_code
        == 302
    )
    mine.refresh_from_db()
    assert mine.role == "lead"
    for person, status in ((sales_member, 403), (guest, 404)):
        client.force_login(person)
        url = reverse("goals:membership-role", args=[mine.pk])
        assert client.post(url, {f"role-{mine.pk}-role": "member"}).status_code == status
    mine.refresh_from_db()
    assert mine.role == "lead"
    client.force_login(admin)
    url = reverse("goals:membership-role", args=[theirs.pk])
    assert client.post(url, {f"role-{theirs.pk}-role": "lead"}).status_code == 302
    assert _membership(sales_member, sales).role == "lead"


def test_moving_between_departments_needs_both(client, admin, owner, member, marketing, sales):
    membership = _membership(member, marketing)
    url = reverse("goals:membership-move", args=[membership.pk])
    field = f"move-{membership.pk}-department"
    client.force_login(owner)  # leads marketing, not sales
    assert client.post(url, {field: sales.pk}).status_code == 403
    assert _membership(member, marketing)
    Membership.objects.create(user=owner, department=sales, role="lead")
    owner._goaltree_access = None
    client.force_login(owner)
    assert client.post(url, {field: sales.pk}).status_code == 302
    assert list(member.memberships.values_list("department__name", "role")) == [("営業部", "member")]
    back = _membership(member, sales)
    client.force_login(admin)
    url = reverse("goals:membership-move", args=[back.pk])
    assert client.post(url, {f"move-{back.pk}-department": marketing.pk}).status_code == 302
    assert _membership(member, marketing)


def test_removing_from_a_department(client, owner, member, sales_member, marketing, sales):
    client.force_login(owner)
    theirs = _membership(sales_member, sales)
    assert client.post(reverse("goals:delete-membership", args=[theirs.pk])).status_code == 403
    mine = _membership(member, marketing)
    assert client.post(reverse("goals:delete-membership", args=[mine.pk])).status_code == 302
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_only_admins_deactivate_never_themselves(client, admin, owner, member):
    url = reverse("goals:person-active", args=[member.pk])
    client.force_login(owner)
    assert client.post(url, {"active": "0"}).status_code == 403
    client.force_login(admin)
    assert client.post(reverse("goals:person-active", args=[admin.pk]), {"active": "0"}).status_code == 403
    assert client.post(url, {"active": "0"}).status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    admin.refresh_from_db()
    assert admin.is_active


def test_a_deactivated_person_cannot_sign_in_and_their_session_ends(client, admin, member, tree):
    member_client = client.__class__()
    member_client.cookies["django_language"] = "en"
    member_client.force_login(member)
    assert member_client.get(reverse("home")).status_code == 200
    member.is_active = False
    member.save()
    assert member_client.get(reverse("home")).status_code == 302  # signed out, to the login page
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="suzuki", password="pw-suzuki") is None
    response = member_client.post(reverse("login"), {"username": "suzuki", "password": "pw-suzuki"})
    assert response.status_code == 200 and "not correct" in response.content.decode()
    client.force_login(admin)
    assert client.post(reverse("goals:person-active", args=[member.pk]), {"active": "1"}).status_code == 302
    assert authenticate(request, username="suzuki", password="pw-suzuki") == member


def test_a_deactivated_persons_work_stays_attributed(client, admin, member, marketing):
    member.is_active = False
    member.save()
    assert display_name(member) == "鈴木 (deactivated)"
    client.force_login(admin)
    text = client.get(reverse("goals:people")).content.decode()
    assert "鈴木 (deactivated)" in text
    text = client.get(reverse("goals:person", args=[member.pk])).content.decode()
    assert reverse("goals:person-active", args=[member.pk]) in text and "Reactivate" in text
