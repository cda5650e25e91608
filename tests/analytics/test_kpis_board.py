"""The KPI board (governance, management, operations) on the scenario of test_kpis.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from journeys.analytics.kpis import BoardQuery, board_query, kpi_board
from journeys.errors import InvalidInput, JourneyNotFound
from journeys.workspace import Workspace

from scenarios import journeys_for
from test_kpis import SHOP, feedback_people


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    (ws.journeys_dir / "shop.yaml").write_text(SHOP)
    return journeys_for(ws, feedback_people())


def test_the_three_levels(shop: Workspace) -> None:
    board = kpi_board(shop, BoardQuery(inactive=timedelta(days=7)))
    g, m, o = board.governance, board.management, board.operations
    assert board.answers == 13
    assert (g.satisfaction.score, g.satisfaction.responses) == (50.0, 4)
    assert g.loyalty.score == pytest.approx(-100 / 6) and g.loyalty.responses == 6
    assert m.nps == g.loyalty
    # The latest activity is cy's contact on 10 March 09:30; active in the week before 3 March
    # 09:30: ann, bob and dee; of them only dee is seen after it (her answers on 9 March).
    r = g.retention
    assert (r.window_days, r.active_before, r.retained) == (7.0, 3, 1)
    assert (r.rate, r.churn_rate) == (pytest.approx(1 / 3), pytest.approx(2 / 3))
    assert m.retention == r
    assert (o.tickets.tickets, o.tickets.sla_attainment) == (4, 0.5)
    assert o.tickets.first_contact_resolution_rate == 0.5
    assert o.tickets.response_median_seconds == 3600
    assert [t.key for t in o.touchpoints] == ["shop/product", "shop/checkout"]


def test_stage_conversion_with_the_nps_given_there(shop: Workspace) -> None:
    stages = kpi_board(shop, BoardQuery()).management.stages
    # The example journeys have no customers and no feedback here: only shop is shown.
    assert [(s.journey, s.stage) for s in stages] == [
        ("shop", "find"),
        ("shop", "choose"),
        ("shop", "buy"),
    ]
    find, choose, buy = stages
    assert (find.reached, find.conversion, find.last) == (0, None, False)
    assert (choose.nps, choose.nps_responses) == (-100.0, 2)
    assert (buy.reached, buy.last, buy.nps) == (2, True, pytest.approx(25.0))


def test_a_journey_and_a_range_narrow_the_board(shop: Workspace) -> None:
    only = kpi_board(shop, board_query(journey="shop", date_to="2026-03-08"))
    assert only.answers == 8  # the answers of week 10
    assert only.governance.loyalty.score == pytest.approx(200 / 3)
    assert {s.journey for s in only.management.stages} == {"shop"}
    assert only.operations.tickets.tickets == 1


def test_mistakes_are_named(shop: Workspace) -> None:
    with pytest.raises(InvalidInput) as info:
        board_query(inactive="0d")
    assert info.value.details["code"] == "invalid_duration"
    with pytest.raises(InvalidInput) as info:
        board_query(date_from="2026-03-09", date_to="2026-03-01")
    assert info.value.details["code"] == "dates_reversed"
    with pytest.raises(JourneyNotFound):
        kpi_board(shop, BoardQuery(journey="nope"))


def test_an_empty_workspace_has_an_empty_board(ws: Workspace) -> None:
    board = kpi_board(ws, BoardQuery())
    assert board.answers == 0 and board.as_of is None
    assert board.governance.loyalty.score is None and board.governance.retention.rate is None
    assert board.management.stages == [] and board.operations.touchpoints == []
