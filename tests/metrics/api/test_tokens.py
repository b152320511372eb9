"""The API tokens page and `manage.py create_api_token`: who may make tokens for which departments, the secret
shown once, listing with last use, revoking."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from metrics.models import ApiToken
from tests.metrics.api.conftest import ApiClient, issue

PAGE = "/api-tokens/"
CREATE = "/api-tokens/new/"


def test_the_page_needs_a_login(client, db):
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")
    assert client.post(CREATE, {"name": "x"})["Location"].startswith("/accounts/login/")


def test_a_member_makes_a_token_for_their_department_and_sees_it_once(client, member, marketing, tree):
    client.force_login(member)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert [d.name for d in page.context["form"].fields["departments"].queryset] == ["マーケティング部"]
    response = client.post(
        CREATE, {"name": "MA sheet", "departments": [marketing.pk], "access": "read_write"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("gt_") and secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.name, token.created_by, token.read_only) == ("MA sheet", member, False)
    assert list(token.departments.all()) == [marketing]
    assert token.key_hash == ApiToken.digest(secret)
    again = client.get(PAGE).content.decode()
    assert secret not in again and token.hint in again  # listed by its first characters only
    assert ApiClient(client, secret).push([{"node": "leads", "week": "2026-03-30", "value": "1"}]).status_code == 200


def test_a_read_only_token(client, member, marketing):
    client.force_login(member)
    client.post(CREATE, {"name": "Reader", "departments": [marketing.pk], "access": "read_only"})
    assert ApiToken.objects.get().read_only


def test_a_member_cannot_make_a_token_for_another_department(client, member, sales):
    client.force_login(member)
    response = client.post(CREATE, {"name": "SFA", "departments": [sales.pk], "access": "read_write"})
    assert response.status_code == 400
    assert response.context["form"].errors["departments"]
    assert not ApiToken.objects.exists()


def test_an_admin_makes_tokens_for_any_department(client, admin, marketing, sales):
    client.force_login(admin)
    response = client.post(CREATE, {"name": "SFA", "departments": [marketing.pk, sales.pk], "access": "read_write"})
    assert response.status_code == 200
    assert set(ApiToken.objects.get().departments.all()) == {marketing, sales}


def test_someone_in_no_department_is_told_to_ask(client, viewer):
    client.force_login(viewer)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert not page.context["can_create"]
    assert "ask a workspace admin" in page.content.decode()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "MA nightly"])
def test_a_token_needs_a_new_name(client, owner, marketing, marketing_token, name):
    client.force_login(owner)
    response = client.post(CREATE, {"name": name, "departments": [marketing.pk], "access": "read_write"})
    assert response.status_code == 400 and response.context["form"].errors["name"]
    assert ApiToken.objects.count() == 1


def test_a_token_needs_a_department(client, owner):
    client.force_login(owner)
    response = client.post(CREATE, {"name": "x", "access": "read_write"})
    assert response.status_code == 400 and response.context["form"].errors["departments"]


def test_the_name_of_a_revoked_token_can_be_used_again(client, owner, marketing, marketing_token):
    marketing_token[0].revoke()
    client.force_login(owner)
    response = client.post(CREATE, {"name": "MA nightly", "departments": [marketing.pk], "access": "read_write"})
    assert response.status_code == 200 and ApiToken.objects.active().count() == 1


def test_create_is_post_only(client, owner):
    client.force_login(owner)
    assert client.get(CREATE).status_code == 405


def test_the_list_shows_own_tokens_and_admins_see_all(client, owner, member, admin, marketing):
    issue("Owner's", [marketing], created_by=owner)
    issue("Member's", [marketing], created_by=member)
    issue("Command line", [marketing])
    client.force_login(member)
    assert [t.name for t in client.get(PAGE).context["tokens"]] == ["Member's"]
    client.force_login(admin)
    assert {t.name for t in client.get(PAGE).context["tokens"]} == {"Owner's", "Member's", "Command line"}


def test_the_list_shows_last_use(client, owner, tree, marketing_token):
    client.force_login(owner)
    assert "Not used yet" in client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    ApiClient(client, marketing_token[1]).get("/api/v1/trees")
    token = ApiToken.objects.get()
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not used yet" not in page and timezone.localtime(token.last_used_at).strftime("%Y/%m/%d %H:%M") in page


def test_the_creator_revokes_a_token(client, owner, tree, marketing_token):
    token, secret = marketing_token
    client.force_login(owner)
    response = client.post(f"/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    assert ApiClient(client, secret).get("/api/v1/trees").status_code == 401


def test_an_admin_revokes_any_token(client, admin, marketing_token):
    client.force_login(admin)
    assert client.post(f"/api-tokens/{marketing_token[0].pk}/revoke/").status_code == 302
    assert ApiToken.objects.get().is_revoked


def test_others_cannot_revoke_a_token(client, member, marketing_token):
    client.force_login(member)
    assert client.post(f"/api-tokens/{marketing_token[0].pk}/revoke/").status_code == 404
    assert client.get(f"/api-tokens/{marketing_token[0].pk}/revoke/").status_code == 405
    assert not ApiToken.objects.get().is_revoked


def test_the_account_menu_links_to_the_page(client, member):
    client.force_login(member)
    assert f'href="{PAGE}"' in client.get("/trees/").content.decode()


# The command -----------------------------------------------------------------------------------------------------


def test_the_command_prints_only_the_token(client, tree, marketing, sales):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "--name",
        "CRM",
        "--department",
        "営業部",
        "--department",
        marketing.name,
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    assert out.getvalue() == secret + "\n" and secret.startswith("gt_") and err.getvalue() == ""
    token = ApiToken.objects.get()
    assert (token.name, token.read_only, token.created_by) == ("CRM", False, None)
    assert set(token.departments.all()) == {marketing, sales}
    response = ApiClient(client, secret).push([{"node": "deals", "week": "2026-03-30", "value": "4"}])
    assert response.status_code == 200


def test_the_command_makes_read_only_tokens(marketing):
    call_command(
        "create_api_token", "--name", "BI", "--department", marketing.name, "--read-only", stdout=io.StringIO()
    )
    assert ApiToken.objects.get().read_only


def test_the_command_refuses_an_unknown_department(marketing):
    with pytest.raises(CommandError, match="No department named 経理部"):
        call_command("create_api_token", "--name", "x", "--department", "経理部", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_the_command_refuses_a_name_in_use(marketing, marketing_token):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_api_token", "--name", "MA nightly", "--department", marketing.name, stdout=io.StringIO())


def test_the_command_needs_a_department(db):
    with pytest.raises(CommandError):
        call_command("create_api_token", "--name", "x", stdout=io.StringIO())
