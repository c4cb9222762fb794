"""The API fuzzed from its own OpenAPI schema (schemathesis): it must never answer 500.

Every operation is called with generated inputs by a signed-in headquarters token, on the
small test city. A new endpoint is fuzzed as soon as it is in the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from warroom.accounts.services import do_create_token
from warroom.core.context import SYSTEM
from warroom.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def token(hq):
    return do_create_token(hq, name="fuzz", actor=SYSTEM)[1]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calls go straight to the WSGI app, whose request signals would close the database
    connection between requests; on PostgreSQL that drops the test's transaction. Django's
    own test client disconnects the same handler."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_answers_500(case, token):
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=(not_a_server_error,))
