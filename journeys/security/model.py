"""The tables of users, sign-in sessions, API tokens and the audit log, and their public shapes.

Secrets are never stored: a password as its argon2 hash, a session or token as the SHA-256 of
the random value the holder keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from journeys.security.roles import Permission, Role
from journeys.store.operational import Base


class UserRow(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    teams: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    pii: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login: Mapped[datetime | None] = mapped_column(DateTime)


class SessionRow(Base):
    __tablename__ = "user_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        String(80), ForeignKey("users.username", ondelete="CASCADE"), index=True
    )
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    seen_at: Mapped[datetime] = mapped_column(DateTime)


class TokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to recognise a token
    role: Mapped[str] = mapped_column(String(20))
    teams: Mapped[str] = mapped_column(Text, default="")
    pii: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class AdminAuditRow(Base):
    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(120))
    target: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON, never a secret


class User(BaseModel):
    """A person who signs in to the web UI."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    role: Role
    teams: list[str]
    pii: bool
    active: bool
    locked_until: datetime | None
    created_at: datetime
    last_login: datetime | None


class ApiToken(BaseModel):
    """A token for programs calling the API, scoped by a role; its secret is shown once."""

    id: int
    name: str
    prefix: str
    role: Role
    teams: list[str]
    pii: bool
    created_by: str
    created_at: datetime
    last_used: datetime | None
    revoked_at: datetime | None


class NewToken(ApiToken):
    """A token just created: the only time its secret is returned."""

    token: str


class AuditEntry(BaseModel):
    """One administrative action: who did what to which object, when."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, object]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in user or an API token, with what they may do."""

    name: str  # "alice" or "token:ci-export"
    kind: str  # "user" | "token"
    role: Role
    permissions: frozenset[Permission]
    teams: tuple[str, ...] = ()
    csrf: str | None = None  # set for browser sessions: unsafe requests must echo it
    session: str | None = field(default=None, repr=False)  # the session's hash, for sign-out

    def may(self, permission: Permission) -> bool:
        """Whether this caller holds a permission."""
        return permission in self.permissions


def split_teams(text: str) -> list[str]:
    """Teams stored comma-separated, as a list."""
    return [t for t in (p.strip() for p in text.split(",")) if t]
