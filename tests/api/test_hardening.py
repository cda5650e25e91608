"""HTTP hardening through the real app: security headers, body limits, the write-key rate limit,
and no stack trace in an error."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi import Request, Response
from fastapi.testclient import TestClient

from journeys.api.app import create_app
from journeys.api.hardening import CSP, TokenBuckets
from journeys.store.operational import Source
from journeys.workspace import Workspace

from serving import admin_headers, running_server

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.fixture
def client(ws: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(ws)) as c:
        yield c


def assert_hardened(response: httpx.Response) -> None:
    """The headers every page and API answer carries over plain http."""
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert "camera=()" in response.headers["permissions-policy"]
    assert "strict-transport-security" not in response.headers


def test_security_headers_on_pages_assets_and_the_tracking_api(client: TestClient) -> None:
    health = client.get("/v1/health")
    assert health.status_code == 200
    assert_hardened(health)
    assert "cache-control" not in health.headers
    login = client.get("/login", headers=BROWSER)
    assert login.status_code == 200
    assert_hardened(login)
    redirect = client.get("/", headers=BROWSER, follow_redirects=False)
    assert redirect.status_code == 303  # to the sign-in page
    assert_hardened(redirect)
    css = client.get("/static/journeys.css")
    assert css.status_code == 200
    assert_hardened(css)
    missing = client.get("/static/no-such-file.js")
    assert missing.status_code == 404
    assert_hardened(missing)


def test_api_answers_are_hardened_and_never_cached(client: TestClient, ws: Workspace) -> None:
    response = client.get("/api/surveys", headers=admin_headers(ws))
    assert response.status_code == 200
    assert_hardened(response)
    assert response.headers["cache-control"] == "no-store"
    refused = client.get("/api/surveys")  # no token: refused, hardened all the same
    assert refused.status_code == 401
    assert_hardened(refused)
    assert refused.headers["cache-control"] == "no-store"


def test_strict_transport_security_only_over_https(ws: Workspace) -> None:
    app = create_app(ws)
    with TestClient(app, base_url="https://testserver") as secure:
        response = secure.get("/v1/health")
        assert response.headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(app, base_url="http://testserver") as plain:
        assert "strict-transport-security" not in plain.get("/v1/health").headers


def test_the_survey_form_may_be_framed_by_the_configured_sites(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(ws)) as client:  # by default any site may frame it
        anywhere = client.get("/s/not-a-signed-link?embed=1", headers=BROWSER)
    assert "frame-ancestors" not in anywhere.headers["content-security-policy"]
    assert "x-frame-options" not in anywhere.headers
    monkeypatch.setenv("JOURNEYS_SURVEY_FRAME_ANCESTORS", "https://www.example.com")
    with TestClient(create_app(ws)) as client:
        form = client.get("/s/not-a-signed-link?embed=1", headers=BROWSER)
        staff = client.get("/v1/health")
    assert form.status_code == 403  # a link we did not sign, on an error page in the frame
    csp = form.headers["content-security-policy"]
    assert "frame-ancestors https://www.example.com;" in csp
    assert "script-src 'self';" in csp
    assert "x-frame-options" not in form.headers
    assert "frame-ancestors 'none'" in staff.headers["content-security-policy"]


def test_a_body_over_the_limit_is_refused_with_413_before_routing(client: TestClient) -> None:
    big = b"x" * (1024 * 1024 + 1)
    response = client.post("/api/surveys", content=big, headers={"content-type": "text/plain"})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert "1048576" in error["message"]
    assert_hardened(response)
    page = client.post("/surveys/new", content=big, headers=BROWSER)
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert "payload_too_large" in page.text or "too large" in page.text.lower()


def test_a_streamed_body_is_cut_off_at_the_limit(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOURNEYS_MAX_REQUEST_BYTES", "10000")
    sent = 0

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        nonlocal sent
        for _ in range(1000):
            sent += 1000
            yield b"comment=" + b"x" * 992

    with running_server(ws) as url:
        response = httpx.post(
            f"{url}/s/not-a-signed-link",
            content=chunks(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        small = httpx.post(f"{url}/s/not-a-signed-link", data={"comment": "fine"})
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert small.status_code == 403  # under the limit the route answers: a link we did not sign


def test_tracking_bodies_keep_their_own_limits(client: TestClient, website: Source) -> None:
    # 1.2 MB is over max_request_bytes but the tracking API measures against max_batch_bytes.
    items = [{"type": "track", "userId": "u", "event": "e"}] * 2
    body = json.dumps({"batch": items, "pad": "x" * 1_200_000})
    response = client.post("/v1/batch", content=body, auth=(website.write_key, ""))
    assert response.status_code == 413
    assert "512000" in response.json()["error"]["message"]


@pytest.fixture
def burst_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEYS_INGEST_BURST", "3")
    monkeypatch.setenv("JOURNEYS_INGEST_RATE_PER_SECOND", "0.1")  # one more every 10 s


def test_a_write_key_past_its_burst_gets_429_while_another_key_passes(
    ws: Workspace, website: Source, burst_of_three: None
) -> None:
    app_source = ws.operational.add_source("app", channel="app")
    message = {"userId": "u1", "event": "Viewed"}
    with TestClient(create_app(ws)) as client:
        passed = [
            client.post("/v1/track", json=message, auth=(website.write_key, "")).status_code
            for _ in range(3)
        ]
        refused = client.post("/v1/track", json=message, auth=(website.write_key, ""))
        other = client.post("/v1/track", json=message, auth=(app_source.write_key, ""))
        # The limit is counted before the body is read: not JSON, still 429 rather than 400.
        unread = client.post("/v1/batch", content=b"{not json", auth=(website.write_key, ""))
        # A key sent in the body is counted too, once the body is read.
        in_body = client.post("/v1/batch", json={"batch": [message], "writeKey": website.write_key})
    assert passed == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 10
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"] == {"retry_after": int(refused.headers["retry-after"])}
    assert_hardened(refused)
    assert other.status_code == 200
    assert unread.status_code == 429
    assert in_body.status_code == 429


def test_the_bucket_refills_at_its_rate_up_to_the_burst() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=3.0, clock=lambda: now[0])
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == pytest.approx(0.5)
    now[0] = 0.5  # one token back
    assert buckets.take("k") == 0.0
    assert buckets.take("k") > 0.0
    now[0] = 100.0  # never more than the burst
    assert [buckets.take("k") for _ in range(4)][-1] > 0.0
    assert buckets.take("other") == 0.0


def test_the_bucket_grants_exactly_its_burst_to_concurrent_threads() -> None:
    buckets = TokenBuckets(rate=1e-9, burst=500.0)
    granted: list[int] = []

    def hammer() -> None:
        granted.append(sum(1 for _ in range(200) if buckets.take("k") == 0.0))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 500


def test_many_keys_do_not_grow_the_buckets_without_bound() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=1.0, burst=10.0, clock=lambda: now[0], max_keys=100)
    for i in range(1000):
        buckets.take(f"key-{i}")
    assert len(buckets._buckets) <= 100
    assert buckets.take("key-999") == 0.0  # a recent key keeps its bucket, with tokens left


def test_an_unexpected_error_shows_no_stack_trace(ws: Workspace) -> None:
    app = create_app(ws)

    async def broken(request: Request) -> Response:
        raise RuntimeError("secret internals /home/app/journeys/store.py line 42")

    # A bare route (outside the route policy) that fails as a bug would, wherever it is.
    app.add_route("/broken-for-test", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/broken-for-test")
        page = client.get("/broken-for-test", headers=BROWSER)
    assert api.status_code == 500
    internal = {"code": "internal", "message": "internal error", "details": None}
    assert api.json() == {"error": internal}
    assert page.status_code == 500
    for text in (api.text, page.text):
        assert "Traceback" not in text
        assert "secret internals" not in text
        assert "RuntimeError" not in text
    assert_hardened(api)  # the 500 answer comes from outside the routes and still has them
    assert_hardened(page)


@pytest.mark.parametrize(
    "body",
    [
        b'{"batch": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",  # deeper than the parser goes
        b'{"batch": [{"type": "track", "event": "e", "userId": "u", "n": 1' + b"0" * 5000 + b"}]}",
    ],
    ids=["nested-too-deeply", "integer-of-5000-digits"],
)
def test_tracking_bodies_that_crashed_the_parser_are_malformed_json(
    ws: Workspace, website: Source, body: bytes
) -> None:
    with TestClient(create_app(ws), raise_server_exceptions=False) as client:
        response = client.post("/v1/batch", content=body, auth=(website.write_key, ""))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
