"""The measured journey map and the pain-point finder, from Python, the CLI and the HTTP API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from journeys.analytics.overlay import (
    OverlayQuery,
    dropped_customers,
    measured_map,
    pain_points,
)
from journeys.analytics.segments import SegmentDefinition, parse_condition, save
from journeys.errors import InvalidInput, JourneyNotFound, NotFound
from journeys.workspace import Workspace

from scenarios import T0, D, H, M, journeys_for

JOURNEYS = str(Path(sys.executable).parent / "journeys")

SHOP = """\
id: shop
name: Shop
stages:
  - id: find
    name: Find
    touchpoints:
      - {id: ad, name: Ad, channel: social, online: true, match: {event: ad_clicked}}
      - {id: search, name: Search, channel: web, online: true, match: {event: searched}}
  - id: choose
    name: Choose
    touchpoints:
      - id: product
        name: Product page
        channel: web
        online: true
        match: {event: viewed, where: ["kind = 'product'"]}
  - id: buy
    name: Buy
    touchpoints:
      - {id: checkout, name: Checkout, channel: web, online: true, match: {event: checkout}}
      - {id: store, name: Store, channel: store, online: false}
"""

# ann: the whole way; bob: finds, chooses, stops at the product page; cy: only the ad;
# dee: searches, goes straight to checkout (skips choose), then back to the ad.
PEOPLE = {
    "ann": [("ad_clicked", T0), ("viewed", T0 + 10 * M, {"kind": "product"}),
            ("help", T0 + 12 * M), ("checkout", T0 + 20 * M)],
    "bob": [("searched", T0), ("viewed", T0 + 1 * H, {"kind": "product"}),
            ("viewed", T0 + 2 * H, {"kind": "home"})],
    "cy": [("ad_clicked", T0 + D)],
    "dee": [("searched", T0), ("checkout", T0 + 30 * M), ("ad_clicked", T0 + 2 * H),
            ("help", T0 + 3 * H)],
    "eve": [("unrelated", T0)],
}  # fmt: skip


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    return journeys_for(ws, PEOPLE)


def by_id(items: list, key: str) -> dict:  # type: ignore[type-arg]
    return {getattr(i, key): i for i in items}


def test_stages_count_reach_moving_on_and_time(shop: Workspace) -> None:
    m = measured_map(shop, OverlayQuery(journey="shop"))
    assert (m.customers, m.completed, m.mapped_events) == (4, 2, 9)
    stages = by_id(m.stages, "stage")
    assert (stages["find"].reached, stages["find"].continued, stages["find"].dropped) == (4, 3, 1)
    assert stages["find"].conversion == 0.75
    # ann 10 min to the product page, bob 1 h, dee 30 min to checkout: median 30 min.
    assert stages["find"].median_seconds_to_next_stage == 30 * 60
    assert (stages["choose"].reached, stages["choose"].continued) == (2, 1)
    assert (stages["buy"].reached, stages["buy"].conversion, stages["buy"].dropped) == (2, None, 0)


def test_touchpoints_count_reach_drop_off_and_time_to_next(shop: Workspace) -> None:
    m = measured_map(shop, OverlayQuery(journey="shop"))
    tps = by_id(m.touchpoints, "touchpoint")
    assert set(tps) == {"ad", "search", "product", "checkout"}  # store has no matcher
    assert m.unmatched_touchpoints == ["store"]
    # the ad: ann, cy, dee; cy ends there (never bought); dee ends there too but bought first.
    assert (tps["ad"].reached, tps["ad"].events, tps["ad"].dropped) == (3, 3, 1)
    assert tps["ad"].drop_off_rate == pytest.approx(1 / 3, abs=1e-4)
    # bob's second view is of the home page: not the product touchpoint.
    assert (tps["product"].reached, tps["product"].dropped) == (2, 1)
    assert tps["product"].median_seconds_to_next == 10 * 60  # ann's; bob has no next
    assert (tps["checkout"].reached, tps["checkout"].dropped) == (2, 0)
    assert tps["search"].median_seconds_to_next == 45 * 60  # bob 1 h, dee 30 min


def test_unmapped_behaviour_within_the_journey(shop: Workspace) -> None:
    m = measured_map(shop, OverlayQuery(journey="shop"))
    # ann's help; dee's comes after her last touchpoint and bob's home-page view after his:
    # both outside their journey's span.
    assert [(u.event, u.events, u.customers) for u in m.unmapped] == [("help", 1, 1)]
    assert m.unmapped_events == 1


def test_dates_and_segments_narrow_the_map(shop: Workspace) -> None:
    later = measured_map(shop, OverlayQuery(journey="shop", from_date=(T0 + D).date()))
    assert (later.customers, later.mapped_events) == (1, 1)
    save(
        shop.operational,
        SegmentDefinition(name="buyers", conditions=[parse_condition("did checkout")]),
    )
    buyers = measured_map(shop, OverlayQuery(journey="shop", segment="buyers"))
    assert (buyers.customers, buyers.completed) == (2, 2)


def test_the_map_follows_new_events(shop: Workspace) -> None:
    before = measured_map(shop, OverlayQuery(journey="shop"))
    journeys_for(shop, {"cy": [("checkout", T0 + 2 * D)]})
    after = measured_map(shop, OverlayQuery(journey="shop"))
    assert (before.completed, after.completed) == (2, 3)


def test_pain_points_rank_with_evidence_and_the_customers_behind(shop: Workspace) -> None:
    result = pain_points(shop, OverlayQuery(journey="shop", min_reach=1))
    ranked = [p.touchpoint for p in result.pain_points]
    assert ranked[0] == "product"  # half of its customers end there, and the slowest next step
    first = result.pain_points[0]
    assert [s.kind for s in first.signals] == ["drop_off", "time"]
    assert "1 of 2 customers (50%)" in first.signals[0].text
    assert first.customers_url == "/analyse/painpoints/shop/product"
    assert [p.rank for p in result.pain_points] == list(range(1, len(ranked) + 1))
    scores = [p.score for p in result.pain_points]
    assert scores == sorted(scores, reverse=True)
    dropped = dropped_customers(shop, OverlayQuery(journey="shop"), "product")
    assert (dropped.total, dropped.customers) == (1, ["bob"])


def test_mistakes_are_named(shop: Workspace) -> None:
    with pytest.raises(JourneyNotFound):
        measured_map(shop, OverlayQuery(journey="nope"))
    with pytest.raises(NotFound, match="no measured touchpoint 'store'"):
        dropped_customers(shop, OverlayQuery(journey="shop"), "store")
    reversed_dates = OverlayQuery(
        journey="shop", from_date=T0.date(), to_date=T0.date().replace(year=2000)
    )
    with pytest.raises(InvalidInput, match="comes after") as info:
        measured_map(shop, reversed_dates)
    assert info.value.details["code"] == "dates_reversed"
    bare = "id: bare\nname: Bare\nstages:\n  - id: s\n    name: S\n    touchpoints:\n"
    bare += "      - {id: t, name: T, channel: web, online: true}\n"
    (shop.journeys_dir / "bare.yaml").write_text(bare)
    with pytest.raises(InvalidInput, match="no touchpoint with an event matcher"):
        measured_map(shop, OverlayQuery(journey="bare"))


def test_the_demo_journeys_are_measured(tmp_path: Path) -> None:
    from journeys.demo.build import build_demo

    ws, _ = build_demo(tmp_path / "demo", customers=300, seed=7)
    with ws:
        for journey in ws.journeys():
            m = measured_map(ws, OverlayQuery(journey=journey.id))
            assert m.customers > 0 and m.mapped_events > 0, journey.id
            reached = [s.reached for s in m.stages]
            assert reached[0] == max(reached), journey.id  # the first stage is the widest
            assert sum(t.worst for t in m.touchpoints) <= 3


# -- the CLI and the HTTP API -------------------------------------------------------------------
def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "220"}
    return subprocess.run([JOURNEYS, *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_prints_the_map_pain_points_and_dropped_customers(shop: Workspace) -> None:
    root = str(shop.root)
    shop.close()
    overlay = json.loads(
        cli("analyse", "overlay", "--journey", "shop", "-w", root, "--json").stdout
    )
    assert overlay["customers"] == 4
    table = cli("analyse", "overlay", "--journey", "shop", "-w", root)
    assert table.returncode == 0 and "Product page" in table.stdout and "75%" in table.stdout
    pains = cli(
        "analyse", "painpoints", "--journey", "shop", "-w", root, "--top", "1", "--min-reach", "1"
    )
    assert pains.returncode == 0 and "Product page" in pains.stdout
    dropped = cli("analyse", "dropped", "--journey", "shop", "--touchpoint", "product", "-w", root)
    assert dropped.stdout.splitlines()[-1] == "bob"
    bad = cli("analyse", "overlay", "--journey", "nope", "-w", root)
    assert bad.returncode == 1 and "error (journey_not_found)" in bad.stderr


def test_the_http_api(shop: Workspace, server: str, api: httpx.Client) -> None:
    url = server
    m = api.get(f"{url}/api/analytics/overlay", params={"journey": "shop"}, timeout=30)
    assert m.status_code == 200 and m.json()["completed"] == 2
    params: dict[str, str | int] = {"journey": "shop", "min_reach": 1}
    p = api.get(f"{url}/api/analytics/painpoints", params=params, timeout=30)
    assert p.json()["pain_points"][0]["touchpoint"] == "product"
    d = api.get(f"{url}/api/analytics/painpoints/shop/product/customers", timeout=30)
    assert d.json()["customers"] == ["bob"]
    bad = api.get(
        f"{url}/api/analytics/overlay", params={"journey": "shop", "from": "soon"}, timeout=30
    )
    assert bad.status_code == 422
    missing = api.get(f"{url}/api/analytics/overlay", params={"journey": "x"}, timeout=30)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "journey_not_found"
