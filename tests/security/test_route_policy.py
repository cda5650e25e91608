"""Authorisation everywhere: every route of the app, taken from the OpenAPI document and the
web router, refuses an anonymous caller and every role too small for it, and opens to a role
that holds its permission. The public routes are listed here, so opening one is a decision."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from journeys.api.app import create_app
from journeys.security import policy
from journeys.security.roles import ROLE_PERMISSIONS, Permission, Role
from journeys.workspace import Workspace

from serving import role_headers

PUBLIC_ROUTES = {
    ("GET", "/v1/health"),
    ("POST", "/v1/batch"),
    ("POST", "/v1/{message_type}"),
    ("GET", "/s/{token}"),
    ("POST", "/s/{token}"),
    ("POST", "/api/surveys/answers"),
    ("GET", "/login"),
    ("POST", "/login"),
}


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, template) of every route: the API's from its OpenAPI document, the pages'
    from the router (they are left out of the document)."""
    found = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    for ctx in iter_route_contexts(app.routes):
        if ctx.methods and ctx.path and not ctx.path.startswith(("/openapi", "/docs", "/redoc")):
            found |= {(m, ctx.path) for m in ctx.methods if m != "HEAD"}
    return sorted(found)


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "sample", template)


@pytest.fixture(scope="module")
def app_and_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Workspace]]:
    ws = Workspace.init(tmp_path_factory.mktemp("policy") / "ws")
    with TestClient(create_app(ws)) as client:
        yield client, ws
    ws.close()


def test_the_route_table_is_walked_whole(app_and_ws: tuple[TestClient, Workspace]) -> None:
    client, _ = app_and_ws
    table = routes(client.app)  # type: ignore[arg-type]
    assert len(table) > 100
    assert ("GET", "/api/customers/{customer_id}/next-best-action") in table  # API
    assert ("GET", "/agent/{customer_id}") in table  # a page, not in the OpenAPI document
    for method, template in table:  # every route has a rule, and only the listed are public
        rule = policy.rule_for(template)
        assert rule is not None, f"{method} {template} has no rule in journeys/security/policy.py"
        is_public = rule.need(method) == policy.PUBLIC
        assert is_public == ((method, template) in PUBLIC_ROUTES), (method, template)


def test_every_route_refuses_an_anonymous_caller(app_and_ws: tuple[TestClient, Workspace]) -> None:
    client, _ = app_and_ws
    checked = 0
    for method, template in routes(client.app):  # type: ignore[arg-type]
        if (method, template) in PUBLIC_ROUTES:
            continue
        url = concrete(template)
        api = client.request(method, url, headers={"accept": "application/json"})
        assert api.status_code == 401, (method, template, api.text)
        assert api.json()["error"]["code"] == "unauthenticated"
        page = client.request(method, url, headers={"accept": "text/html"}, follow_redirects=False)
        if template.startswith("/api/"):
            assert page.status_code == 401, (method, template)
        else:  # a browser is sent to sign in, and back here after
            assert page.status_code == 303, (method, template, page.text)
            assert page.headers["location"].startswith("/login?next=%2F")
        checked += 1
    assert checked > 100


def _satisfies(role: Role, need: policy.Need) -> bool:
    return not isinstance(need, tuple) or any(p in ROLE_PERMISSIONS[role] for p in need)


def test_every_route_refuses_a_role_too_small_and_opens_to_one_large_enough(
    app_and_ws: tuple[TestClient, Workspace],
) -> None:
    client, ws = app_and_ws
    refused = opened = 0
    for method, template in routes(client.app):  # type: ignore[arg-type]
        rule = policy.rule_for(template)
        assert rule is not None
        need = rule.need(method)
        if need == policy.PUBLIC:
            continue
        for role in Role:
            response = client.request(
                method, concrete(template), headers=role_headers(ws, role.value)
            )
            code = _code(response)
            if _satisfies(role, need):
                # Past the guard: the route itself answers (a 404 for "sample" is fine).
                assert code not in ("unauthenticated", "forbidden", "csrf_failed"), (
                    role,
                    method,
                    template,
                    response.text,
                )
                assert response.status_code < 500, (role, method, template, response.text)
                opened += 1
            else:
                assert response.status_code == 403, (role, method, template, response.text)
                assert code == "forbidden"
                assert role.value in response.json()["error"]["message"]
                refused += 1
    assert refused > 150 and opened > 150


def test_analysts_reach_personal_data_only_when_granted(
    app_and_ws: tuple[TestClient, Workspace],
) -> None:
    client, ws = app_and_ws
    url = "/api/customers/nobody"
    plain = client.get(url, headers=role_headers(ws, "analyst"))
    granted = client.get(url, headers=role_headers(ws, "analyst", pii=True))
    assert plain.status_code == 403
    assert granted.status_code == 404  # past the guard: there is no such customer
    me = client.get("/api/me", headers=role_headers(ws, "analyst", pii=True)).json()
    assert Permission.CUSTOMERS.value in me["permissions"]


def test_a_write_key_sends_events_and_reads_nothing(
    app_and_ws: tuple[TestClient, Workspace],
) -> None:
    client, ws = app_and_ws
    key = ws.operational.add_source("policy-site").write_key
    sent = client.post("/v1/track", json={"event": "view", "userId": "u1"}, auth=(key, ""))
    assert sent.status_code == 200
    for url in ("/api/customers/u1", "/api/segments", "/api/me", "/"):
        for headers in ({"Authorization": f"Bearer {key}"}, {}):
            response = client.get(url, headers=headers, auth=(key, "") if not headers else None)
            assert response.status_code == 403, (url, response.text)
            assert "write key can only send events" in response.json()["error"]["message"]


def _code(response: object) -> str | None:
    try:
        body = response.json()  # type: ignore[attr-defined]
    except ValueError:
        return None
    return body.get("error", {}).get("code") if isinstance(body, dict) else None
