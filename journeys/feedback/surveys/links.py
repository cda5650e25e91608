"""Survey links: a signed, expiring token per invitation, so only the invited customer answers.

The token carries the survey, the invitation and the expiry, signed with the workspace's
secret (``secret.key`` in the workspace folder, made on first use). A token that was altered
is refused as forged; one past its expiry as expired; both with their own error code.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel

from journeys import config
from journeys.errors import LinkExpired, LinkInvalid
from journeys.workspace import Workspace

SALT = "journeys.survey-link"
SECRET_FILE = "secret.key"


class LinkClaims(BaseModel):
    """What a survey link stands for."""

    survey_id: str
    invitation_id: str
    expires_at: datetime


def workspace_secret(root: Path) -> str:
    """The signing secret: the setting ``signing_secret`` (its environment variable, for
    deployments where several servers must sign alike), else the workspace's own, created
    (readable by the owner only) on first use."""
    configured = config.get("signing_secret").strip()
    if configured:
        return configured
    path = root / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


def _serializer(ws: Workspace) -> URLSafeSerializer:
    return URLSafeSerializer(workspace_secret(ws.root), salt=SALT)


def make_token(ws: Workspace, claims: LinkClaims) -> str:
    """The signed token of a link."""
    expires = int(claims.expires_at.replace(tzinfo=UTC).timestamp())
    return str(_serializer(ws).dumps([claims.survey_id, claims.invitation_id, expires]))


def read_token(ws: Workspace, token: str) -> LinkClaims:
    """The claims of a token; LinkInvalid if it was not signed here, LinkExpired if too old."""
    if len(token) > 400:
        raise LinkInvalid("this survey link is not valid: it is too long")
    try:
        survey_id, invitation_id, expires = _serializer(ws).loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise LinkInvalid(
            "this survey link is not valid: it was changed or not made by this workspace"
        ) from exc
    expires_at = datetime.fromtimestamp(int(expires), UTC).replace(tzinfo=None)
    if ws.clock.now() >= expires_at:
        raise LinkExpired(
            f"this survey link expired on {expires_at:%Y-%m-%d %H:%M} UTC",
            details={"expired_at": expires_at.isoformat()},
        )
    return LinkClaims(survey_id=survey_id, invitation_id=invitation_id, expires_at=expires_at)
