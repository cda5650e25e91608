"""Authentication and authorisation of every HTTP request.

``authorise`` is a dependency of the whole application: it finds the rule of the route the
request matched (``policy.rule_for``), works out who is calling, and refuses with 401 (no or
unknown credentials; a browser is sent to the sign-in page) or 403 (a role without the
permission, a write key outside the tracking API, a missing CSRF token).

Callers prove who they are with one of:

- the session cookie of a web sign-in; then every request that changes something must echo
  the session's CSRF token in the ``X-CSRF-Token`` header or a ``csrf_token`` form field;
- an API token: ``Authorization: Bearer jrn_…``, or HTTP Basic with the token as password.

``AuditMiddleware`` writes each successful change through an audited route to the audit log.
"""

from __future__ import annotations

import base64
import hmac
from typing import Any

from fastapi import Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from journeys.api.deps import workspace_of
from journeys.errors import JourneysError
from journeys.security import accounts, audit, policy
from journeys.security.model import Principal
from journeys.security.roles import ROLE_PERMISSIONS, Permission
from journeys.workspace import Workspace

SESSION_COOKIE = "journeys_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class Unauthenticated(JourneysError):
    status = 401
    code = "unauthenticated"


class Forbidden(JourneysError):
    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


async def authorise(request: Request) -> None:
    """Let the request through to its route, or refuse it (see the module's docstring)."""
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    rule = policy.rule_for(template)
    need = rule.need(request.method) if rule is not None else ()
    if need == policy.PUBLIC:
        return
    principal = caller(request)
    if principal is None:
        raise Unauthenticated("sign in, or send an API token as 'Authorization: Bearer <token>'")
    request.state.principal = principal
    if isinstance(need, tuple) and not any(principal.may(p) for p in need):
        raise Forbidden(_refusal(principal, request.method, template, need))
    if principal.csrf is not None and request.method not in policy.SAFE_METHODS:
        await _check_csrf(request, principal.csrf)


def caller(request: Request) -> Principal | None:
    """Who sent the request, from its token or session cookie; None when nobody known.

    A source's write key is refused outright: it may only send events.
    """
    ws = workspace_of(request)
    secret = bearer_secret(request.headers.get("authorization"))
    if secret is not None:
        principal = accounts.token_principal(ws, secret)
        if principal is None and ws.operational.source_for_key(secret) is not None:
            raise Forbidden("a source's write key can only send events to the tracking API (/v1)")
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    return accounts.session_principal(ws, cookie) if cookie else None


def bearer_secret(header: str | None) -> str | None:
    """The secret of an ``Authorization`` header: a Bearer token or HTTP Basic's password
    (or its user name when the password is empty, as Segment's clients send a write key)."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        user, _, password = decoded.partition(":")
        return password or user or None
    return None


def signed_in(request: Request) -> Principal | None:
    """The caller of a request ``authorise`` has seen, or None (a public route's caller)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal


def may_open(request: Request, template: str) -> bool:
    """Whether the caller may read a route (the navigation shows only these)."""
    principal, rule = signed_in(request), policy.rule_for(template)
    if principal is None or rule is None:
        return False
    need = rule.need("GET")
    return not isinstance(need, tuple) or any(principal.may(p) for p in need)


def csrf_field(request: Request) -> Markup:
    """The hidden form field that carries the session's CSRF token (empty without one)."""
    principal = signed_in(request)
    if principal is None or principal.csrf is None:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, principal.csrf)


def principal_of(request: Request) -> Principal:
    """The caller that ``authorise`` let through (routes behind a sign-in only)."""
    principal: Principal = request.state.principal
    return principal


def team_scope(request: Request) -> list[str] | None:
    """The teams whose tickets the caller may see, or None for all (an admin, or a caller
    given no teams)."""
    principal = principal_of(request)
    if principal.may(Permission.ADMIN) or not principal.teams:
        return None
    return list(principal.teams)


def check_team(request: Request, team: str) -> None:
    """Refuse a ticket of a team the caller does not work in."""
    scope = team_scope(request)
    if scope is not None and team not in scope:
        raise Forbidden(
            f"this ticket belongs to the team {team!r}; {principal_of(request).name} works in "
            + ", ".join(scope)
        )


def actor_of(request: Request) -> str:
    """The name the audit log gives the caller."""
    return principal_of(request).name


def note(request: Request, **detail: Any) -> None:
    """Add details to the audit entry of this request (never a secret)."""
    current = getattr(request.state, "audit_detail", None) or {}
    request.state.audit_detail = {**current, **detail}


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed(
            "this change came without the page's CSRF token; reload the page and try again"
        )


def _refusal(principal: Principal, method: str, template: str, need: policy.Need) -> str:
    if not need:
        return f"{method} {template} is not open to any role"
    names = " or ".join(p.value for p in need if isinstance(p, Permission))
    roles = [r.value for r, granted in ROLE_PERMISSIONS.items() if any(p in granted for p in need)]
    holders = f"only {roles[0]} has" if len(roles) == 1 else f"{', '.join(roles)} have"
    return (
        f"{principal.name} ({principal.role.value}) may not {method} {template}: "
        f"it needs the {names} permission, which {holders}"
    )


class AuditMiddleware:
    """Writes every successful change through an audited route to the audit log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in policy.SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500

        async def remember(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, remember)
        principal = scope.get("state", {}).get("principal")
        route = scope.get("route")
        if principal is None or route is None or status >= 400:
            return
        rule = policy.rule_for(route.path)
        if rule is None or not rule.audit:
            return
        ws: Workspace = scope["app"].state.workspace
        detail = {"method": scope["method"], "route": route.path, "status": status}
        detail |= {k: str(v) for k, v in scope.get("path_params", {}).items()}
        detail |= scope["state"].get("audit_detail") or {}
        await run_in_threadpool(audit.record, ws, principal.name, route.name, scope["path"], detail)
