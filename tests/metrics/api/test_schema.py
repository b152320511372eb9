"""The OpenAPI schema is valid OpenAPI 3, and the API holds to it: property-based requests from the schema itself
(schemathesis), bounded and deterministic so that the normal test run stays quick, never get a 500."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.metrics.api.conftest import ApiClient

MAX_EXAMPLES = 30


def test_the_schema_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/trees",
        "/api/v1/trees/{code}",
        "/api/v1/trees/{code}/entries",
        "/api/v1/trees/{code}/progress",
    }
    assert set(schema["paths"]["/api/v1/trees/{code}/entries"]) == {"get", "post"}
    assert schema["components"]["securitySchemes"]["BearerToken"] == {"type": "http", "scheme": "bearer"}
    push = schema["paths"]["/api/v1/trees/{code}/entries"]["post"]
    assert {"200", "401", "403", "409", "413", "422", "429"} <= set(push["responses"])


def test_the_schema_names_the_batch_limit(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["schemas"]["EntriesBatch"]["properties"]["rows"]["maxItems"] == 5000


@pytest.fixture
def api_schema(db, client, tree):
    """The schema as served, sending its requests to Django's WSGI application inside the test's transaction.

    As Django's test client does, the request signals do not close the connection meanwhile (that would end the
    test's transaction); the schema is fetched first, since the test client connects them again when it is done.
    """
    document = json.loads(ApiClient(client).get("/api/v1/openapi.json").content)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = WSGIHandler()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


OPERATIONS = [
    ("GET", "/api/v1/trees"),
    ("GET", "/api/v1/trees/{code}"),
    ("GET", "/api/v1/trees/{code}/entries"),
    ("POST", "/api/v1/trees/{code}/entries"),
    ("GET", "/api/v1/trees/{code}/progress"),
]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_request_from_the_schema_gets_a_server_error(api_schema, marketing_token, method, path, mode):
    """Well-formed requests go to the real tree (so that writes are tried); malformed ones anywhere."""
    operation = api_schema[path][method]
    token = {"Authorization": f"Bearer {marketing_token[1]}"}
    fixed = {"code": "fy2026-test"} if "{code}" in path and mode is GenerationMode.POSITIVE else None

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def requests_from_the_schema(case):
        for headers in (token, {}):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
            assert response.headers["content-type"][0].startswith("application/json")

    requests_from_the_schema()
