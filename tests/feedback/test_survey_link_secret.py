"""Survey links signed with the deployment's secret from the environment: every server with
the same secret checks them, one with its own workspace secret refuses them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from journeys.errors import LinkInvalid
from journeys.feedback.surveys.links import LinkClaims, make_token, read_token
from journeys.workspace import Workspace


def test_links_are_signed_with_the_secret_from_the_environment(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = LinkClaims(survey_id="nps", invitation_id="inv-1", expires_at=datetime(2999, 1, 1))
    monkeypatch.setenv("JOURNEYS_SIGNING_SECRET", "the deployment's shared secret")
    token = make_token(ws, claims)
    other_server = Workspace.init(tmp_path / "second-server")
    try:
        assert read_token(other_server, token).invitation_id == "inv-1"
        monkeypatch.delenv("JOURNEYS_SIGNING_SECRET")
        with pytest.raises(LinkInvalid):  # its own secret.key signed nothing of this
            read_token(other_server, token)
        own = make_token(ws, claims)
        with pytest.raises(LinkInvalid):  # two workspaces' own secrets differ
            read_token(other_server, own)
    finally:
        other_server.close()
