"""The production cache (config.cache): Redis through django-redis, and every page still answering without it."""

import logging
import os
import socket
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.urls import reverse

from config import cache as resilient

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_cache(location, **options):
    return {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"goaltree-test-{uuid.uuid4().hex}",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 1, **options},
        }
    }


@pytest.fixture(autouse=True)
def _no_outage_left_over():
    resilient.reset_outages()
    yield
    resilient.reset_outages()


@pytest.fixture
def unreachable_redis(settings):
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{_closed_port()}/0")
    return settings.CACHES


def _cache_warnings(caplog):
    return [record for record in caplog.records if record.name == "goaltree.cache"]


def test_every_page_answers_from_the_database_when_redis_is_down_and_says_so_once(
    client, owner, tree, unreachable_redis, caplog
):
    caplog.set_level(logging.INFO)
    client.force_login(owner)
    node = tree.nodes.get(code="deals")
    urls = [
        reverse("home"),
        reverse("goals:tree-list"),
        reverse("goals:tree-detail", args=[tree.pk]),
        reverse("metrics:dashboard", args=[tree.pk]),
        reverse("metrics:dashboard", args=[tree.pk]),  # again: nothing was kept, still computed
        reverse("metrics:node-progress", args=[node.pk]),
        reverse("metrics:node-chart-data", args=[node.pk]),
        reverse("metrics:progress-json", args=[tree.pk]),
        f"{reverse('metrics:grid')}?tree={tree.pk}",
        reverse("goals:inbox"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    dashboard = client.get(reverse("metrics:dashboard", args=[tree.pk])).content.decode()
    assert "売上" in dashboard  # the {% cache %} fragment rendered from the database
    warnings = _cache_warnings(caplog)
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert warnings[0].levelno == logging.WARNING
    assert "unreachable" in warnings[0].getMessage()
    # The progress cache saw misses, not errors: nothing else was logged about the cache.
    assert not [record for record in caplog.records if "progress cache" in record.getMessage()]


def test_an_outage_is_tried_again_after_a_pause_and_logged_once_a_minute(unreachable_redis, monkeypatch, caplog):
    clock = [1000.0]
    monkeypatch.setattr(resilient.time, "monotonic", lambda: clock[0])
    cache = caches["default"]
    attempts = []
    real_client = type(cache).client.fget

    def counting_client(self):
        client = real_client(self)
        if client is not resilient._SKIPPING:
            attempts.append(clock[0])
        return client

    monkeypatch.setattr(type(cache), "client", property(counting_client))

    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set("k", 1) is None
    assert attempts == [1000.0]  # one real try; the other calls skipped Redis at once
    clock[0] += resilient.RETRY_SECONDS + 1
    assert cache.get("k") is None
    assert len(attempts) == 2  # tried again after the pause, failed again
    assert len(_cache_warnings(caplog)) == 1  # ...without a second log line within the minute
    clock[0] += resilient.LOG_INTERVAL_SECONDS
    assert cache.get("k") is None
    warnings = _cache_warnings(caplog)
    assert len(warnings) == 2
    assert "(1 failures not logged" in warnings[1].getMessage()


def test_the_log_does_not_show_the_redis_password(settings, caplog):
    settings.CACHES = _redis_cache(f"redis://:s3cret@127.0.0.1:{_closed_port()}/0")
    assert caches["default"].get("k") is None
    message = _cache_warnings(caplog)[0].getMessage()
    assert "s3cret" not in message
    assert ":***@127.0.0.1" in message


def _redis_reachable():
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except Exception:
        return False


@pytest.fixture
def real_redis(settings):
    if not _redis_reachable():
        if os.environ.get("REQUIRE_REDIS", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"REQUIRE_REDIS=1 but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL} (REQUIRE_REDIS=1 makes this a failure)")
    settings.CACHES = _redis_cache(REDIS_URL)
    cache = caches["default"]
    yield cache
    cache.delete_pattern("*")  # only this test's keys: they all carry its unique prefix


def test_a_real_redis_round_trip(real_redis, client, viewer, tree, caplog):
    real_redis.set("greeting", {"ja": "こんにちは"}, 30)
    assert real_redis.get("greeting") == {"ja": "こんにちは"}
    real_redis.set_many({"a": 1, "b": 2}, 30)
    assert real_redis.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    real_redis.delete("a")
    assert real_redis.get("a") is None
    # A dashboard fills the shared cache (its fragment and the tree's progress) and reads it back.
    client.force_login(viewer)
    url = reverse("metrics:dashboard", args=[tree.pk])
    first = client.get(url)
    assert first.status_code == 200
    assert len(real_redis.keys("*")) >= 3
    second = client.get(url)
    assert second.status_code == 200
    assert "売上" in second.content.decode()
    assert not _cache_warnings(caplog)


def _settings_cache(**environ):
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL"}}
    env.update({"DEBUG": "true", **environ})
    code = "import json, config.settings as s; print(json.dumps(s.CACHES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=django_settings.BASE_DIR, check=True
    )
    return json.loads(result.stdout)


def test_redis_url_selects_the_resilient_backend_with_short_timeouts():
    chosen = _settings_cache(REDIS_URL="redis://cache.internal:6379/0")
    assert chosen["BACKEND"] == "config.cache.ResilientRedisCache"
    assert chosen["LOCATION"] == "redis://cache.internal:6379/0"
    assert chosen["OPTIONS"] == {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 1.0}
    tuned = _settings_cache(REDIS_URL="redis://cache.internal:6379/0", REDIS_CONNECT_TIMEOUT_MS="200")
    assert tuned["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] == 0.2


def test_every_cache_backend_the_settings_can_select_has_its_client_in_the_lock():
    lock = (Path(django_settings.BASE_DIR) / "requirements.lock").read_text()
    pinned = {line.split("==")[0].lower() for line in lock.splitlines() if "==" in line and not line.startswith(" ")}
    assert {"redis", "django-redis"} <= pinned
    backend = _settings_cache(REDIS_URL="redis://cache.internal:6379/0")["BACKEND"]
    from django.utils.module_loading import import_string

    import_string(backend)  # importable: django_redis and redis are installed from the lock
    import redis  # noqa: F401
