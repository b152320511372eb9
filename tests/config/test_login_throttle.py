"""Login throttling (django-axes, config/login_throttle.py): lockout, the message, the cool-off, the admin login."""

import pytest
import time_machine
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from config.login_throttle import client_ip

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture(autouse=True)
def monday_ten_o_clock():
    with time_machine.travel("2026-06-29 10:00 +09:00", tick=False) as traveller:
        yield traveller


def _log_in(client, username, password, url=None, **extra):
    return client.post(url or reverse("login"), {"username": username, "password": password}, **extra)


def _signed_in(client):
    return client.get(reverse("home")).status_code == 200


def test_the_defaults_are_ten_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_the_limit_of_failures_locks_the_user_name_and_refuses_even_the_right_password(client, owner):
    for attempt in range(1, LIMIT):
        response = _log_in(client, "tanaka", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()
    response = _log_in(client, "tanaka", "wrong-last")
    assert response.status_code == 429
    # The right password while locked: refused with the same message, nobody signed in.
    response = _log_in(client, "tanaka", "pw-tanaka")
    assert response.status_code == 429
    html = response.content.decode()
    assert 'role="alert"' in html
    assert (
        "失敗が続いたため、このユーザー名でのログインを15分間停止しています。10:15以降にもう一度ログインしてください。"
        in html
    )
    assert "<title>エラー：" in html
    assert 'value="tanaka"' in html  # the form is there again, with the user name
    assert response["Retry-After"] == "900"
    assert not _signed_in(client)


def test_the_message_is_in_english_for_english_readers(client, owner):
    for attempt in range(LIMIT):
        _log_in(client, "tanaka", f"wrong-{attempt}")
    response = _log_in(client, "tanaka", "pw-tanaka", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert (
        "Logging in as this user is paused for 15 minutes after too many failed attempts. Try again after 10:15."
        in response.content.decode()
    )


def test_attempts_during_the_lock_do_not_move_its_end(client, owner, monday_ten_o_clock):
    for attempt in range(LIMIT):
        _log_in(client, "tanaka", f"wrong-{attempt}")
    monday_ten_o_clock.shift(10 * 60)
    response = _log_in(client, "tanaka", "wrong-again")
    assert response.status_code == 429
    assert "10:15以降" in response.content.decode()
    assert response["Retry-After"] == "300"


def test_the_lock_ends_after_the_cool_off(client, owner, monday_ten_o_clock):
    for attempt in range(LIMIT):
        _log_in(client, "tanaka", f"wrong-{attempt}")
    monday_ten_o_clock.shift(14 * 60 + 59)
    assert _log_in(client, "tanaka", "pw-tanaka").status_code == 429
    monday_ten_o_clock.shift(2)
    response = _log_in(client, "tanaka", "pw-tanaka")
    assert response.status_code == 302
    assert _signed_in(client)


def test_a_lock_is_for_one_user_name_from_one_address(client, owner, member):
    for attempt in range(LIMIT):
        _log_in(client, "tanaka", f"wrong-{attempt}")
    # Another person from the same address, and the same person from another address, still sign in.
    assert _log_in(client, "suzuki", "pw-suzuki").status_code == 302
    client.post(reverse("logout"))
    assert _log_in(client, "tanaka", "pw-tanaka", REMOTE_ADDR="192.0.2.7").status_code == 302


def test_signing_in_resets_the_count(client, owner):
    for attempt in range(LIMIT - 1):
        _log_in(client, "tanaka", f"wrong-{attempt}")
    assert _log_in(client, "tanaka", "pw-tanaka").status_code == 302
    client.post(reverse("logout"))
    for attempt in range(LIMIT - 1):
        assert _log_in(client, "tanaka", f"wrong-{attempt}").status_code == 200
    assert _log_in(client, "tanaka", "pw-tanaka").status_code == 302


def test_the_admin_login_is_throttled_too(client, admin, monday_ten_o_clock):
    url = reverse("admin:login")
    for attempt in range(LIMIT - 1):
        assert _log_in(client, "admin", f"wrong-{attempt}", url=url).status_code == 200
    assert _log_in(client, "admin", "wrong-last", url=url).status_code == 429
    response = _log_in(client, "admin", "pw-admin", url=url)
    assert response.status_code == 429
    assert "10:15以降にもう一度ログインしてください" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302  # not signed in
    # The lock counts on our login page as well: same person, same address.
    assert _log_in(client, "admin", "pw-admin").status_code == 429
    monday_ten_o_clock.shift(15 * 60 + 1)
    response = _log_in(client, "admin", "pw-admin", url=f"{url}?next=/admin/")
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_lower_limit_locks_sooner(client, owner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for attempt in range(2):
        assert _log_in(client, "tanaka", f"wrong-{attempt}").status_code == 200
    assert _log_in(client, "tanaka", "wrong-last").status_code == 429


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/accounts/login/", **extra)


def test_the_client_address_believes_only_the_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"  # no proxy: the header is the client's
    settings.TRUSTED_PROXY_COUNT = 1
    # The load balancer appended the address it saw; what the client wrote before it is ignored.
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 198.51.100.1")) == "198.51.100.1"
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9")) == "198.51.100.1"


def test_behind_a_proxy_two_clients_are_counted_apart(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(LIMIT):
        _log_in(client, "tanaka", f"wrong-{attempt}", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert _log_in(client, "tanaka", "pw-tanaka", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert _log_in(client, "tanaka", "pw-tanaka", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302


def _settings_in_subprocess(**environ):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "true", **environ}
    code = "import config.settings as s; print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, check=False
    )


def test_the_environment_sets_the_limit_and_the_lock_length_and_refuses_nonsense():
    result = _settings_in_subprocess(LOGIN_FAILURE_LIMIT="5", LOGIN_LOCKOUT_MINUTES="30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5", "1800"]
    refused = _settings_in_subprocess(LOGIN_LOCKOUT_MINUTES="0")
    assert refused.returncode != 0
    assert "LOGIN_LOCKOUT_MINUTES must be at least 1" in refused.stderr
    refused = _settings_in_subprocess(LOGIN_FAILURE_LIMIT="ten")
    assert "LOGIN_FAILURE_LIMIT must be a whole number" in refused.stderr
