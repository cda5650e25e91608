"""The HTTP API of users, API tokens and the audit log (admins), and ``/api/me`` (anyone)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from journeys.api.deps import workspace_of
from journeys.security import accounts, audit
from journeys.security.http import actor_of, principal_of
from journeys.security.model import ApiToken, AuditEntry, NewToken, User
from journeys.security.roles import Permission, Role
from journeys.store.operational import MAX_ROW_ID

router = APIRouter(tags=["users and access"])


class Me(BaseModel):
    """Who the caller is and what they may do."""

    name: str
    kind: str
    role: Role
    permissions: list[Permission]
    teams: list[str]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=accounts.MIN_PASSWORD, max_length=1000)
    role: Role
    teams: list[str] = Field(default_factory=list, max_length=50)
    pii: bool = False


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    teams: list[str] | None = Field(default=None, max_length=50)
    pii: bool | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=accounts.MIN_PASSWORD, max_length=1000)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    role: Role
    teams: list[str] = Field(default_factory=list, max_length=50)
    pii: bool = False


@router.get("/api/me", response_model=Me)
def me(request: Request) -> Me:
    """The caller: name, role, permissions and teams."""
    p = principal_of(request)
    granted = sorted(p.permissions)
    return Me(name=p.name, kind=p.kind, role=p.role, permissions=granted, teams=list(p.teams))


@router.get("/api/users", response_model=list[User])
def list_users(request: Request) -> list[User]:
    """Every user."""
    return accounts.users(workspace_of(request))


@router.post("/api/users", response_model=User, status_code=201)
async def create_user(request: Request, body: NewUser) -> User:
    """Add a user with a role (and teams, and a personal-data grant for an analyst)."""
    return await run_in_threadpool(
        accounts.create_user,
        workspace_of(request),
        body.username,
        body.password,
        body.role,
        actor_of(request),
        body.teams,
        body.pii,
    )


@router.get("/api/users/{username}", response_model=User)
def get_user(request: Request, username: str) -> User:
    """One user."""
    return accounts.user(workspace_of(request), username)


@router.patch("/api/users/{username}", response_model=User)
async def change_user(request: Request, username: str, body: UserChange) -> User:
    """Change a user's role, teams, grant, activity or password (their sessions end)."""
    return await run_in_threadpool(
        accounts.update_user,
        workspace_of(request),
        username,
        actor_of(request),
        body.role,
        body.teams,
        body.pii,
        body.active,
        body.password,
    )


@router.post("/api/users/{username}/unlock", response_model=User)
def unlock_user(request: Request, username: str) -> User:
    """Lift a lock-out after failed sign-ins."""
    return accounts.unlock(workspace_of(request), username, actor_of(request))


@router.get("/api/tokens", response_model=list[ApiToken])
def list_tokens(request: Request) -> list[ApiToken]:
    """Every API token (never their secrets)."""
    return accounts.tokens(workspace_of(request))


@router.post("/api/tokens", response_model=NewToken, status_code=201)
def create_token(request: Request, body: TokenRequest) -> NewToken:
    """A new API token scoped by a role; the secret is in this answer only."""
    return accounts.create_token(
        workspace_of(request), body.name, body.role, actor_of(request), body.teams, body.pii
    )


@router.delete("/api/tokens/{name}", response_model=ApiToken)
def revoke_token(request: Request, name: str) -> ApiToken:
    """Revoke a token."""
    return accounts.revoke_token(workspace_of(request), name, actor_of(request))


@router.get("/api/audit", response_model=list[AuditEntry])
def audit_log(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    actor: str | None = Query(None, max_length=120),
    since: datetime | None = None,
    before_id: int | None = Query(None, ge=1, le=MAX_ROW_ID),
) -> list[AuditEntry]:
    """Administrative actions, newest first."""
    return audit.entries(workspace_of(request), limit, actor, since, before_id)
