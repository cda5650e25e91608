"""What customers said and the tickets opened, on the measured journey map and in the pain-point
finder: the journey of tests/analytics/test_overlay.py with feedback added.

| who | feedback |
|---|---|
| ann | csat 2 at Search, comment −0.7 (negative); ticket T-1 about Search |
| bob | nps 4 at Search, comment −0.5 (negative); ticket T-2 about Search |
| dee | nps 10 at the Store (offline, no matcher), comment +0.9; csat 5 at Checkout |
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from journeys.analytics.overlay import OverlayQuery, measured_map, pain_points
from journeys.analytics.segments import SegmentDefinition, parse_condition, save
from journeys.api.app import create_app
from journeys.workspace import Workspace

from scenarios import T0, D, M, journeys_for
from serving import admin_headers
from test_kpis import answer, iso, said, ticket
from test_overlay import PEOPLE, SHOP


def feedback() -> dict[str, list[Any]]:
    find = {"stage": "find"}
    return {
        "ann": [
            answer("csat", 2, "search", T0 + 5 * M, **find, **said(-0.7, "negative")),
            ticket("ticket_opened", 1, "search", T0 + 6 * M, iso(T0 + D), stage="find"),
        ],
        "bob": [
            answer("nps", 4, "search", T0 + 5 * M, **find, **said(-0.5, "negative")),
            ticket("ticket_opened", 2, "search", T0 + 6 * M, iso(T0 + D), stage="find"),
        ],
        "dee": [
            answer("nps", 10, "store", T0 + 4 * M, stage="buy", **said(0.9, "positive")),
            answer("csat", 5, "checkout", T0 + 4 * M, stage="buy"),
        ],
    }


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    journeys_for(ws, PEOPLE)
    return journeys_for(ws, feedback())


def by_id(items: list[Any], key: str) -> dict[str, Any]:
    return {getattr(i, key): i for i in items}


def test_touchpoints_and_stages_carry_what_was_said(shop: Workspace) -> None:
    m = measured_map(shop, OverlayQuery(journey="shop"))
    search = by_id(m.touchpoints, "touchpoint")["search"].feedback
    assert (search.answers, search.nps, search.nps_responses) == (2, -100.0, 1)
    assert (search.csat, search.comments, search.negative_comments) == (0.0, 2, 2)
    assert search.sentiment == pytest.approx(-0.6)
    assert search.tickets == 2
    checkout = by_id(m.touchpoints, "touchpoint")["checkout"].feedback
    assert (checkout.csat, checkout.nps, checkout.tickets) == (100.0, None, 0)
    assert by_id(m.touchpoints, "touchpoint")["product"].feedback.answers == 0
    # The store has no matcher, so no measured card; what was said there still shows.
    assert list(m.unmatched_feedback) == ["store"]
    assert m.unmatched_feedback["store"].nps == 100.0
    stages = by_id(m.stages, "stage")
    assert (stages["find"].feedback.answers, stages["find"].feedback.tickets) == (2, 2)
    assert (stages["buy"].feedback.nps, stages["buy"].feedback.csat) == (100.0, 100.0)
    assert stages["choose"].feedback.answers == 0
    # 4 and 10: one detractor, one promoter.
    assert (m.feedback.answers, m.feedback.nps, m.feedback.tickets) == (4, 0.0, 2)


def test_feedback_is_not_unmapped_behaviour_and_leaves_the_counts_alone(shop: Workspace) -> None:
    m = measured_map(shop, OverlayQuery(journey="shop"))
    assert [(u.event, u.events) for u in m.unmapped] == [("help", 1)]
    assert (m.customers, m.completed, m.mapped_events) == (4, 2, 9)


def test_dates_and_segments_narrow_the_feedback(shop: Workspace) -> None:
    later = measured_map(shop, OverlayQuery(journey="shop", from_date=(T0 + D).date()))
    assert later.feedback.answers == 0 and later.feedback.tickets == 0
    save(
        shop.operational,
        SegmentDefinition(name="buyers", conditions=[parse_condition("did checkout")]),
    )
    buyers = measured_map(shop, OverlayQuery(journey="shop", segment="buyers"))
    search = by_id(buyers.touchpoints, "touchpoint")["search"].feedback
    assert (search.answers, search.tickets) == (1, 1)  # ann's, not bob's


def test_negative_comments_and_ticket_load_rank_a_pain_point(shop: Workspace) -> None:
    result = pain_points(shop, OverlayQuery(journey="shop", min_reach=1))
    first = result.pain_points[0]
    # search: no drop-off, 45 min to next of the worst 90 min, every comment negative (the
    # worst share), one ticket per customer reached (the worst load):
    # 0.3 · 0 + 0.2 · 0.5 + 0.25 · 1 + 0.25 · 1 = 0.6.
    assert (first.touchpoint, first.score) == ("search", 0.6)
    assert [s.kind for s in first.signals] == ["drop_off", "time", "sentiment", "tickets"]
    sentiment, tickets = first.signals[2], first.signals[3]
    assert (sentiment.value, tickets.value) == (1.0, 1.0)
    assert sentiment.text == "2 of 2 comments (100%) negative; mean sentiment -0.60"
    assert tickets.text == "2 tickets opened about it (1.00 per customer reached)"
    # product: half its customers drop (0.3), 10 of 90 minutes (0.2 · 1/9).
    second = result.pain_points[1]
    assert (second.touchpoint, second.score) == ("product", pytest.approx(0.3222, abs=1e-4))
    assert [s.kind for s in second.signals] == ["drop_off", "time"]
    worst = [
        t.touchpoint
        for t in measured_map(shop, OverlayQuery(journey="shop", min_reach=1)).touchpoints
        if t.worst
    ]
    assert worst == ["ad", "search", "product"]


def test_the_overlay_api_returns_the_feedback(shop: Workspace) -> None:
    with TestClient(create_app(shop), headers=admin_headers(shop)) as client:
        body = client.get("/api/analytics/overlay", params={"journey": "shop"}).json()
        pains = client.get("/api/analytics/painpoints", params={"journey": "shop", "min_reach": 1})
    search = next(t for t in body["touchpoints"] if t["touchpoint"] == "search")
    assert search["feedback"]["tickets"] == 2 and search["feedback"]["nps"] == -100.0
    assert body["unmatched_feedback"]["store"]["nps_responses"] == 1
    assert pains.json()["pain_points"][0]["signals"][3]["kind"] == "tickets"
