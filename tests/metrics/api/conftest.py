"""Tokens and a client for the API tests (the tree and people come from tests/conftest.py)."""

import json

import pytest

from metrics.api.auth import reset_local_counts
from metrics.models import ApiToken


class ApiClient:
    """Django's test client with a bearer token, speaking JSON."""

    def __init__(self, client, secret=None, language="en"):
        self.client = client
        self.headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if secret:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"

    def get(self, path, **params):
        return self.client.get(path, params, **self.headers)

    def post(self, path, data, **extra):
        body = data if isinstance(data, str | bytes) else json.dumps(data)
        return self.client.post(path, body, content_type="application/json", **self.headers, **extra)

    def push(self, rows, tree="fy2026-test"):
        return self.post(f"/api/v1/trees/{tree}/entries", {"rows": rows})


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    reset_local_counts()


def issue(name, departments, *, read_only=False, created_by=None):
    return ApiToken.issue(name=name, departments=departments, read_only=read_only, created_by=created_by)


@pytest.fixture
def marketing_token(marketing, owner):
    """Made by marketing's lead: writes marketing's nodes (leads)."""
    return issue("MA nightly", [marketing], created_by=owner)


@pytest.fixture
def api(client, marketing_token):
    return ApiClient(client, marketing_token[1])
