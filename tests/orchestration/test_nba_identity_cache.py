"""The next best action remembers identity lookups, and forgets them as soon as the identity
graph changes: a visitor who signs in, an e-mail address given later, an erasure."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from nba_support import NOW, page, scenario, workspace_at

from journeys.errors import CustomerNotFound
from journeys.orchestration.nba.service import next_best_actions
from journeys.privacy.erase import erase_customer

from factories import send


def _identify(user: str, anonymous: str | None = None, **traits: str) -> dict[str, object]:
    message: dict[str, object] = {
        "type": "identify",
        "userId": user,
        "traits": traits,
        "timestamp": (NOW - timedelta(minutes=1)).isoformat() + "Z",
    }
    if anonymous:
        message["anonymousId"] = anonymous
    return message


def test_a_cached_identity_follows_sign_in_new_ids_and_erasure(tmp_path: Path) -> None:
    ws = workspace_at(tmp_path / "ws")
    try:
        scenario(ws, {"anon:visitor-7": [page("Mortgage calculator", 30, path="/mortgage")]})
        first = next_best_actions(ws, "visitor-7")
        again = next_best_actions(ws, "visitor-7")  # from the cache: the same answer
        assert (first.customer_id, first.known) == (again.customer_id, again.known)
        assert (first.customer_id, first.known) == ("visitor-7", False)
        with pytest.raises(CustomerNotFound):
            next_best_actions(ws, "nina@example.org")

        send(ws.events, _identify("nina", "visitor-7", email="nina@example.org"))
        signed_in = next_best_actions(ws, "visitor-7")
        assert (signed_in.customer_id, signed_in.known) == ("nina", True)
        assert next_best_actions(ws, "nina@example.org").customer_id == "nina"

        send(ws.events, _identify("nina", phone="+31600000001"))
        assert next_best_actions(ws, "+31600000001").customer_id == "nina"

        erase_customer(ws, "nina", "asked")
        for any_id in ("nina", "nina@example.org", "visitor-7"):
            with pytest.raises(CustomerNotFound):
                next_best_actions(ws, any_id)
    finally:
        ws.close()
