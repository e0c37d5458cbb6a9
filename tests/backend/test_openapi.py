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
    assert listed["state"]["schema"]["anyOf"][0]["enum"] == ["untracked", "sent", "declined", "opened", "clicked",
                                                         "replied"]
    shown = spec["paths"]["/api/v1/messages/{message_id}"]["get"]["parameters"]
    [message_id] = shown
    assert (message_id["name"], message_id["in"], message_id["required"]) == ("message_id", "path", True)
    assert (message_id["schema"]["type"], message_id["schema"]["minimum"]) == ("integer", 1)
    assert message_id["schema"]["maximum"] == 2**63 - 1
    assert listed["before"]["schema"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


def test_it_states_the_rules_requests_are_checked_against(spec):
    message_in = _schema(spec, "#/MessageIn")["properties"]
    link = message_in["links"]["items"]
    assert link["maxLength"] == 2048 and link["pattern"].startswith("^[Hh][Tt][Tt][Pp][Ss]?://")
    tags = message_in["tags"]
    assert tags["maxItems"] == 20 and tags["items"]["maxLength"] == 64 and tags["items"]["pattern"]
    assert "1970" in message_in["sent_at"]["description"]
    zone = _schema(spec, "#/SettingsPatch")["properties"]["timezone"]["anyOf"][0]
    assert {"UTC", "Europe/Madrid", "America/Argentina/Buenos_Aires"} <= set(zone["enum"])
    assert "Europe" not in zone["enum"] and "localtime" not in zone["enum"]
    assert _schema(spec, "#/PairIn")["properties"]["code"]["pattern"]


def test_every_operation_may_answer_too_many_requests(spec):
    for path in spec["paths"].values():
        for operation in path.values():
            assert "429" in operation["responses"]


def test_it_describes_the_error_shape(spec):
    created = spec["paths"]["/api/v1/messages"]["post"]["responses"]
    error = _schema(spec, created["422"]["content"]["application/json"]["schema"]["$ref"])
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBody")
    assert "401" not in spec["paths"]["/api/v1/pair"]["post"]["responses"]
