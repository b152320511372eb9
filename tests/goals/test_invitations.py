"""Invitations by email: who may invite whom, the email sent by the worker, the link (once, until it expires,
not after revoking or sending again, not for someone signed in), and the new person landing signed in."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from goals.accounts import invitations
from goals.models import Invitation, Membership
from tests.worker import run_worker

pytestmark = pytest.mark.usefixtures("english", "english_pages")


PASSWORD = "a-long-unusual-passphrase-42"


def _logout(client):
    client.logout()  # a new set of cookies: English again
    client.cookies["django_language"] = "en"


def _link_path(message):
    url = re.search(r"https?://\S+/accounts/invitations/\S+/", message.body).group(0)
    return url[url.index("/accounts/") :]


def _invite(client, department, email="new@example.com", role="member"):
    return client.post(reverse("goals:invite"), {"email": email, "department": department.pk, "role": role})


def _accept(client, path, username="newbie"):
    return client.post(
        path,
        {
            "last_name": "新井",
            "first_name": "一郎",
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


@pytest.mark.django_db(transaction=True)
def test_an_admin_invites_the_worker_emails_the_link_and_the_person_lands_signed_in(client, admin, marketing):
    client.force_login(admin)
    response = _invite(client, marketing, role="lead")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert mail.outbox == []  # queued, not sent by the request
    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert "マーケティング部" in message.subject
    path = _link_path(message)
    run_worker()
    assert len(mail.outbox) == 1  # once

    _logout(client)
    page = client.get(path)
    assert page.status_code == 200
    assert "new@example.com" in page.content.decode()
    response = _accept(client, path)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = get_user_model().objects.get(username="newbie")
    assert user.email == "new@example.com" and user.last_name == "新井"
    assert Membership.objects.get(user=user).role == "lead"
    assert client.get(reverse("home")).wsgi_request.user == user  # signed in
    invitation.refresh_from_db()
    assert invitation.accepted_by == user

    _logout(client)
    again = client.get(path)  # used: said so, not a form
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert _accept(client, path, username="second").status_code == 410
    assert not get_user_model().objects.filter(username="second").exists()


@pytest.mark.django_db(transaction=True)
def test_an_expired_link_says_so(client, admin, marketing, settings):
    settings.INVITATION_DAYS = 7
    client.force_login(admin)
    _invite(client, marketing)
    run_worker()
    path = _link_path(mail.outbox[0])
    _logout(client)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.get(path)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        assert _accept(client, path).status_code == 410
    assert not get_user_model().objects.filter(username="newbie").exists()
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert client.get(path).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_revoked_and_resent_links_stop_working(client, admin, marketing):
    client.force_login(admin)
    _invite(client, marketing)
    run_worker()
    first = _link_path(mail.outbox[0])
    invitation = Invitation.objects.get()
    assert client.post(reverse("goals:invitation-resend", args=[invitation.pk])).status_code == 302
    run_worker()
    assert len(mail.outbox) == 2
    second = _link_path(mail.outbox[1])
    assert first != second
    _logout(client)
    assert client.get(first).status_code == 404  # replaced by the new link
    assert client.get(second).status_code == 200
    client.force_login(admin)
    client.post(reverse("goals:invitation-revoke", args=[invitation.pk]))
    _logout(client)
    response = client.get(second)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_revoked_invitation_sends_no_email(admin, marketing):
    invitation = invitations.invite("late@example.com", marketing, "member", admin, "en")
    invitations.revoke(invitation)
    run_worker()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_link_opened_while_signed_in_as_someone_else(client, admin, member, marketing):
    invitation = invitations.invite("new@example.com", marketing, "member", admin, "en")
    client.force_login(member)
    path = reverse("invitation-accept", args=[invitations.token_for(invitation)])
    response = client.get(path)
    assert response.status_code == 403
    text = response.content.decode()
    assert "logged in as someone else" in text and "new@example.com" in text
    assert _accept(client, path).status_code == 403
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.django_db
def test_a_tampered_or_garbage_link_is_not_valid(client, admin, marketing):
    invitation = invitations.invite("new@example.com", marketing, "member", admin, "en")
    token = invitations.token_for(invitation)
    for bad in (token[:-2] + "xx", "nonsense", "a:b:c"):
        response = client.get(reverse("invitation-accept", args=[bad]))
        assert response.status_code == 404
        assert "not valid" in response.content.decode()


@pytest.mark.django_db
def test_bad_input_on_the_accept_form_keeps_values_and_saves_nothing(client, admin, member, marketing):
    invitation = invitations.invite("new@example.com", marketing, "member", admin, "en")
    path = reverse("invitation-accept", args=[invitations.token_for(invitation)])
    response = client.post(
        path, {"last_name": "新井", "username": member.username, "password1": "123", "password2": "456"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "taken" in text and "not the same" in text and 'value="新井"' in text
    response = client.post(
        path, {"last_name": "新井", "username": "ok", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 400  # too common, only digits
    assert get_user_model().objects.filter(email="new@example.com").count() == 0


@pytest.mark.django_db
def test_a_lead_invites_into_their_own_department_only(client, owner, marketing, sales):
    client.force_login(owner)
    page = client.get(reverse("goals:invite"))
    assert page.status_code == 200
    assert "営業部" not in page.content.decode()  # not offered
    assert _invite(client, sales).status_code == 403
    assert not Invitation.objects.exists()
    assert _invite(client, marketing).status_code == 302


@pytest.mark.django_db
def test_members_viewers_and_guests_invite_nobody(client, member, viewer, marketing, django_user_model):
    from goals.models import Guest

    for person in (member, viewer):
        client.force_login(person)
        assert client.get(reverse("goals:invite")).status_code == 403
        assert _invite(client, marketing).status_code == 403
    advisor = django_user_model.objects.create_user("advisor")
    Guest.objects.create(user=advisor)
    client.force_login(advisor)
    assert client.get(reverse("goals:invite")).status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_lead_cannot_resend_or_revoke_another_departments_invitation(client, owner, admin, sales):
    invitation = invitations.invite("s@example.com", sales, "member", admin, "en")
    client.force_login(owner)
    assert client.post(reverse("goals:invitation-resend", args=[invitation.pk])).status_code == 403
    assert client.post(reverse("goals:invitation-revoke", args=[invitation.pk])).status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert "s@example.com" not in client.get(reverse("goals:people")).content.decode()


@pytest.mark.django_db
def test_an_address_with_an_account_is_not_invited(client, admin, member, marketing):
    member.email = "suzuki@example.com"
    member.save()
    client.force_login(admin)
    response = _invite(client, marketing, email="SUZUKI@example.com")
    assert response.status_code == 400
    assert "already has an account" in response.content.decode()
    assert 'value="SUZUKI@example.com"' in response.content.decode()


@pytest.mark.django_db
def test_pending_invitations_are_listed_for_those_who_manage_them(client, admin, owner, marketing):
    invitations.invite("new@example.com", marketing, "member", admin, "en")
    client.force_login(owner)
    invitation = Invitation.objects.get()
    text = client.get(reverse("goals:people")).content.decode()
    assert "new@example.com" in text
    assert reverse("goals:invitation-resend", args=[invitation.pk]) in text
    assert reverse("goals:invitation-revoke", args=[invitation.pk]) in text
