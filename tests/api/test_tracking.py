"""The Segment-compatible tracking API, driven by real clients against a real server."""

from __future__ import annotations

import gzip
import json
import logging
import uuid

import httpx
import pytest
from rudderstack.analytics.client import Client as RudderClient
from segment.analytics.client import Client as SegmentClient

from journeys.store.operational import Source
from journeys.workspace import Workspace


def rows(ws: Workspace, sql: str) -> list[tuple]:
    ws.events.sync()
    return ws.events.reader().execute(sql).fetchall()


def test_the_segment_python_client_sends_every_call_type(
    server: str, website: Source, ws: Workspace
) -> None:
    errors: list[Exception] = []
    client = SegmentClient(
        website.write_key, host=server, sync_mode=True, on_error=lambda e, b: errors.append(e)
    )
    client.identify("alice", {"email": "alice@example.com", "plan": "pro"}, anonymous_id="dev-1")
    client.track("alice", "Order Completed", {"revenue": 42.5, "currency": "EUR"})
    client.page(None, "Docs", "Mortgage calculator", {"path": "/mortgage"}, anonymous_id="dev-2")
    client.screen("alice", "App", "Home")
    client.group("alice", "acme", {"name": "Acme"})
    client.alias("alice", "crm-1")
    client.flush()
    assert errors == []
    stored = rows(
        ws, "SELECT type, event, user_id, anonymous_id, channel, source FROM events ORDER BY seq"
    )
    assert stored == [
        ("identify", "identify", "alice", "dev-1", "web", "website"),
        ("track", "Order Completed", "alice", None, "web", "website"),
        ("page", "Mortgage calculator", None, "dev-2", "web", "website"),
        ("screen", "Home", "alice", None, "web", "website"),
        ("group", "group", "alice", None, "web", "website"),
        ("alias", "alias", "crm-1", None, "web", "website"),
    ]
    props = rows(ws, "SELECT properties->>'$.currency' FROM events WHERE type = 'track'")
    assert props == [("EUR",)]


def test_the_segment_client_in_batching_mode_with_gzip(
    server: str, website: Source, ws: Workspace
) -> None:
    client = SegmentClient(website.write_key, host=server, gzip=True, upload_size=50)
    for i in range(120):
        client.track(f"user-{i % 7}", "Product Viewed", {"i": i})
    client.flush()
    client.join()
    assert rows(ws, "SELECT count(*), count(DISTINCT user_id) FROM events") == [(120, 7)]


def test_the_rudderstack_client_sends_gzipped_batches(
    server: str, website: Source, ws: Workspace
) -> None:
    client = RudderClient(website.write_key, host=server, sync_mode=True)
    client.track("bob", "Signed Up", {"plan": "free"})
    client.identify("bob", {"email": "bob@example.com"})
    client.flush()
    assert rows(ws, "SELECT type, user_id FROM events ORDER BY seq") == [
        ("track", "bob"),
        ("identify", "bob"),
    ]


def post(server: str, path: str, body: object, key: str | None, **kw: object) -> httpx.Response:
    auth = (key, "") if key else None
    return httpx.post(f"{server}{path}", json=body, auth=auth, **kw)  # type: ignore[arg-type]


def test_a_batch_keeps_the_good_items_and_names_each_bad_one(
    server: str, website: Source, ws: Workspace
) -> None:
    batch = [
        {"type": "track", "event": "ok-1", "userId": "u1"},
        {"type": "track", "userId": "u1"},
        {"type": "track", "event": "ok-2", "anonymousId": "a1", "properties": "not an object"},
        {"type": "teleport", "userId": "u1"},
        {"type": "identify", "traits": {"x": 1}},
        {"type": "track", "event": "ok-3", "userId": 7, "timestamp": "yesterday"},
        {"type": "page", "anonymousId": "a2", "name": "Home"},
    ]
    r = post(server, "/v1/batch", {"batch": batch}, website.write_key)
    assert r.status_code == 200
    body = r.json()
    assert (body["success"], body["stored"], body["duplicates"]) == (True, 2, 0)
    refused = [(e["index"], e["field"]) for e in body["errors"]]
    assert refused == [(1, "event"), (2, "properties"), (3, "type"), (4, None), (5, "timestamp")]
    assert "userId or anonymousId" in body["errors"][3]["message"]
    assert rows(ws, "SELECT event FROM events ORDER BY seq") == [("ok-1",), ("Home",)]


