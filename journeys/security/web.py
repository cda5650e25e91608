"""Signing in and out of the web UI, and the administration page (users, tokens, audit)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from journeys import config
from journeys.api.deps import workspace_of
from journeys.errors import JourneysError
from journeys.security import accounts, audit
from journeys.security.http import SESSION_COOKIE, Forbidden, actor_of, principal_of, signed_in
from journeys.security.roles import ROLE_HELP, Role, parse_role
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    return _page(request, "login.html", "", next=_safe_next(next), error=None, username="")


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password, set the session cookie and go where the user was heading."""
    _same_origin(request)
    ws = workspace_of(request)
    try:
        secret, _ = await run_in_threadpool(accounts.sign_in, ws, username, password)
    except (accounts.SignInFailed, accounts.LockedOut) as exc:
        return _page(
            request,
            "login.html",
            "",
            status_code=exc.status,
            next=_safe_next(next),
            error=exc.message,
            username=username,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(float(config.get("session_hours")) * 3600),
        httponly=True,
        secure=_secure(request),
        samesite="lax",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session and go back to the sign-in form."""
    principal = principal_of(request)
    if principal.session is not None:
        accounts.sign_out(workspace_of(request), principal.session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    """Users, API tokens and the latest administrative actions."""
    return _admin(request)


@router.post("/admin/users", response_class=HTMLResponse)
def admin_create_user(
    request: Request,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1000)],
    role: Annotated[str, Form(max_length=20)],
    teams: Annotated[str, Form(max_length=1000)] = "",
    pii: Annotated[bool, Form()] = False,
) -> Response:
    """Add a user from the form."""
    ws, actor = workspace_of(request), actor_of(request)
    return _acting(
        request,
        lambda: accounts.create_user(
            ws, username, password, parse_role(role), actor, teams.split(","), pii
        ),
        f"User {username} created.",
    )


@router.post("/admin/users/{username}", response_class=HTMLResponse)
def admin_update_user(
    request: Request,
    username: str,
    role: Annotated[str, Form(max_length=20)],
    teams: Annotated[str, Form(max_length=1000)] = "",
    pii: Annotated[bool, Form()] = False,
    active: Annotated[bool, Form()] = False,
) -> Response:
    """Change a user's role, teams, grant or activity from the form."""
    ws, actor = workspace_of(request), actor_of(request)
    if username == actor and (not active or role != Role.ADMIN.value):
        raise Forbidden("an admin cannot demote or deactivate themself; ask another admin")
    return _acting(
        request,
        lambda: accounts.update_user(
            ws, username, actor, parse_role(role), teams.split(","), pii, active
        ),
        f"User {username} updated.",
    )


@router.post("/admin/users/{username}/unlock", response_class=HTMLResponse)
def admin_unlock(request: Request, username: str) -> Response:
    """Lift a lock-out."""
    ws, actor = workspace_of(request), actor_of(request)
    return _acting(request, lambda: accounts.unlock(ws, username, actor), f"{username} unlocked.")


@router.post("/admin/tokens", response_class=HTMLResponse)
def admin_create_token(
    request: Request,
    name: Annotated[str, Form(max_length=80)],
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    """Create an API token and show its secret, once."""
    ws, actor = workspace_of(request), actor_of(request)
    try:
        token = accounts.create_token(ws, name, parse_role(role), actor)
    except JourneysError as exc:
        return _admin(request, error=exc.message, status_code=exc.status)
    return _admin(request, message=f"Token {name} created.", new_token=token.token)


@router.post("/admin/tokens/{name}/revoke", response_class=HTMLResponse)
def admin_revoke_token(request: Request, name: str) -> Response:
    """Revoke a token."""
    ws, actor = workspace_of(request), actor_of(request)
    return _acting(request, lambda: accounts.revoke_token(ws, name, actor), f"{name} revoked.")


# -- helpers -----------------------------------------------------------------------------------


def _acting(request: Request, action: Any, message: str) -> Response:
    try:
        action()
    except JourneysError as exc:
        return _admin(request, error=exc.message, status_code=exc.status)
    return _admin(request, message=message)


def _admin(request: Request, status_code: int = 200, **context: Any) -> Response:
    ws = workspace_of(request)
    return _page(
        request,
        "admin.html",
        "admin",
        status_code=status_code,
        users=accounts.users(ws),
        tokens=accounts.tokens(ws),
        entries=audit.entries(ws, limit=50),
        roles=ROLE_HELP,
        me=signed_in(request),
        now=ws.clock.now(),
        **context,
    )


def _safe_next(target: str) -> str:
    """Only a path on this site: never another host (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target.replace("\\", "/")


def _secure(request: Request) -> bool:
    setting = config.get("secure_cookies").lower()
    if setting in ("true", "false"):
        return setting == "true"
    return request.url.scheme == "https"


def _same_origin(request: Request) -> None:
    """A sign-in form posted from another site is refused (login CSRF)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise Forbidden(f"a sign-in from another site ({origin}) is refused")
