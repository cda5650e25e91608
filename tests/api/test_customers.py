"""The customer and identity HTTP API against a real server."""

from __future__ import annotations

import httpx

from journeys.store.operational import Source
from journeys.workspace import Workspace

from factories import alias, identify, send, track


def seed(ws: Workspace) -> None:
    send(
        ws.events,
        track({"anonymousId": "laptop"}, "page_viewed", 0, path="/mortgage", channel="web"),
        identify("alice", 1, anon="laptop", email="alice@example.com", name="Alice"),
        track({"userId": "crm-9"}, "call_started", 5, channel="phone", topic="mortgage"),
        alias("crm-9", "alice", 6, "merge-9"),
        track({"userId": "alice"}, "appointment_booked", 7, channel="in_person"),
    )


def test_any_id_returns_the_whole_profile(server: str, ws: Workspace, api: httpx.Client) -> None:
    seed(ws)
    for any_id in ("alice", "laptop", "crm-9", "alice@example.com"):
        r = api.get(f"{server}/api/customers/{any_id}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["customer_id"] == "alice"
    assert body["traits"] == {"email": "alice@example.com", "name": "Alice"}
    assert body["event_count"] == 5
    assert [c["channel"] for c in body["channels"]] == ["in_person", "phone", "web"]
    events = [e["event"] for e in body["timeline"]]
    assert events == ["appointment_booked", "alias", "call_started", "identify", "page_viewed"]
    page = api.get(f"{server}/api/customers/alice", params={"limit": 2, "offset": 1}).json()
    assert [e["event"] for e in page["timeline"]] == ["alias", "call_started"]


def test_unknown_customer_and_bad_paging_use_the_error_shape(
    server: str, ws: Workspace, api: httpx.Client
) -> None:
    r = api.get(f"{server}/api/customers/ghost")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "customer_not_found"
    r = api.get(f"{server}/api/customers/ghost", params={"limit": 0})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "limit"


def test_unmerge_over_the_api(server: str, ws: Workspace, api: httpx.Client) -> None:
    seed(ws)
    [merge] = api.get(f"{server}/api/identity/merges").json()
    assert merge["merge_id"] == "merge-9" and not merge["reverted"]
    r = api.post(f"{server}/api/identity/merges/merge-9/unmerge", json={"reason": "not her"})
    assert r.status_code == 200 and r.json()["reverted"]
    assert api.get(f"{server}/api/customers/crm-9").json()["customer_id"] == "crm-9"
    missing = api.post(f"{server}/api/identity/merges/nope/unmerge")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "merge_not_found"


def test_conflicts_are_reported(server: str, ws: Workspace, api: httpx.Client) -> None:
    send(ws.events, identify("alice", 0, anon="kiosk"), identify("bob", 1, anon="kiosk"))
    [conflict] = api.get(f"{server}/api/identity/conflicts").json()
    assert (conflict["linked_user"], conflict["claimed_by"]) == ("alice", "bob")


def test_an_anonymous_visitor_has_a_profile(server: str, ws: Workspace, api: httpx.Client) -> None:
    send(ws.events, track({"anonymousId": "cookie-1"}, "page_viewed", 0, channel="web"))
    body = api.get(f"{server}/api/customers/cookie-1").json()
    assert (body["customer_id"], body["known"], body["event_count"]) == ("cookie-1", False, 1)
    assert body["anonymous_ids"] == ["cookie-1"] and body["user_ids"] == []


def test_a_customer_is_readable_right_after_their_first_event(
    server: str, ws: Workspace, website: Source, api: httpx.Client
) -> None:
    for i in range(20):  # read-your-writes, every time, not only when the consumers are quick
        user = f"new-{i}"
        r = httpx.post(
            f"{server}/v1/track",
            json={"userId": user, "event": "Signed Up"},
            auth=(website.write_key, ""),
        )
        assert r.json()["stored"] == 1
        assert api.get(f"{server}/api/customers/{user}").json()["customer_id"] == user
