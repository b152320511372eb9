"""GET /healthz (config/health.py): the database must answer, the cache is reported."""

import socket

import pytest
from django.db import OperationalError
from django.urls import reverse

from config import cache as resilient
from config import health

pytestmark = pytest.mark.django_db


def test_it_answers_without_signing_in_and_is_never_cached(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_without_the_database_it_is_503(client, monkeypatch):
    def broken_cursor():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_without_redis_it_is_still_200_and_says_so(client, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    resilient.reset_outages()
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.ResilientRedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    try:
        response = client.get(reverse("health"))
    finally:
        resilient.reset_outages()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "unreachable"}


def test_it_refuses_changes(client):
    assert client.post(reverse("health")).status_code == 405
