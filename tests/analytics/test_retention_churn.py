"""Churn: who has been silent for the inactive period, and the churn rate of those active before."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from journeys.analytics.retention import ChurnQuery, ChurnResult, churn, churn_query
from journeys.errors import InvalidInput
from journeys.workspace import Workspace

from factories import T0, identify, send
from scenarios import journeys_for

AS_OF = "2026-04-10"  # the end of that day: 2026-04-11 00:00
END = datetime(2026, 4, 11)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute)


def minutes_after_t0(moment: datetime) -> float:
    return (moment - T0).total_seconds() / 60


@pytest.fixture
def quiet(ws: Workspace) -> Workspace:
    """As of 11 April 00:00 with 10 days inactive: churned = silent since 1 April 00:00; the
    window before is (22 March 00:00, 1 April 00:00]."""
    journeys_for(
        ws,
        {
            "active": [("view", at(3, 25)), ("view", at(4, 5)), ("view", at(4, 12))],
            "gone": [("view", at(3, 20)), ("view", at(3, 25, 10))],
            "edge": [("view", at(4, 1, 0))],  # silent exactly 10 days: churned
            "just": [("view", at(4, 1, 0, 1))],  # one minute later: not churned
            "old": [("view", at(3, 1))],  # churned long before the window
            "synced": [("view", at(3, 24))],
            "anon:kiosk": [("view", at(3, 30))],
            "later": [("view", at(4, 12))],  # first seen after as_of: not a customer yet
        },
    )
    # A back end updates synced's traits on 8 and 20 April: an identify is not activity.
    send(
        ws.events,
        {**identify("synced", minutes_after_t0(at(4, 8)), plan="gold"), "messageId": "s1"},
        {**identify("synced", minutes_after_t0(at(4, 20)), plan="gold"), "messageId": "s2"},
    )
    return ws


def ids(result: ChurnResult) -> list[str]:
    return [c.customer_id for c in result.churned_customers]


def test_churned_customers_and_the_rate_of_those_active_before(quiet: Workspace) -> None:
    result = churn(quiet, churn_query("10d", AS_OF))
    assert result.as_of == END
    assert result.cutoff == datetime(2026, 4, 1)
    assert result.window_start == datetime(2026, 3, 22)
    assert result.customers == 7  # everyone but "later"
    assert result.churned == 5
    assert ids(result) == ["edge", "kiosk", "gone", "synced", "old"]  # last seen first
    # Active in the window before: active, gone, edge, synced, kiosk; all but active are gone.
    assert (result.active_before, result.churned_from_active) == (5, 4)
    assert result.churn_rate == 0.8


def test_each_churned_customer_has_last_seen_days_inactive_events_and_known(
    quiet: Workspace,
) -> None:
    found = {c.customer_id: c for c in churn(quiet, churn_query("10d", AS_OF)).churned_customers}
    gone = found["gone"]
    assert (gone.first_seen, gone.last_seen, gone.events, gone.known) == (
        at(3, 20),
        at(3, 25, 10),
        2,
        True,
    )
    assert gone.days_inactive == 16  # 16 days and 14 hours
    assert found["edge"].days_inactive == 10
    assert found["old"].days_inactive == 40
    assert found["kiosk"].known is False
    assert found["synced"].events == 1  # its identify calls are not activity


def test_the_default_reference_is_the_latest_activity(quiet: Workspace) -> None:
    result = churn(quiet, churn_query("10d"))
    assert result.as_of == at(4, 12)  # the views of 12 April, not synced's identify of 20 April
    assert result.customers == 8
    assert ids(result) == ["just", "edge", "kiosk", "gone", "synced", "old"]
    assert result.active_before == 6  # (23 March 09:00, 2 April 09:00]
    assert result.churned_from_active == 5


@pytest.mark.parametrize(
    ("offset", "page"), [(0, ["edge", "kiosk"]), (2, ["gone", "synced"]), (4, ["old"]), (6, [])]
)
def test_pages_of_churned_customers(quiet: Workspace, offset: int, page: list[str]) -> None:
    result = churn(quiet, churn_query("10d", AS_OF, limit=2, offset=offset))
    assert ids(result) == page
    assert (result.churned, result.churn_rate) == (5, 0.8)  # the totals never depend on the page


def test_an_instant_as_of_and_any_unit_of_inactivity(quiet: Workspace) -> None:
    by_hours = churn(quiet, churn_query("240h", "2026-04-10T23:00:00+00:00"))
    assert by_hours.as_of == datetime(2026, 4, 10, 23)
    assert by_hours.cutoff == datetime(2026, 3, 31, 23)
    assert ids(by_hours) == ["kiosk", "gone", "synced", "old"]  # edge was seen after the cutoff


def test_nobody_churned_in_an_empty_log(ws: Workspace) -> None:
    result = churn(ws, churn_query())
    assert result.as_of is None and result.churned == 0 and result.churn_rate is None
    assert result.churned_customers == []


def test_the_python_api_and_arrow(quiet: Workspace) -> None:
    query = ChurnQuery(inactive=timedelta(days=10), as_of=END, limit=3)
    arrow = churn(quiet, query).to_arrow()
    assert arrow.column("customer_id").to_pylist() == ["edge", "kiosk", "gone"]
    assert arrow.column("days_inactive").to_pylist() == [10, 11, 16]
    with pytest.raises(InvalidInput) as exc:
        churn(quiet, query.model_copy(update={"inactive": timedelta(0)}))
    assert exc.value.details["code"] == "invalid_duration"


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"inactive": "soon"}, "invalid_duration", "inactive"),
        ({"inactive": "0d"}, "invalid_duration", "inactive"),
        ({"as_of": "yesterday"}, "invalid_as_of", "as_of"),
        ({"limit": 0}, "limit_out_of_range", "limit"),
        ({"limit": 1001}, "limit_out_of_range", "limit"),
        ({"offset": -1}, "offset_out_of_range", "offset"),
    ],
)
def test_each_rule_refuses_with_its_code_and_field(
    kwargs: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        churn_query(**kwargs)
    assert exc.value.details["code"] == code
    assert exc.value.details["field"] == field
