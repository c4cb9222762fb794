"""The API fuzzed from its own OpenAPI schema (schemathesis), with every check.

Every operation is called with generated inputs (valid and invalid) by a signed-in
headquarters user's token, on the small test city, and every response is checked by all
of schemathesis's checks: never a 5xx, only statuses the schema documents, responses that
match their schema, content types as declared, authentication enforced, invalid input
refused. A new endpoint is fuzzed as soon as it is in the schema.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from warroom.accounts.services import do_create_token
from warroom.core.context import SYSTEM
from warroom.wsgi import application

# A request the schema calls valid may still be refused for a reason only the data can
# give (an area code that does not exist, a file that is not a table, a state that does
# not allow the move): such refusals are documented 4xx with a reason, never 400/415
# (which would mean the API could not read a well-formed request) and never 5xx.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", 401, 403, 404, 409, 413, 422]}
        }
    }
)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)
_TOKEN: dict[str, str] = {}
# Examples per operation, besides schemathesis's own boundary cases: 30 keeps the suite in
# minutes on a 2-core machine; WARROOM_FUZZ_EXAMPLES=500 for a deep run before a release.
EXAMPLES = int(os.environ.get("WARROOM_FUZZ_EXAMPLES", "30"))


@schema.auth(refresh_interval=None)
class _HeadquartersToken:
    """The real user's token, given to schemathesis as *the* authentication, so that its
    auth check also proves every operation refuses a missing or a forged one."""

    def get(self, case: Any, ctx: Any) -> str:
        return _TOKEN.get("value", "")

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def token(hq):
    _TOKEN["value"] = do_create_token(hq, name="fuzz", actor=SYSTEM)[1]
    yield _TOKEN["value"]
    _TOKEN.clear()


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
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_passes_every_check(case, token):
    response = case.call()
    case.validate_response(response)
