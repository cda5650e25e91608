"""A customer's loyalty status on their profile page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from journeys.api.app import create_app
from journeys.loyalty import award_points
from journeys.workspace import Workspace

from scenarios import T0, journeys_for
from serving import admin_headers


def test_the_profile_shows_balance_and_tier_of_members_only(lws: Workspace) -> None:
    journeys_for(lws, {"ann": [("page_viewed", T0)], "bob": [("page_viewed", T0)]})
    award_points(lws, "ann", 320, "welcome gift", "gift-ann")
    with TestClient(create_app(lws), headers=admin_headers(lws)) as client:
        ann = client.get("/customers/ann").text
        bob = client.get("/customers/bob").text
    assert 'data-member="yes"' in ann and '<strong data-field="balance">320</strong>' in ann
    assert 'href="/loyalty/members/ann"' in ann
    assert 'data-member="no"' in bob and "Not a member" in bob
