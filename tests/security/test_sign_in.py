"""Signing in to the web UI: argon2 hashes, the session cookie, CSRF, sign-out, lock-out,
idle expiry, safe redirects; and API tokens created, used and revoked through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from journeys.api.app import create_app
from journeys.clock import FixedClock
from journeys.security.model import UserRow
from journeys.workspace import Workspace

from serving import TEST_PASSWORD, admin_headers, role_headers, test_user

HTML = {"accept": "text/html"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 1, 9, 0))


@pytest.fixture
def timed_ws(tmp_path: Path, clock: FixedClock) -> Iterator[Workspace]:
    ws = Workspace.init(tmp_path / "ws", clock=clock)
    yield ws
    ws.close()


@pytest.fixture
def browser_client(timed_ws: Workspace) -> Iterator[TestClient]:
    """A client that behaves like a browser: cookies, no token."""
    with TestClient(create_app(timed_ws)) as c:
        yield c


def sign_in(client: TestClient, username: str, password: str = TEST_PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    form = {"username": username, "password": password, "next": "/journeys", **extra}
    return client.post("/login", data=form, headers=HTML, follow_redirects=False)


def csrf_of(client: TestClient) -> str:
    page = client.get("/journeys", headers=HTML).text
    start = page.index('name="csrf-token" content="') + len('name="csrf-token" content="')
    return page[start : page.index('"', start)]


def test_a_user_signs_in_with_a_secure_cookie_and_signs_out(
    browser_client: TestClient, timed_ws: Workspace
) -> None:
    user = test_user(timed_ws, "analyst")
    with Session(timed_ws.operational.engine) as session:
        stored = session.scalars(select(UserRow.password_hash)).one()
    assert stored.startswith("$argon2id$") and TEST_PASSWORD not in stored

    response = sign_in(browser_client, user)
    assert response.status_code == 303 and response.headers["location"] == "/journeys"
    cookie = response.headers["set-cookie"].lower()
    assert "journeys_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    page = browser_client.get("/journeys", headers=HTML)
    assert page.status_code == 200 and user in page.text
    # The navigation shows what an analyst may open, and nothing else.
    assert 'href="/analyse"' in page.text
    assert 'href="/customers"' not in page.text and 'href="/admin"' not in page.text
    assert browser_client.get("/api/me").json()["name"] == user

    out = browser_client.post("/logout", data={"csrf_token": csrf_of(browser_client)})
    assert out.status_code == 200 and "Sign in" in out.text  # back on the sign-in form
    assert browser_client.get("/api/me").status_code == 401


def test_changes_need_the_session_csrf_token(
    browser_client: TestClient, timed_ws: Workspace
) -> None:
    sign_in(browser_client, test_user(timed_ws, "analyst"))
    body = {"description": "", "where": ["did order at least 2 times"]}
    refused = browser_client.put("/api/segments/loyal", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    wrong = browser_client.put("/api/segments/loyal", json=body, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    token = csrf_of(browser_client)
    saved = browser_client.put("/api/segments/loyal", json=body, headers={"X-CSRF-Token": token})
    assert saved.status_code == 200, saved.text
    # A form carries it as a field.
    form = {"csrf_token": token, "name": "again", "conditions": "did order at least 3 times"}
    posted = browser_client.post("/analyse/segments", data=form, headers=HTML)
    assert posted.status_code == 200, posted.text
    names = [s["name"] for s in browser_client.get("/api/segments").json()]
    assert {"loyal", "again"} <= set(names)
    # A token caller needs no CSRF token (a browser never sends it by itself).
    by_token = timed_ws  # same workspace, another caller
    api = TestClient(create_app(by_token), headers=role_headers(by_token, "analyst"))
    assert api.delete("/api/segments/again").status_code in (200, 204)


def test_repeated_failures_lock_a_user_out_until_an_admin_unlocks(
    browser_client: TestClient, timed_ws: Workspace, clock: FixedClock
) -> None:
    user = test_user(timed_ws, "management")
    for _ in range(4):
        failed = sign_in(browser_client, user, "not the password")
        assert failed.status_code == 401 and "wrong" in failed.text
    locked = sign_in(browser_client, user, "still not it")
    assert locked.status_code == 423 and "locked" in locked.text
    # Even the right password is refused while locked.
    assert sign_in(browser_client, user).status_code == 423
    admin = TestClient(create_app(timed_ws), headers=admin_headers(timed_ws))
    listed = {u["username"]: u for u in admin.get("/api/users").json()}
    assert listed[user]["locked_until"] is not None
    log = admin.get("/api/audit").json()
    assert any(e["action"] == "user.locked" and e["target"] == f"user:{user}" for e in log)
    assert admin.post(f"/api/users/{user}/unlock").status_code == 200
    assert sign_in(browser_client, user).status_code == 303
    # The lock also lifts by itself after the lock-out period.
    for _ in range(5):
        sign_in(browser_client, user, "wrong again!")
    assert sign_in(browser_client, user).status_code == 423
    clock.advance(timedelta(minutes=16))
    assert sign_in(browser_client, user).status_code == 303


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(
    browser_client: TestClient, timed_ws: Workspace
) -> None:
    user = test_user(timed_ws, "analyst")
    unknown = sign_in(browser_client, "nobody-here", "whatever-password")
    wrong = sign_in(browser_client, user, "whatever-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "the user name or the password is wrong" in unknown.text
    assert "the user name or the password is wrong" in wrong.text


def test_an_idle_session_expires(
    browser_client: TestClient, timed_ws: Workspace, clock: FixedClock
) -> None:
    sign_in(browser_client, test_user(timed_ws, "governance"))
    assert browser_client.get("/api/me").status_code == 200
    clock.advance(timedelta(hours=13))
    timed_ws.operational  # noqa: B018 - same store; the lookup cache is bypassed below
    from journeys.security import accounts

    accounts._forget(timed_ws.operational)
    assert browser_client.get("/api/me").status_code == 401
    page = browser_client.get("/journeys", headers=HTML, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fjourneys"


def test_sign_in_never_redirects_to_another_site_or_accepts_another_origin(
    browser_client: TestClient, timed_ws: Workspace
) -> None:
    user = test_user(timed_ws, "analyst")
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
        response = sign_in(browser_client, user, next=target)
        assert response.headers["location"] == "/", target
    foreign = browser_client.post(
        "/login",
        data={"username": user, "password": TEST_PASSWORD},
        headers={**HTML, "origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403


def test_changing_a_role_ends_the_users_sessions(
    browser_client: TestClient, timed_ws: Workspace
) -> None:
    user = test_user(timed_ws, "analyst")
    sign_in(browser_client, user)
    assert browser_client.get("/api/me").json()["role"] == "analyst"
    admin = TestClient(create_app(timed_ws), headers=admin_headers(timed_ws))
    changed = admin.patch(f"/api/users/{user}", json={"role": "governance"})
    assert changed.status_code == 200 and changed.json()["role"] == "governance"
    assert browser_client.get("/api/me").status_code == 401
    sign_in(browser_client, user)
    assert browser_client.get("/api/me").json()["role"] == "governance"
    log = admin.get("/api/audit", params={"actor": "token:test-admin"}).json()
    assert log[0]["action"] == "user.update" and log[0]["detail"]["role"] == "analyst -> governance"


def test_api_tokens_are_created_used_and_revoked_through_the_api(timed_ws: Workspace) -> None:
    admin = TestClient(create_app(timed_ws), headers=admin_headers(timed_ws))
    created = admin.post("/api/tokens", json={"name": "bi-export", "role": "analyst"})
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("jrn_")
    listed = admin.get("/api/tokens").json()
    assert "token" not in next(t for t in listed if t["name"] == "bi-export")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert admin.get("/api/me", headers=bearer).json()["name"] == "token:bi-export"
    # HTTP Basic with the token as password works too (curl -u, tools that only do Basic).
    basic = admin.get("/api/me", headers={"Authorization": ""}, auth=("anyone", secret))
    assert basic.status_code == 200
    assert admin.get("/api/gdpr/audit", headers=bearer).status_code == 403
    assert admin.delete("/api/tokens/bi-export").status_code == 200
    assert admin.get("/api/me", headers=bearer).status_code == 401
    bad = admin.post("/api/users", json={"username": "x", "password": "short", "role": "analyst"})
    assert bad.status_code == 422 and "password" in bad.text
    unknown_role = admin.post(
        "/api/users", json={"username": "y", "password": "long enough pw", "role": "boss"}
    )
    assert unknown_role.status_code == 422 and "role" in unknown_role.text
