"""A bounded property-based fuzz run of every endpoint in the OpenAPI document
(schemathesis): whatever the input, no endpoint answers with a server error.

The calls carry an admin token, so they reach the endpoints instead of stopping at the
sign-in check (tests/security/test_route_policy.py covers refusals).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from journeys.api.app import create_app
from journeys.workspace import Workspace

from serving import admin_headers

CASES_PER_OPERATION = 10
seen: dict[str, int] = {}


# The schema is read when the tests are collected, so the workspace is made then too.
FUZZED = Workspace.init(Path(tempfile.mkdtemp(prefix="journeys-fuzz-")) / "ws")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(FUZZED))


@pytest.fixture(scope="module")
def fuzzed_ws() -> Iterator[Workspace]:
    yield FUZZED
    print(f"\nfuzz: {sum(seen.values())} cases over {len(seen)} operations")
    FUZZED.close()
    shutil.rmtree(FUZZED.root.parent, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_endpoint_answers_with_a_server_error(case: Any, fuzzed_ws: Workspace) -> None:
    response = case.call(headers=admin_headers(fuzzed_ws))
    seen[case.operation.label] = seen.get(case.operation.label, 0) + 1
    case.validate_response(response, checks=(not_a_server_error,))
    assert b"Traceback" not in response.content
