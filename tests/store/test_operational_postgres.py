"""The operational store on a real PostgreSQL server: sources, tickets, survey answers and the
loyalty ledger's concurrent redemptions, through the same code and entry points as on SQLite."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from journeys.errors import Conflict
from journeys.loyalty.service import award_points
from journeys.loyalty.tables import EntryRow
from journeys.workspace import Workspace

from scenarios import T0, journeys_for
from serving import admin_headers, running_server


def test_the_workspace_runs_on_postgresql(pg_ws: Workspace) -> None:
    assert pg_ws.operational.engine.dialect.name == "postgresql"
    source = pg_ws.operational.add_source("website", channel="web")
    assert pg_ws.operational.source_for_key(source.write_key) == source
    with pytest.raises(Conflict):
        pg_ws.operational.add_source("website")
    assert [s.name for s in pg_ws.operational.sources()] == ["website"]


def test_concurrent_redemptions_never_overdraw_on_postgresql(pg_ws: Workspace) -> None:
    award_points(pg_ws, "racer", 1100, "stake", "stake-1")  # covers 4 vouchers of 250
    admin = admin_headers(pg_ws)
    with running_server(pg_ws) as server:
        url = f"{server}/api/loyalty/members/racer/redemptions"

        def redeem(n: int) -> httpx.Response:
            body = {"reward_id": "voucher-5", "idempotency_key": f"race-{n}"}
            return httpx.post(url, json=body, headers=admin, timeout=30)

        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(redeem, range(20)))
        balance = httpx.get(
            f"{server}/api/loyalty/members/racer", headers=admin, timeout=30
        ).json()["balance"]
    assert sorted(r.status_code for r in responses) == [201] * 4 + [409] * 16
    codes = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert codes == {"insufficient_points"}
    with Session(pg_ws.operational.engine) as s:
        total = s.scalar(select(func.sum(EntryRow.points)).where(EntryRow.customer_id == "racer"))
    assert total == balance == 100


def test_a_ticket_lives_its_whole_life_on_postgresql(pg_ws: Workspace) -> None:
    journeys_for(pg_ws, {"alice": [("order_completed", T0)]})
    admin = admin_headers(pg_ws)
    with running_server(pg_ws) as server:
        api = f"{server}/api/tickets"
        made = httpx.post(
            api, json={"customer_id": "alice", "summary": "late parcel"}, headers=admin, timeout=30
        )
        assert made.status_code == 201, made.text
        number = made.json()["id"]
        step = httpx.post(
            f"{api}/{number}/status", json={"status": "contacted"}, headers=admin, timeout=30
        )
        assert step.json()["status"] == "contacted"
        httpx.post(f"{api}/{number}/status", json={"status": "resolved"}, headers=admin, timeout=30)
        closed = httpx.post(
            f"{api}/{number}/close", json={"root_cause": "carrier"}, headers=admin, timeout=30
        )
        assert (closed.json()["status"], closed.json()["root_cause"]) == ("closed", "carrier")
        listed = httpx.get(api, params={"status": "closed"}, headers=admin, timeout=30).json()
    assert [t["id"] for t in listed["items"]] == [number]


def test_a_survey_answer_is_stored_once_per_key_on_postgresql(pg_ws: Workspace) -> None:
    journeys_for(pg_ws, {"alice": [("order_completed", T0)]})
    admin = admin_headers(pg_ws)
    with running_server(pg_ws) as server:
        url = f"{server}/api/surveys/booking-effort/responses"
        body = {"customer_id": "alice", "score": 2, "channel": "app"}
        key = {"Idempotency-Key": "crm-1"}
        first = httpx.post(url, json=body, headers={**key, **admin}, timeout=30)
        again = httpx.post(url, json=body, headers={**key, **admin}, timeout=30)
        feed = httpx.get(
            f"{server}/api/surveys/responses",
            params={"survey": "booking-effort"},
            headers=admin,
            timeout=30,
        ).json()
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert again.json()["response"]["id"] == first.json()["response"]["id"]
    assert feed["total"] == 1 and feed["responses"][0]["channel"] == "app"
