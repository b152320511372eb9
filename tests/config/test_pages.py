import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_but_login_requires_login(client, tree):
    for url in ["/", reverse("goals:people"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]
    assert client.get(reverse("login")).status_code == 200


def test_login_page_is_japanese_by_default(client):
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "ja"
    assert '<html lang="ja">' in response.content.decode()
    assert "ログイン" in response.content.decode()


def test_a_wrong_password_says_what_to_do_and_keeps_the_user_name(client, owner):
    response = client.post(reverse("login"), {"username": "tanaka", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'value="tanaka"' in html


def test_login_then_home(client, owner):
    response = client.post(reverse("login"), {"username": "tanaka", "password": "pw-tanaka"})
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 200
    assert "田中" in response.content.decode()


def test_language_switch_to_english_and_back(client, owner):
    client.force_login(owner)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.get("/")["Content-Language"] == "en"
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert client.get("/")["Content-Language"] == "ja"


def test_the_language_switch_works_before_login(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.get(reverse("login"))["Content-Language"] == "en"


def test_logout_is_post_only(client, owner):
    client.force_login(owner)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_page(client, owner):
    client.force_login(owner)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "a-new-long-pw-123", "new_password2": "a-new-long-pw-123"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_pages_send_a_strict_content_security_policy(client, owner):
    client.force_login(owner)
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "cdn.jsdelivr.net/npm/chart.js@4" in csp


def test_people_page_is_for_everyone_signed_in(client, owner, admin, marketing):
    client.force_login(owner)
    assert client.get(reverse("goals:people")).status_code == 200  # controls by rights: tests/goals/test_people.py
    client.force_login(admin)
    response = client.get(reverse("goals:people"))
    assert response.status_code == 200
    assert "マーケティング部" in response.content.decode()


def test_admin_adds_a_department_and_a_membership(client, admin, viewer, marketing):
    from goals.models import Department, Membership

    client.force_login(admin)
    assert client.get(reverse("goals:create-department")).status_code == 405
    response = client.post(reverse("goals:create-department"), {"department-name": "インサイドセールス部"})
    assert response.status_code == 302
    assert Department.objects.filter(name="インサイドセールス部").exists()
    response = client.post(reverse("goals:create-department"), {"department-name": "インサイドセールス部"})
    assert response.status_code == 400  # the name is taken: said, nothing saved
    assert Department.objects.filter(name="インサイドセールス部").count() == 1
    response = client.post(
        reverse("goals:set-membership"),
        {"membership-user": viewer.pk, "membership-department": marketing.pk, "membership-role": "lead"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=viewer).role == "lead"


def test_load_demo_runs_once(settings, capsys):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("load_demo")
    users = get_user_model().objects.count()
    call_command("load_demo")
    assert get_user_model().objects.count() == users
    out = capsys.readouterr().out
    assert "already loaded" in out
    assert "tanaka" in out and "goaltree-demo" in out
