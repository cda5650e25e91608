"""Churn risk by journey stage and touchpoint: scored customers placed in the journey, by band."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pyarrow as pa
import pytest

from journeys.analytics.risk import RiskQuery, default_query, risk_by_stage
from journeys.analytics.segments import SegmentDefinition, parse_condition, save
from journeys.errors import InvalidInput, JourneyNotFound
from journeys.prediction.store import store_scores
from journeys.workspace import Workspace

from scenarios import T0, D, H, M, journeys_for

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
"""

# Furthest stage: ann buy, bob choose (his home-page view is no touchpoint), cy find, dee buy
# (then back to the ad: her latest touchpoint), eve none (an unrelated event).
PEOPLE = {
    "ann": [("ad_clicked", T0), ("viewed", T0 + 10 * M, {"kind": "product"}),
            ("checkout", T0 + 20 * M), ("help", T0 + 30 * M)],
    "bob": [("searched", T0), ("viewed", T0 + 1 * H, {"kind": "product"}),
            ("viewed", T0 + 2 * H, {"kind": "home"})],
    "cy": [("ad_clicked", T0 + D)],
    "dee": [("searched", T0), ("checkout", T0 + 30 * M), ("ad_clicked", T0 + 2 * H)],
    "eve": [("unrelated", T0)],
    "fay": [("searched", T0 + 2 * D)],  # not scored: not counted
}  # fmt: skip
# zed has a score but no event at all (scored on an older log).
CHURN = {"ann": 0.1, "bob": 0.8, "cy": 0.95, "dee": 0.5, "eve": 0.2, "zed": 0.75}


def write_scores(ws: Workspace, model: str, scores: dict[str, float]) -> None:
    """Store a scoring run's rows as the prediction package does."""
    at = datetime(2026, 4, 1)
    n = len(scores)
    rows = pa.table(
        {
            "model": [model] * n,
            "customer_id": list(scores),
            "score": list(scores.values()),
            "as_of": [at] * n,
            "scored_at": [at] * n,
            "reasons": ["[]"] * n,
        }
    )
    store_scores(ws, model, rows)


@pytest.fixture
def risky_shop(ws: Workspace) -> Workspace:
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    journeys_for(ws, PEOPLE)
    write_scores(ws, "churn", CHURN)
    write_scores(ws, "order", {"fay": 0.99})
    return ws


def bands(rows: list[Any]) -> dict[str | None, tuple[int, int, int, int]]:
    return {r.id: (r.customers, r.low, r.medium, r.high) for r in rows}


def test_customers_sit_at_their_furthest_stage_by_band(risky_shop: Workspace) -> None:
    result = risk_by_stage(risky_shop, RiskQuery(model="churn", journey="shop"))
    assert [r.id for r in result.rows] == ["find", "choose", "buy"]
    assert bands(result.rows) == {
        "find": (1, 0, 0, 1),  # cy 0.95
        "choose": (1, 0, 0, 1),  # bob 0.8
        "buy": (2, 1, 1, 0),  # ann 0.1, dee 0.5
    }
    assert (result.outside.customers, result.outside.low, result.outside.high) == (2, 1, 1)
    assert result.scored == 6
    buy = next(r for r in result.rows if r.id == "buy")
    assert buy.name == "Buy" and buy.mean_score == pytest.approx(0.3)


def test_by_touchpoint_customers_sit_at_their_latest_one(risky_shop: Workspace) -> None:
    result = risk_by_stage(risky_shop, RiskQuery(model="churn", journey="shop", by="touchpoint"))
    assert [(r.id, r.stage) for r in result.rows] == [
        ("ad", "find"), ("search", "find"), ("product", "choose"), ("checkout", "buy"),
    ]  # fmt: skip
    assert bands(result.rows) == {
        "ad": (2, 0, 1, 1),  # cy, and dee back at the ad after buying
        "search": (0, 0, 0, 0),
        "product": (1, 0, 0, 1),  # bob
        "checkout": (1, 1, 0, 0),  # ann (her help request is no touchpoint)
    }


def test_the_bands_follow_the_thresholds(risky_shop: Workspace) -> None:
    query = RiskQuery(model="churn", journey="shop", low=0.5, high=0.9)
    result = risk_by_stage(risky_shop, query)
    # The bounds belong to the middle band: dee's 0.5 is medium, not low.
    assert bands(result.rows)["buy"] == (2, 1, 1, 0)
    assert bands(result.rows)["choose"] == (1, 0, 1, 0)  # bob 0.8 ≤ 0.9
    for row in [*result.rows, result.outside]:
        assert row.low + row.medium + row.high == row.customers


def test_a_segment_limits_the_chart(risky_shop: Workspace) -> None:
    segment = SegmentDefinition(name="buyers", conditions=[parse_condition("did checkout")])
    save(risky_shop.operational, segment)
    query = RiskQuery(model="churn", journey="shop", segment="buyers")
    result = risk_by_stage(risky_shop, query)
    assert result.scored == 2 and bands(result.rows)["buy"] == (2, 1, 1, 0)


@pytest.mark.parametrize(
    ("update", "code"),
    [
        ({"model": "nope"}, "risk_model_unscored"),
        ({"low": 0.8, "high": 0.2}, "risk_bands_reversed"),
    ],
)
def test_a_bad_risk_query_is_refused_by_its_rule(
    risky_shop: Workspace, update: dict[str, Any], code: str
) -> None:
    query = RiskQuery(model="churn", journey="shop").model_copy(update=update)
    with pytest.raises(InvalidInput) as exc:
        risk_by_stage(risky_shop, query)
    assert exc.value.details["code"] == code


def test_an_unknown_journey_is_not_found(risky_shop: Workspace) -> None:
    with pytest.raises(JourneyNotFound):
        risk_by_stage(risky_shop, RiskQuery(model="churn", journey="nope"))


def test_scores_without_a_trained_churn_model_show_no_chart(risky_shop: Workspace) -> None:
    assert default_query(risky_shop) is None  # only scores: no model says they are churn risk


def test_the_api_gives_the_chart_numbers(
    risky_shop: Workspace, server: str, api: httpx.Client
) -> None:
    url = f"{server}/api/predict/risk-by-stage"
    got = api.get(url, params={"model": "churn", "journey": "shop"}, timeout=10)
    assert got.status_code == 200, got.text
    body = got.json()
    rows = {r["id"]: (r["customers"], r["low"], r["medium"], r["high"]) for r in body["rows"]}
    assert rows == {"find": (1, 0, 0, 1), "choose": (1, 0, 0, 1), "buy": (2, 1, 1, 0)}
    assert (body["scored"], body["outside"]["customers"]) == (6, 2)
    by_tp = api.get(url, params={"journey": "shop", "by": "touchpoint"}, timeout=10).json()
    assert [r["customers"] for r in by_tp["rows"]] == [2, 0, 1, 1]
    bad = api.get(url, params={"journey": "shop", "model": "nope"}, timeout=10)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["code"] == (
        "risk_model_unscored"
    )
    missing = api.get(url, params={"journey": "nope"}, timeout=10)
    assert missing.status_code == 404
