"""GET /api/analytics/retention and GET /api/analytics/churn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from journeys.api.app import create_app
from journeys.workspace import Workspace

from scenarios import T0, D, journeys_for
from serving import admin_headers


@pytest.fixture
def api(ws: Workspace) -> Iterator[TestClient]:
    """Alice and Bob sign up in W10, Carol in W11; Alice and Carol come back a week later."""
    journeys_for(
        ws,
        {
            "alice": [("signup", T0), ("purchase", T0 + 8 * D, {"price": 120})],
            "bob": [("signup", T0 + D), ("purchase", T0 + 8 * D, {"price": 20})],
            "carol": [("signup", T0 + 7 * D), ("view", T0 + 14 * D)],
        },
    )
    with TestClient(create_app(ws), headers=admin_headers(ws)) as client:
        yield client


def test_retention_with_a_return_step_and_a_range(api: TestClient) -> None:
    params = {
        "start": "signup",
        "return": "purchase where price > 100",
        "from": "2026-03-02",
        "to": "2026-03-09",
        "periods": "1",
    }
    response = api.get("/api/analytics/retention", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(c["label"], c["size"]) for c in body["cohorts"]] == [("2026-W10", 2), ("2026-W11", 1)]
    assert [p["retained"] for p in body["cohorts"][0]["periods"]] == [2, 1]  # alice only
    assert [p["share"] for p in body["cohorts"][0]["periods"]] == [1.0, 0.5]
    assert body["query"]["returning"]["where"][0] == {"property": "price", "op": ">", "value": 100}


def test_retention_defaults_to_weeks_up_to_the_latest_activity(api: TestClient) -> None:
    body = api.get("/api/analytics/retention", params={"start": "signup"}).json()
    assert body["query"]["period"] == "week" and body["query"]["periods"] == 8
    assert len(body["cohorts"]) == 9 and body["cohorts"][-1]["label"] == "2026-W12"
    assert body["customers"] == 3


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"start": "signup", "period": "year"}, "period", "unknown_period"),
        ({"start": "signup", "periods": "0"}, "periods", "periods_out_of_range"),
        ({"start": "signup", "from": "March"}, "from", "invalid_date"),
        ({"start": "signup", "mode": "maybe"}, "mode", "unknown_mode"),
        ({"start": "touchpoint fashion/nope"}, "start", "invalid_step"),
    ],
)
def test_a_bad_retention_parameter_is_a_422_naming_it(
    api: TestClient, params: dict[str, str], field: str, code: str
) -> None:
    response = api.get("/api/analytics/retention", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"]["field"] == field and error["details"]["code"] == code


def test_a_missing_start_or_a_periods_that_is_no_number_is_a_422_naming_it(api: TestClient) -> None:
    missing = api.get("/api/analytics/retention").json()["error"]
    assert missing["details"][0]["field"] == "start"
    not_a_number = api.get("/api/analytics/retention", params={"start": "a", "periods": "x"})
    assert not_a_number.status_code == 422
    assert not_a_number.json()["error"]["details"][0]["field"] == "periods"


def test_churn_with_pages(api: TestClient) -> None:
    params = {"inactive": "5d", "as_of": "2026-03-16", "limit": "1"}
    first = api.get("/api/analytics/churn", params=params).json()
    second = api.get("/api/analytics/churn", params={**params, "offset": "1"}).json()
    assert [c["customer_id"] for c in first["churned_customers"]] == ["alice"]
    assert [c["customer_id"] for c in second["churned_customers"]] == ["bob"]
    assert first["churned"] == second["churned"] == 2
    # Active from 7 to 12 March: all three; alice and bob have not been seen since.
    assert first["active_before"] == 3 and first["churn_rate"] == 2 / 3
    assert first["as_of"] == "2026-03-17T00:00:00"
    assert first["churned_customers"][0] == {
        "customer_id": "alice",
        "known": True,
        "first_seen": "2026-03-02T09:00:00",
        "last_seen": "2026-03-10T09:00:00",
        "days_inactive": 6,
        "events": 2,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"inactive": "forever"}, "inactive"),
        ({"as_of": "soon"}, "as_of"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": str(2**63)}, "offset"),  # past what a database integer holds: not a 500
    ],
)
def test_a_bad_churn_parameter_is_a_422_naming_it(
    api: TestClient, params: dict[str, str], field: str
) -> None:
    response = api.get("/api/analytics/churn", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == field


def test_both_endpoints_are_in_the_openapi_document(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert "/api/analytics/retention" in paths and "/api/analytics/churn" in paths
    names = {p["name"] for p in paths["/api/analytics/retention"]["get"]["parameters"]}
    assert {"start", "return", "period", "periods", "from", "to", "mode"} <= names
