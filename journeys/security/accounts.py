"""Users, passwords, sign-in sessions and API tokens.

Passwords are hashed with argon2 (argon2-cffi's defaults, the OWASP recommendation). A user
who fails to sign in ``login_max_failures`` times in a row is locked out for
``login_lockout_minutes``. Sessions and tokens are random values whose SHA-256 is stored;
a lookup is cached for a few seconds per process, and any change here clears the cache.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
import time
import weakref
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from journeys import config
from journeys.errors import Conflict, InvalidInput, JourneysError, NotFound
from journeys.security import audit
from journeys.security.model import (
    ApiToken,
    NewToken,
    Principal,
    SessionRow,
    TokenRow,
    User,
    UserRow,
    split_teams,
)
from journeys.security.roles import Role, permissions
from journeys.store.operational import OperationalStore
from journeys.workspace import Workspace

MIN_PASSWORD = 10
_USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,80}")
TOKEN_PREFIX = "jrn_"
CACHE_SECONDS = 5.0
SEEN_EVERY = timedelta(minutes=1)  # a session's last activity is written at most this often

_hasher = PasswordHasher()
# Checked against when the user name is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class SignInFailed(JourneysError):
    status = 401
    code = "sign_in_failed"


class LockedOut(JourneysError):
    status = 423
    code = "locked_out"


def digest(secret: str) -> str:
    """The SHA-256 that stands for a session or token secret in the store."""
    return hashlib.sha256(secret.encode()).hexdigest()


# -- users ------------------------------------------------------------------------------------


def create_user(
    ws: Workspace,
    username: str,
    password: str,
    role: Role,
    actor: str,
    teams: Iterable[str] = (),
    pii: bool = False,
) -> User:
    """Add a user; refused when the name is taken or the password too short."""
    _check_username(username)
    row = UserRow(
        username=username,
        password_hash=_hash(password),
        role=role.value,
        teams=_join_teams(teams),
        pii=pii,
        active=True,
        failures=0,
        created_at=ws.clock.now(),
    )
    try:
        with Session(ws.operational.engine) as session, session.begin():
            session.add(row)
            session.flush()
            user = _user(row)
    except IntegrityError as exc:
        raise Conflict(f"a user named {username!r} already exists") from exc
    detail = {"role": role.value, "teams": user.teams, "pii": pii}
    audit.record(ws, actor, "user.create", f"user:{username}", detail)
    return user


def update_user(
    ws: Workspace,
    username: str,
    actor: str,
    role: Role | None = None,
    teams: Iterable[str] | None = None,
    pii: bool | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, teams, personal-data grant, activity or password."""
    changed: dict[str, object] = {}
    with Session(ws.operational.engine) as session, session.begin():
        row = _user_row(session, username)
        if role is not None and role.value != row.role:
            changed["role"] = f"{row.role} -> {role.value}"
            row.role = role.value
        if teams is not None and _join_teams(teams) != row.teams:
            row.teams = _join_teams(teams)
            changed["teams"] = split_teams(row.teams)
        if pii is not None and pii != row.pii:
            row.pii = changed["pii"] = pii
        if active is not None and active != row.active:
            row.active = changed["active"] = active
        if password is not None:
            row.password_hash = _hash(password)
            changed["password"] = "changed"
        if changed.get("active") is False or "password" in changed or "role" in changed:
            session.execute(delete(SessionRow).where(SessionRow.username == username))
        user = _user(row)
    if changed:
        audit.record(ws, actor, "user.update", f"user:{username}", changed)
        _forget(ws.operational)
    return user


def unlock(ws: Workspace, username: str, actor: str) -> User:
    """Lift a lock-out and reset the failure count."""
    with Session(ws.operational.engine) as session, session.begin():
        row = _user_row(session, username)
        row.failures, row.locked_until = 0, None
        user = _user(row)
    audit.record(ws, actor, "user.unlock", f"user:{username}")
    return user


def users(ws: Workspace) -> list[User]:
    """Every user, by name."""
    with Session(ws.operational.engine) as session:
        return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]


def user(ws: Workspace, username: str) -> User:
    """One user by name."""
    with Session(ws.operational.engine) as session:
        return _user(_user_row(session, username))


