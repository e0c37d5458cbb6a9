"""Requests generated from /api/v1/openapi.json: none may fail the server or stray from the document."""
from __future__ import annotations

from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from telltale.api.openapi import document

from .helpers import make_user, register

# The document the app serves, built without an app; the app under test is the fixture's.
# (A lazily loaded schema, schemathesis.pytest.from_fixture, fails under pytest 9.)
schema = schemathesis.openapi.from_dict(document("fuzz"))


@pytest.fixture
def settings(settings):
    # The fuzzer sends hundreds of requests a second from one address, many with a wrong token:
    # the rate limits (tested in test_api_rate_limits.py) would answer most of them with 429.
    lifted = "100000/minute"
    return replace(settings, rate_limit_api=lifted, rate_limit_unauthenticated=lifted, rate_limit_pair=lifted,
                                   rate_limit_pair_failures=lifted)


@pytest.fixture
def auth(client, services):
    auth = make_user(services)[0]
    # Something for the generated ids to find: the first messages get the smallest ids.
    for _ in range(3):
        register(client, auth, tags=["q3"])
    return auth


@schema.parametrize()
@hypothesis_settings(max_examples=15, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_generated_request_fails_the_server_or_strays_from_the_document(case, app, auth):
    # Checks that send requests of their own (ignored_auth) pick the transport from the
    # operation's schema, and would otherwise go out over HTTP.
    case.operation.schema.app = app
    # Some valid-looking requests are refused for what they mean, which no schema can say: an
    # unknown pairing code, a time outside 1970 to 2999 once in UTC.
    case.call_and_validate(
        base_url="http://localhost", app=app, headers=auth, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
