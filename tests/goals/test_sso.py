"""Single sign-on (goals.accounts.sso) with a fake provider: allauth runs for real from our login page's button to
the callback; only the exchange with Google or Microsoft (the token and who the person is) is replaced."""

from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from allauth.socialaccount.providers.microsoft.views import MicrosoftGraphOAuth2Adapter
from django.contrib.auth import get_user_model
from django.urls import reverse

from goals.models import Membership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]
TENANT = "0b7c4a1e-2f3d-4c5b-8a9e-1f2e3d4c5b6a"


@pytest.fixture
def sso_on(settings):
    settings.SSO_PROVIDERS = ["google", "microsoft"]
    settings.SSO_ALLOWED_DOMAINS = []
    settings.SSO_MICROSOFT_TENANT = TENANT
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "google-id", "secret": "google-secret"}], "SCOPE": ["openid", "email"]},
        "microsoft": {"APPS": [{"client_id": "ms-id", "secret": "ms-secret", "settings": {"tenant": TENANT}}]},
    }
    return settings


def _sign_in(client, provider, userinfo, adapter):
    """Press our button, come back from the provider with a code; the token exchange and the person's details are
    the fake provider's."""
    start = client.post(reverse(f"{provider}_login"), {"process": "login"})
    assert start.status_code == 302, start
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    def complete_login(self, request, app, token, **kwargs):
        return self.get_provider().sociallogin_from_response(request, userinfo)

    with (
        mock.patch.object(adapter, "get_access_token_data", return_value={"access_token": "t", "expires_in": 60}),
        mock.patch.object(adapter, "complete_login", complete_login),
    ):
        return client.get(reverse(f"{provider}_callback"), {"code": "fake", "state": state})


def _google(email, verified=True, sub="g-1"):
    return {"sub": sub, "email": email, "email_verified": verified, "given_name": "花子", "family_name": "山田"}


def _signed_in_as(client):
    return client.get(reverse("home")).wsgi_request.user


def test_off_by_default_no_buttons_and_the_routes_are_404(client, settings):
    assert settings.SSO_PROVIDERS == []
    page = client.get(reverse("login")).content.decode()
    assert "Log in with Google" not in page and "Log in with Microsoft" not in page
    for name in ("google_login", "google_callback", "microsoft_login", "microsoft_callback", "socialaccount_signup"):
        assert client.get(reverse(name)).status_code == 404, name
        assert client.post(reverse(name)).status_code == 404, name
    assert client.get("/accounts/sso/google/login/token/").status_code == 404


def test_on_the_login_page_shows_the_buttons(client, sso_on):
    page = client.get(reverse("login")).content.decode()
    assert "Log in with Google" in page and "Log in with Microsoft" in page
    assert f'action="{reverse("google_login")}"' in page
    sso_on.SSO_PROVIDERS = ["google"]
    page = client.get(reverse("login")).content.decode()
    assert "Log in with Microsoft" not in page
    assert client.post(reverse("microsoft_login")).status_code == 404


def test_a_verified_email_signs_in_the_existing_person(client, sso_on, member):
    member.email = "Suzuki@Example.com"
    member.save()
    response = _sign_in(client, "google", _google("suzuki@example.com"), GoogleOAuth2Adapter)
    assert response.status_code == 302
    assert _signed_in_as(client) == member
    assert SocialAccount.objects.get(provider="google").user == member
    client.logout()
    _sign_in(client, "google", _google("suzuki@example.com"), GoogleOAuth2Adapter)  # linked now
    assert _signed_in_as(client) == member
    assert get_user_model().objects.count() == 1


def test_an_unverified_email_is_refused(client, sso_on, member):
    member.email = "suzuki@example.com"
    member.save()
    response = _sign_in(client, "google", _google("suzuki@example.com", verified=False), GoogleOAuth2Adapter)
    assert response.status_code == 403
    assert "did not confirm your email address" in response.content.decode()
    assert not _signed_in_as(client).is_authenticated
    assert not SocialAccount.objects.exists()


def test_an_unknown_domain_is_refused_and_no_account_is_made(client, sso_on, member):
    response = _sign_in(client, "google", _google("stranger@elsewhere.example"), GoogleOAuth2Adapter)
    assert response.status_code == 403
    assert "No Goaltree account uses stranger@elsewhere.example" in response.content.decode()
    assert not get_user_model().objects.filter(email="stranger@elsewhere.example").exists()
    assert not _signed_in_as(client).is_authenticated


def test_an_allowed_domain_makes_an_account_without_department(client, sso_on):
    sso_on.SSO_ALLOWED_DOMAINS = ["example.co.jp"]
    response = _sign_in(client, "google", _google("hanako@Example.co.jp"), GoogleOAuth2Adapter)
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(email__iexact="hanako@example.co.jp")
    assert user.last_name == "山田" and user.is_active and not user.is_staff
    assert not Membership.objects.filter(user=user).exists()  # no department until an admin or lead adds one
    assert _signed_in_as(client) == user


def test_an_allowed_domain_still_needs_a_verified_email(client, sso_on):
    sso_on.SSO_ALLOWED_DOMAINS = ["example.co.jp"]
    response = _sign_in(client, "google", _google("hanako@example.co.jp", verified=False), GoogleOAuth2Adapter)
    assert response.status_code == 403
    assert not get_user_model().objects.exists()


def test_a_deactivated_person_is_refused(client, sso_on, member):
    member.email = "suzuki@example.com"
    member.is_active = False
    member.save()
    response = _sign_in(client, "google", _google("suzuki@example.com"), GoogleOAuth2Adapter)
    assert response.status_code == 403
    assert "not active" in response.content.decode()
    assert not _signed_in_as(client).is_authenticated


def test_microsoft_counts_as_verified_only_for_one_trusted_tenant(client, sso_on, member):
    member.email = "suzuki@example.com"
    member.save()
    userinfo = {"id": "ms-1", "mail": "suzuki@example.com", "givenName": "太郎", "surname": "鈴木"}
    sso_on.SSO_MICROSOFT_TENANT = "organizations"  # any work account: its address proves nothing
    response = _sign_in(client, "microsoft", userinfo, MicrosoftGraphOAuth2Adapter)
    assert response.status_code == 403
    assert not _signed_in_as(client).is_authenticated
    sso_on.SSO_MICROSOFT_TENANT = TENANT
    response = _sign_in(client, "microsoft", userinfo, MicrosoftGraphOAuth2Adapter)
    assert response.status_code == 302
    assert _signed_in_as(client) == member