def demo_admin(ws: Workspace, username: str = "admin") -> str:
    """Give the demo's admin a password (JOURNEYS_ADMIN_PASSWORD, else a fresh random one,
    as the old one cannot be read back) and return it, so the demo can print its login."""
    password = os.environ.get("JOURNEYS_ADMIN_PASSWORD") or secrets.token_urlsafe(9)
    try:
        create_user(ws, username, password, Role.ADMIN, "demo")
    except Conflict:
        update_user(ws, username, "demo", role=Role.ADMIN, active=True, password=password)
        unlock(ws, username, "demo")
    return password


def has_admin(ws: Workspace) -> bool:
    """Whether any active admin exists (the first one is made with ``users create-admin``)."""
    query = select(UserRow.username).where(
        UserRow.role == Role.ADMIN.value, UserRow.active.is_(True)
    )
    with Session(ws.operational.engine) as session:
        return session.scalars(query.limit(1)).first() is not None


# -- signing in -------------------------------------------------------------------------------


def sign_in(ws: Workspace, username: str, password: str) -> tuple[str, Principal]:
    """Check a password and open a session: its secret (for the cookie) and the caller."""
    now = ws.clock.now()
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    principal: Principal | None = None
    locked = False
    with Session(ws.operational.engine) as session, session.begin():
        row = session.get(UserRow, username) if username else None
        if row is None or not row.active:
            _verify(_DUMMY_HASH, password)
            raise SignInFailed("the user name or the password is wrong")
        if row.locked_until is not None and row.locked_until > now:
            raise LockedOut(
                f"too many failed sign-ins: {username} is locked until "
                f"{row.locked_until:%H:%M} UTC; an admin can unlock sooner"
            )
        if _verify(row.password_hash, password):
            row.failures, row.locked_until, row.last_login = 0, None, now
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hash(password)
            key = digest(secret)
            session.add(
                SessionRow(id_hash=key, username=username, csrf=csrf, created_at=now, seen_at=now)
            )
            principal = _user_principal(row, csrf, key)
        else:
            row.failures += 1
            if row.failures >= config.get_int("login_max_failures"):
                minutes = config.get_int("login_lockout_minutes")
                row.locked_until, row.failures, locked = now + timedelta(minutes=minutes), 0, True
    if locked:
        audit.record(ws, "system", "user.locked", f"user:{username}", {"reason": "failures"})
        raise LockedOut(f"too many failed sign-ins: {username} is locked out for a while")
    if principal is None:
        raise SignInFailed("the user name or the password is wrong")
    return secret, principal


def session_principal(ws: Workspace, secret: str) -> Principal | None:
    """The signed-in user a session cookie stands for, or None when it is unknown or idle."""
    key = digest(secret)
    hit, cached = _cache(ws.operational).get("s:" + key)
    if hit:
        return cached
    now = ws.clock.now()
    idle = timedelta(hours=float(config.get("session_hours")))
    with Session(ws.operational.engine) as session, session.begin():
        row = session.get(SessionRow, key)
        person = session.get(UserRow, row.username) if row is not None else None
        if row is None or person is None or not person.active or now - row.seen_at > idle:
            if row is not None:
                session.delete(row)
            principal = None
        else:
            if now - row.seen_at > SEEN_EVERY:
                row.seen_at = now
            principal = _user_principal(person, row.csrf, key)
    _cache(ws.operational).put("s:" + key, principal)
    return principal


def sign_out(ws: Workspace, session_hash: str) -> None:
    """End a session."""
    with Session(ws.operational.engine) as session, session.begin():
        session.execute(delete(SessionRow).where(SessionRow.id_hash == session_hash))
    _forget(ws.operational)


# -- API tokens -------------------------------------------------------------------------------


def create_token(
    ws: Workspace,
    name: str,
    role: Role,
    actor: str,
    teams: Iterable[str] = (),
    pii: bool = False,
) -> NewToken:
    """A new API token for a program; the secret is in the result and nowhere else."""
    if not name or len(name) > 80:
        raise InvalidInput("a token name must have 1 to 80 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = TokenRow(
        name=name,
        token_hash=digest(secret),
        prefix=secret[:10],
        role=role.value,
        teams=_join_teams(teams),
        pii=pii,
        created_by=actor[:120],
        created_at=ws.clock.now(),
    )
    try:
        with Session(ws.operational.engine) as session, session.begin():
            session.add(row)
            session.flush()
            token = NewToken(**_token(row).model_dump(), token=secret)
    except IntegrityError as exc:
        raise Conflict(f"a token named {name!r} already exists") from exc
    audit.record(ws, actor, "token.create", f"token:{name}", {"role": role.value, "pii": pii})
    return token


