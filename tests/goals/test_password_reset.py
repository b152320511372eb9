"""Password reset by email: linked from the login page, the email sent by the worker, the same answer whether
or not the address has an account, a limit per address, the link working once."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from tests.worker import run_worker

pytestmark = pytest.mark.usefixtures("english_pages")

NEW = "another-long-passphrase-77"


@pytest.fixture
def with_email(member):
    member.email = "suzuki@example.com"
    member.save()
    return member


def test_the_login_page_links_to_the_reset(client, db):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
    assert client.get(reverse("password_reset")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_reset_by_email_through_the_worker_once(client, with_email):
    AccessAttempt.objects.create(username="suzuki", ip_address="10.0.0.1", failures_since_start=10, user_agent="x")
    response = client.post(reverse("password_reset"), {"email": "SUZUKI@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    run_worker()
    assert [message.to for message in mail.outbox] == [["suzuki@example.com"]]
    body = mail.outbox[0].body
    assert "suzuki" in body  # the user name, a reminder
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", body).group(1)
    page = client.get(path, follow=True)
    assert page.status_code == 200
    confirm = page.redirect_chain[-1][0] if page.redirect_chain else path
    response = client.post(confirm, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_complete")
    with_email.refresh_from_db()
    assert with_email.check_password(NEW)
    assert not AccessAttempt.objects.filter(username="suzuki").exists()  # a login lock is lifted
    again = client.get(path, follow=True)
    assert "cannot be used" in again.content.decode()  # once only


@pytest.mark.django_db(transaction=True)
def test_an_unknown_address_gets_the_same_answer_and_no_email(client, with_email):
    known = client.post(reverse("password_reset"), {"email": "suzuki@example.com"}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.context["title"] == unknown.context["title"]
    assert "If an account uses this address" in unknown.content.decode()
    run_worker()
    assert [message.to for message in mail.outbox] == [["suzuki@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_account_gets_no_reset_email(client, with_email):
    with_email.is_active = False
    with_email.save()
    client.post(reverse("password_reset"), {"email": "suzuki@example.com"})
    run_worker()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_requests_past_the_limit_send_nothing_and_say_the_same(client, with_email, settings):
    settings.PASSWORD_RESET_LIMIT_PER_HOUR = 2
    for _ in range(4):
        response = client.post(reverse("password_reset"), {"email": "suzuki@example.com"})
        assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    run_worker()
    assert len(mail.outbox) == 2


def test_a_garbage_reset_link_says_it_cannot_be_used(client, db):
    response = client.get("/accounts/password/reset/MQ/bad-token/", follow=True)
    assert response.status_code == 404
    assert "cannot be used" in response.content.decode()
