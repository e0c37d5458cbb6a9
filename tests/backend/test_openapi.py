"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document of every route, from the same schemas."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from telltale.api.routes import PREFIX, ROUTES


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def _schema(spec: dict, ref: str) -> dict:
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_it_is_a_valid_openapi_3_1_document(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_it_describes_every_route(spec):
    for route in ROUTES:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", PREFIX + route.path)
        operation = spec["paths"][path][route.method.lower()]
        assert str(route.status) in operation["responses"]
        assert ("security" in operation) == route.auth


def test_it_describes_request_bodies_with_the_validating_schemas(spec):
    body = spec["paths"]["/api/v1/messages"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    message_in = _schema(spec, body["$ref"])
    assert message_in["required"] == ["recipients"]
    assert message_in["additionalProperties"] is False
    assert message_in["properties"]["links"]["type"] == "array"
    assert message_in["properties"]["tracking"]["type"] == "boolean"


def test_it_describes_the_query_and_path_parameters(spec):
    listed = {p["name"]: p for p in spec["paths"]["/api/v1/messages"]["get"]["parameters"]}
    assert set(listed) == {"limit", "before", "tag", "state"}
    assert all(p["in"] == "query" and not p["required"] for p in listed.values())
    assert listed["state"]["schema"]["anyOf"][0]["enum"] == ["untracked", "sent", "opened", "clicked"]
    shown = spec["paths"]["/api/v1/messages/{message_id}"]["get"]["parameters"]
    assert shown == [{"name": "message_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def test_it_describes_the_error_shape(spec):
    created = spec["paths"]["/api/v1/messages"]["post"]["responses"]
    error = _schema(spec, created["422"]["content"]["application/json"]["schema"]["$ref"])
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBody")
    assert "401" not in spec["paths"]["/api/v1/pair"]["post"]["responses"]