def revoke_token(ws: Workspace, name: str, actor: str) -> ApiToken:
    """Revoke a token at once (other processes notice within a few seconds)."""
    with Session(ws.operational.engine) as session, session.begin():
        row = session.scalars(select(TokenRow).where(TokenRow.name == name)).first()
        if row is None:
            raise NotFound(f"no token named {name!r}")
        if row.revoked_at is None:
            row.revoked_at = ws.clock.now()
        token = _token(row)
    audit.record(ws, actor, "token.revoke", f"token:{name}")
    _forget(ws.operational)
    return token


def tokens(ws: Workspace) -> list[ApiToken]:
    """Every token, revoked ones included, by name."""
    with Session(ws.operational.engine) as session:
        return [_token(r) for r in session.scalars(select(TokenRow).order_by(TokenRow.name))]


def token_principal(ws: Workspace, secret: str) -> Principal | None:
    """The caller an API token stands for, or None when it is unknown or revoked."""
    key = digest(secret)
    hit, cached = _cache(ws.operational).get("t:" + key)
    if hit:
        return cached
    with Session(ws.operational.engine) as session, session.begin():
        row = session.scalars(select(TokenRow).where(TokenRow.token_hash == key)).first()
        principal = None
        if row is not None and row.revoked_at is None:
            principal = Principal(
                name=f"token:{row.name}",
                kind="token",
                role=Role(row.role),
                permissions=permissions(Role(row.role), row.pii),
                teams=tuple(split_teams(row.teams)),
            )
            session.execute(
                update(TokenRow).where(TokenRow.id == row.id).values(last_used=ws.clock.now())
            )
    _cache(ws.operational).put("t:" + key, principal)
    return principal


# -- helpers ----------------------------------------------------------------------------------


class _TtlCache:
    """Lookups of the last few seconds (None, an unknown secret, is an answer too)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, Principal | None]:
        """(whether the key is cached, the caller it stands for)."""
        with self._lock:
            item = self._items.get(key)
        if item is None or item[1] < time.monotonic():
            return False, None
        return True, item[0]

    def put(self, key: str, value: Principal | None) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = (value, time.monotonic() + CACHE_SECONDS)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_caches: weakref.WeakKeyDictionary[OperationalStore, _TtlCache] = weakref.WeakKeyDictionary()


def _cache(store: OperationalStore) -> _TtlCache:
    cache = _caches.get(store)
    if cache is None:
        cache = _caches[store] = _TtlCache()
    return cache


def _forget(store: OperationalStore) -> None:
    _cache(store).clear()


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_username(username: str) -> None:
    if not _USERNAME.fullmatch(username):
        raise InvalidInput("a user name has 1 to 80 letters, digits, '.', '-', '_' or '@'")


def _join_teams(teams: Iterable[str]) -> str:
    names = [t.strip() for t in teams if t.strip()]
    if any("," in t for t in names):
        raise InvalidInput("a team name cannot contain a comma")
    return ",".join(dict.fromkeys(names))


def _user_row(session: Session, username: str) -> UserRow:
    row = session.get(UserRow, username)
    if row is None:
        raise NotFound(f"no user named {username!r}")
    return row


def _user(row: UserRow) -> User:
    return User(
        username=row.username,
        role=Role(row.role),
        teams=split_teams(row.teams),
        pii=row.pii,
        active=row.active,
        locked_until=row.locked_until,
        created_at=row.created_at,
        last_login=row.last_login,
    )


def _user_principal(row: UserRow, csrf: str, session_hash: str) -> Principal:
    role = Role(row.role)
    return Principal(
        name=row.username,
        kind="user",
        role=role,
        permissions=permissions(role, row.pii),
        teams=tuple(split_teams(row.teams)),
        csrf=csrf,
        session=session_hash,
    )


def _token(row: TokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        role=Role(row.role),
        teams=split_teams(row.teams),
        pii=row.pii,
        created_by=row.created_by,
        created_at=row.created_at,
        last_used=row.last_used,
        revoked_at=row.revoked_at,
    )
