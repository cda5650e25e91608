"""Events to touchpoints: the SQL mapping agrees with the journey files' matchers in Python.

Also home of the small ``shop`` journey the dfg, conformance and paths tests share.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from journeys.analytics.touchpoints import (
    candidate_sql,
    mapped_event,
    mapped_touchpoints,
    measurable,
    touchpoint_index_sql,
)
from journeys.demo.generator import generate
from journeys.errors import InvalidInput
from journeys.maps.loader import load_journey
from journeys.maps.model import Journey
from journeys.workspace import Workspace

from scenarios import T0, M, journeys_for

SHOP = """\
id: shop
name: Shop
personas:
  - id: bargain-hunter
    name: Bargain hunter
  - id: loyal-fan
    name: Loyal fan
stages:
  - id: discover
    name: Discover
    touchpoints:
      - id: ad
        name: Social ad
        channel: social
        online: true
        match: {event: ad_clicked}
      - id: newsletter
        name: Newsletter
        channel: email
        online: true
        match: {event: email_clicked, where: ["campaign starts_with 'news'"]}
  - id: consider
    name: Consider
    touchpoints:
      - id: premium
        name: Premium product page
        channel: web
        online: true
        match: {event: product_viewed, where: ["price > 100"]}
      - id: product
        name: Product page
        channel: web
        online: true
        match: {event: product_viewed}
      - id: store
        name: Store visit
        channel: store
        online: false
        match: {event: store_visited}
  - id: buy
    name: Buy
    touchpoints:
      - id: cart
        name: Add to cart
        channel: web
        online: true
        match: {event: product_added}
      - id: order
        name: Order
        channel: web
        online: true
        match: {event: order_completed, where: ["revenue > 0"]}
  - id: after
    name: After
    touchpoints:
      - id: review
        name: Review
        channel: web
        online: true
        match: {event: review_submitted}
  - id: word-of-mouth
    name: Word of mouth
    touchpoints:
      - id: tells-friends
        name: Tells friends
        channel: in_person
        online: false
"""


def add_shop(ws: Workspace) -> Journey:
    """Write the shop journey into the workspace and return it."""
    path = ws.journeys_dir / "shop.yaml"
    path.write_text(SHOP, encoding="utf-8")
    return load_journey(path)


def _sql_mapping(ws: Workspace, journey: Journey) -> dict[int, int | None]:
    touchpoints = mapped_touchpoints(journey)
    index = f"CASE WHEN {candidate_sql(touchpoints)} THEN {touchpoint_index_sql(touchpoints)} END"
    rows = ws.events.fresh_reader().execute(f"SELECT seq, {index} FROM events e").fetchall()
    return {seq: i for seq, i in rows}


def _python_mapping(ws: Workspace, journey: Journey) -> dict[int, int | None]:
    touchpoints = mapped_touchpoints(journey)
    rows = ws.events.fresh_reader().execute(
        "SELECT seq, type, event, channel, properties, context FROM events"
    )
    mapping: dict[int, int | None] = {}
    for seq, kind, event, channel, props, ctx in rows.fetchall():
        row = {
            "type": kind,
            "event": event,
            "channel": channel,
            "properties": json.loads(props) if props else {},
            "context": json.loads(ctx) if ctx else {},
        }
        mapping[seq] = mapped_event(touchpoints, row)
    return mapping


def test_the_sql_mapping_agrees_with_the_matchers_on_demo_events(ws: Workspace) -> None:
    journeys = ws.journeys()
    ws.events.append(generate(journeys, customers=150, seed=11, end=datetime(2026, 5, 1)), "demo")
    for journey in journeys:
        sql, python = _sql_mapping(ws, journey), _python_mapping(ws, journey)
        assert sql == python, journey.id
        # The demo's touchpoint events really are there to be told apart, for every journey.
        found = {i for i in python.values() if i is not None}
        assert len(found) >= len(mapped_touchpoints(journey)) // 2, journey.id


def test_an_event_matching_two_touchpoints_is_the_first_in_file_order(ws: Workspace) -> None:
    shop = add_shop(ws)
    journeys_for(
        ws,
        {
            "ann": [
                ("product_viewed", T0, {"price": 150}),
                ("product_viewed", T0 + M, {"price": 20}),
                ("order_completed", T0 + 2 * M, {"revenue": 0}),
                ("email_clicked", T0 + 3 * M, {"campaign": "promo"}),
                ("email_clicked", T0 + 4 * M, {"campaign": "news-12"}),
            ]
        },
    )
    touchpoints = mapped_touchpoints(shop)
    names = [
        None if i is None else touchpoints[i].touchpoint for i in _sql_mapping(ws, shop).values()
    ]
    assert names == ["premium", "product", None, None, "newsletter"]
    assert _sql_mapping(ws, shop) == _python_mapping(ws, shop)


def test_touchpoints_keep_their_stage_and_skip_those_without_a_matcher(ws: Workspace) -> None:
    touchpoints = mapped_touchpoints(add_shop(ws))
    assert [t.touchpoint for t in touchpoints] == [
        "ad", "newsletter", "premium", "product", "store", "cart", "order", "review",
    ]  # fmt: skip
    assert [t.stage_index for t in touchpoints] == [0, 0, 1, 1, 1, 2, 2, 3]
    assert touchpoints[4].channel == "store"


def test_a_journey_without_matchers_cannot_be_measured() -> None:
    bare = Journey.model_validate(
        {
            "id": "bare",
            "name": "Bare",
            "stages": [
                {
                    "id": "one",
                    "name": "One",
                    "touchpoints": [{"id": "t", "name": "T", "channel": "web", "online": True}],
                }
            ],
        }
    )
    with pytest.raises(InvalidInput) as info:
        measurable(bare)
    assert info.value.details == {"code": "journey_not_measurable", "field": "journey"}