def test_a_resent_batch_is_stored_once(server: str, website: Source, ws: Workspace) -> None:
    batch = {"batch": [{"type": "track", "event": "e", "userId": "u", "messageId": "m-1"}]}
    first = post(server, "/v1/batch", batch, website.write_key).json()
    again = post(server, "/v1/batch", batch, website.write_key).json()
    assert (first["stored"], again["stored"], again["duplicates"]) == (1, 0, 1)


def test_write_key_in_the_body_and_refusals_without_a_valid_key(
    server: str, website: Source
) -> None:
    msg = {"event": "e", "userId": "u"}
    assert (
        post(server, "/v1/track", {**msg, "writeKey": website.write_key}, None).status_code == 200
    )
    missing = post(server, "/v1/track", msg, None)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    assert post(server, "/v1/track", msg, "wrong-key").json()["error"]["message"] == (
        "unknown write key"
    )


def test_size_limits_answer_413(server: str, website: Source, ws: Workspace) -> None:
    big = {"event": "e", "userId": "u", "properties": {"blob": "x" * 40_000}}
    r = post(server, "/v1/track", big, website.write_key)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    huge = {"batch": [{"type": "track", "event": "e", "userId": "u"}] * 20_000}
    assert post(server, "/v1/batch", huge, website.write_key).status_code == 413
    # Inside a batch, one oversized message is refused on its own.
    mixed = {"batch": [big | {"type": "track"}, {"type": "track", "event": "small", "userId": "u"}]}
    body = post(server, "/v1/batch", mixed, website.write_key).json()
    assert body["stored"] == 1 and body["errors"][0]["code"] == "event_too_large"
    # A gzip body is measured inflated: a small zip of a huge body is refused.
    bomb = gzip.compress(json.dumps({"batch": [], "pad": "0" * 5_000_000}).encode())
    r = httpx.post(
        f"{server}/v1/batch",
        content=bomb,
        auth=(website.write_key, ""),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert rows(ws, "SELECT count(*) FROM events") == [(1,)]


@pytest.mark.parametrize(
    ("content", "code", "status"),
    [
        (b"{not json", "malformed_json", 400),
        (b"[1, 2]", "malformed_json", 400),
        (b'{"batch": "nope"}', "malformed_json", 400),
        (b'{"batch": [{"type": "track"}]}', "event_invalid", 422),
    ],
)
def test_malformed_bodies_get_a_clear_error(
    server: str, website: Source, content: bytes, code: str, status: int
) -> None:
    r = httpx.post(f"{server}/v1/batch", content=content, auth=(website.write_key, ""))
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)
    assert r.json()["error"]["message"]


def test_a_single_invalid_message_is_refused_with_the_field(server: str, website: Source) -> None:
    r = post(server, "/v1/alias", {"userId": "u"}, website.write_key)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "event_invalid"
    assert error["details"][0]["field"] == "previousId"


def test_client_clock_skew_is_corrected_from_sent_at(
    server: str, website: Source, ws: Workspace
) -> None:
    # The client's clock runs one hour ahead: its timestamp and sentAt are both an hour late.
    msg = {
        "type": "track",
        "event": "e",
        "userId": "u",
        "messageId": str(uuid.uuid4()),
        "timestamp": "2030-01-01T11:00:00Z",
    }
    post(server, "/v1/batch", {"batch": [msg], "sentAt": "2030-01-01T11:00:05Z"}, website.write_key)
    [(ts, original, received)] = rows(
        ws, "SELECT timestamp, original_timestamp, received_at FROM events"
    )
    assert str(original) == "2030-01-01 11:00:00"
    # Corrected by the 5 s the client's clock showed between sending and its event; the log
    # stamps received_at when it commits, a moment after the correction was computed.
    assert 5 <= (received - ts).total_seconds() < 6


def test_health_and_openapi(server: str, website: Source) -> None:
    assert httpx.get(f"{server}/v1/health").json() == {"status": "ok", "last_seq": 0}
    spec = httpx.get(f"{server}/openapi.json").json()
    for path in ("/v1/batch", "/v1/{message_type}", "/api/customers/{customer_id}"):
        assert path in spec["paths"]


@pytest.fixture(autouse=True)
def _quiet_clients() -> None:
    # The clients log their retries at WARNING; the tests assert on outcomes instead.
    logging.getLogger("segment").setLevel(logging.ERROR)
    logging.getLogger("rudderstack").setLevel(logging.ERROR)
