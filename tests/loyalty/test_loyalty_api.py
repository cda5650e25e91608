"""The loyalty API: redemption and its errors, gated content, the programme file, referrals,
and concurrent redemptions against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.api.app import create_app
from journeys.loyalty import award_points
from journeys.loyalty.tables import EntryRow
from journeys.workspace import Workspace

from serving import admin_headers


@pytest.fixture
def api(lws: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(lws), headers=admin_headers(lws)) as c:
        yield c


def error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_redeem_over_the_api_and_every_bad_input(api: TestClient, lws: Workspace) -> None:
    assert api.post("/api/loyalty/members", json={"customer_id": "ann"}).status_code == 201
    given = {"points": 300, "reason": "welcome", "idempotency_key": "g-1"}
    assert api.post("/api/loyalty/members/ann/points", json=given).json()["balance"] == 300
    url = "/api/loyalty/members/ann/redemptions"
    ok = api.post(url, json={"reward_id": "voucher-5", "idempotency_key": "r-1"})
    assert ok.status_code == 201 and ok.json()["balance"] == 50
    # The same request again (a retry) changes nothing.
    assert api.post(url, json={"reward_id": "voucher-5", "idempotency_key": "r-1"}).json()[
        "replayed"
    ]
    too_much = api.post(url, json={"reward_id": "voucher-5", "idempotency_key": "r-2"})
    assert too_much.status_code == 409 and error(too_much)["code"] == "insufficient_points"
    unknown = api.post(url, json={"reward_id": "yacht", "idempotency_key": "r-3"})
    assert unknown.status_code == 404 and error(unknown)["code"] == "reward_not_found"
    reused = api.post(
        "/api/loyalty/members/ann/points", json={**given, "points": 999}
    )  # same key, another amount
    assert reused.status_code == 409 and error(reused)["code"] == "idempotency_conflict"
    ledger = api.get("/api/loyalty/members/ann/ledger").json()
    assert [(e["kind"], e["points"]) for e in ledger] == [("redeem", -250), ("earn", 300)]


def test_numbers_past_what_the_ledger_holds_are_refused_naming_the_field(
    api: TestClient,
) -> None:
    # Found by the OpenAPI fuzz run: these reached the database and failed there with a 500.
    huge = 2**64 + 5
    given = {"points": 300, "reason": "welcome", "idempotency_key": "g-1"}
    assert api.post("/api/loyalty/members/ann/points", json=given).status_code == 201
    for points in (huge, -huge, 1_000_000_001):
        body = {**given, "points": points, "idempotency_key": f"big-{points}"}
        refused = api.post("/api/loyalty/members/ann/points", json=body)
        assert refused.status_code == 422 and error(refused)["code"] == "invalid_input"
        assert error(refused)["details"][0]["field"] == "points"
    most = {**given, "points": 1_000_000_000, "idempotency_key": "most"}
    assert api.post("/api/loyalty/members/ann/points", json=most).json()["balance"] == 1_000_000_300
    reversal = {"entry_id": huge, "reason": "returned", "idempotency_key": "rv-1"}
    refused = api.post("/api/loyalty/members/ann/reversals", json=reversal)
    assert refused.status_code == 422 and error(refused)["details"][0]["field"] == "entry_id"
    ledger = api.get("/api/loyalty/members/ann/ledger").json()
    assert [e["points"] for e in ledger] == [1_000_000_000, 300]  # nothing refused was written


def test_a_referral_code_used_by_its_owner_is_refused(api: TestClient) -> None:
    ann = api.post("/api/loyalty/members", json={"customer_id": "ann"}).json()
    own = api.post(
        "/api/loyalty/referrals", json={"code": ann["referral_code"], "friend_id": "ann"}
    )
    assert own.status_code == 422 and error(own)["code"] == "referral_invalid"
    assert api.get("/api/loyalty/referrals").json() == []
    made = api.post(
        "/api/loyalty/referrals", json={"code": ann["referral_code"], "friend_id": "bo"}
    )
    assert made.status_code == 201 and made.json()["referrer_id"] == "ann"
    twice = api.post(
        "/api/loyalty/referrals", json={"code": ann["referral_code"], "friend_id": "bo"}
    )
    assert twice.status_code == 422


def test_members_only_content_is_403_below_its_tier(api: TestClient, lws: Workspace) -> None:
    award_points(lws, "gold", 2000, "orders", "g-1")
    award_points(lws, "basic", 10, "orders", "b-1")
    url = "/api/loyalty/members/{}/content/gold-double-points"
    assert api.get(url.format("gold")).json()["body"].startswith("Show this offer")
    refused = api.get(url.format("basic"))
    assert refused.status_code == 403 and error(refused)["code"] == "not_entitled"
    seen = api.get("/api/loyalty/members/basic/catalogue").json()
    assert {r["id"] for r in seen["rewards"]} == {"voucher-5", "voucher-15"}
    assert seen["content"] == []
    status = api.get("/api/loyalty/members/gold/status").json()
    assert status["tier"] == "gold" and status["member"]


def test_an_invalid_programme_is_refused_with_its_field(api: TestClient) -> None:
    program = api.get("/api/loyalty/program").json()
    program["rewards"][2]["tier"] = "platinum"
    refused = api.put("/api/loyalty/program", json=program)
    assert refused.status_code == 422 and error(refused)["code"] == "loyalty_invalid"
    issue = error(refused)["details"][0]
    assert (issue["code"], issue["field"]) == ("unknown_tier", "rewards[2].tier")
    program["rewards"][2]["tier"] = "gold"
    assert api.put("/api/loyalty/program", json=program).status_code == 200
    assert api.get("/api/loyalty/program").json()["rewards"][2]["tier"] == "gold"


def test_stats_over_the_api(api: TestClient, lws: Workspace) -> None:
    award_points(lws, "ann", 300, "x", "k-1")
    api.post("/api/loyalty/members/ann/redemptions", json={"reward_id": "voucher-5",
                                                           "idempotency_key": "r"})  # fmt: skip
    stats = api.get("/api/loyalty/stats").json()
    assert (stats["members"], stats["points_liability"], stats["points_redeemed"]) == (1, 50, 250)
    assert stats["redemption_rate"] == pytest.approx(250 / 300, abs=1e-4)


def test_concurrent_redemptions_never_overdraw(server: str, ws: Workspace) -> None:
    award_points(ws, "racer", 1100, "stake", "stake-1")  # covers 4 vouchers of 250
    url = f"{server}/api/loyalty/members/racer/redemptions"
    admin = admin_headers(ws)

    def redeem(n: int) -> httpx.Response:
        body = {"reward_id": "voucher-5", "idempotency_key": f"race-{n}"}
        return httpx.post(url, json=body, headers=admin, timeout=30)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(redeem, range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 4 + [409] * 16
    assert {error(r)["code"] for r in responses if r.status_code == 409} == {"insufficient_points"}
    with Session(ws.operational.engine) as s:
        total = s.scalar(select(func.sum(EntryRow.points)).where(EntryRow.customer_id == "racer"))
    assert total == 100
    assert httpx.get(f"{server}/api/loyalty/members/racer", headers=admin).json()["balance"] == 100
