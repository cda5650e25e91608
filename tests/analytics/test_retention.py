"""Retention cohorts: hand-computed tables for customers across period boundaries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from journeys.analytics.common import Step
from journeys.analytics.retention import (
    RetentionQuery,
    RetentionResult,
    retention,
    retention_query,
)
from journeys.errors import InvalidInput
from journeys.workspace import Workspace

from factories import identify, send
from scenarios import T0, D, H, M, journeys_for

assert T0.weekday() == 0, "the scenarios count ISO weeks from T0, a Monday"
MINUTES_PER_DAY = 24 * 60


def day(n: float, hours: float = 0) -> datetime:
    """T0 (a Monday, 09:00) plus n days and some hours."""
    return T0 + n * D + hours * H


def table(result: RetentionResult) -> dict[str, list[Any]]:
    """cohort label → [size, retained in period 0, 1, …] (None: the log does not reach it)."""
    return {c.label: [c.size, *(p.retained for p in c.periods)] for c in result.cohorts}


def curve(result: RetentionResult) -> list[float | None]:
    return [a.share for a in result.average]


@pytest.fixture
def weekly(ws: Workspace) -> Workspace:
    """Seven customers over five ISO weeks (W10 = the week of T0, day n is in week n // 7).

    - alice signs up on Monday W10 and comes back on days 8 (W11) and 20 (W12);
    - bob signs up on Sunday (day 6, W10) and comes back the next morning: a day later, but
      in the next calendar week, so retained in week 1;
    - frank signs up anonymously on device dev9 (day 3), logs in on day 12 (an identify: not
      activity, so no return) and views on day 14 (W12) as frank: one stitched customer;
    - ghost signs up and returns on day 13 without ever logging in: a customer of their own;
    - carol signs up on day 9 (W11) and never returns; dave signs up on day 10 and again on
      day 24 (W13): the second signup is a return, his cohort stays W11;
    - erin views on day 1 but signs up only on day 15 (W12): her cohort is W12; she returns on
      day 29 (W14), the log's latest activity.
    """
    journeys_for(
        ws,
        {
            "alice": [("signup", day(0)), ("view", day(8)), ("view", day(20))],
            "bob": [("signup", day(6, 14)), ("view", day(7, -8))],
            "anon:ghost": [("signup", day(5)), ("view", day(13))],
            "carol": [("signup", day(9))],
            "dave": [("signup", day(10)), ("signup", day(24))],
            "erin": [("view", day(1)), ("signup", day(15)), ("view", day(29))],
        },
    )
    send(
        ws.events,
        {**_track("signup", 3 * MINUTES_PER_DAY), "anonymousId": "dev9", "messageId": "f1"},
        {**identify("frank", 12 * MINUTES_PER_DAY, anon="dev9"), "messageId": "f2"},
        {**_track("view", 14 * MINUTES_PER_DAY), "userId": "frank", "messageId": "f3"},
    )
    return ws


def _track(event: str, minute: float) -> dict[str, Any]:
    return {"type": "track", "event": event, "timestamp": (T0 + minute * M).isoformat() + "Z"}


def weeks(**kwargs: Any) -> RetentionQuery:
    """Weekly signup cohorts from W10 to W14, three weeks after each."""
    args = {"start": "signup", "periods": 3, "date_from": "2026-03-02", "date_to": "2026-03-31"}
    return retention_query(**{**args, **kwargs})


def test_weekly_cohorts_count_returns_in_each_calendar_week(weekly: Workspace) -> None:
    result = retention(weekly, weeks())
    assert table(result) == {
        # size, week 0, 1, 2, 3
        "2026-W10": [4, 4, 3, 2, 0],  # alice, bob, frank, ghost
        "2026-W11": [2, 2, 0, 1, 0],  # carol, dave
        "2026-W12": [1, 1, 0, 1, None],  # erin; week 3 (W15) is after the log's end
        "2026-W13": [0, 0, 0, None, None],
        "2026-W14": [0, 0, None, None, None],
    }
    assert result.customers == 7
    assert result.data_end == day(29)
    w10 = result.cohorts[0]
    assert [p.share for p in w10.periods] == [1.0, 0.75, 0.5, 0.0]
    assert w10.start == T0.replace(hour=0)
    assert [p.start for p in w10.periods] == [T0.replace(hour=0) + k * 7 * D for k in range(4)]


def test_the_average_weighs_cohorts_by_size_and_skips_running_periods(weekly: Workspace) -> None:
    result = retention(weekly, weeks())
    # Period 1: W10 3/4, W11 0/2, W12 0/1 → 3/7. Period 2: W10 2/4, W11 1/2; W12's period 2 is
    # W14, still running on day 29 → 3/6. Period 3: only W10's (W13) is complete → 0/4.
    assert curve(result) == [1.0, 3 / 7, 0.5, 0.0]
    assert [(a.retained, a.customers) for a in result.average] == [(7, 7), (3, 7), (3, 6), (0, 4)]
    running = [(c.label, p.period) for c in result.cohorts for p in c.periods if not p.complete]
    assert ("2026-W12", 2) in running and ("2026-W11", 2) not in running


def test_on_or_after_counts_a_customer_up_to_their_last_return(weekly: Workspace) -> None:
    result = retention(weekly, weeks(mode="on-or-after"))
    assert table(result)["2026-W10"] == [4, 4, 4, 2, 0]  # bob and ghost last returned in week 1
    assert table(result)["2026-W11"] == [2, 2, 1, 1, 0]  # dave's week-2 return covers week 1
    assert table(result)["2026-W12"] == [1, 1, 1, 1, None]


def test_the_stitched_customer_is_counted_once_in_the_cohort_of_the_device(
    weekly: Workspace,
) -> None:
    only_frank = retention(weekly, weeks(start="signup", date_to="2026-03-02", periods=2))
    # Without stitching, the device dev9 would be the member and frank's view on day 14 would
    # count for nobody: week 2 would hold alice alone.
    assert table(only_frank) == {"2026-W10": [4, 4, 3, 2]}


def test_a_return_step_with_filters_counts_only_matching_events(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "ann": [("signup", day(0)), ("purchase", day(8), {"price": 50})],
            "ben": [("signup", day(1)), ("purchase", day(9), {"price": 150})],
            "cas": [("signup", day(2)), ("purchase", day(15), {"price": 101, "currency": "EUR"})],
        },
    )
    query = weeks(returning="purchase where price > 100", date_to="2026-03-02", periods=2)
    assert table(retention(ws, query)) == {"2026-W10": [3, 3, 1, 1]}


def test_a_touchpoint_as_start_step(ws: Workspace) -> None:
    booking = {"booking_id": "BK-1", "booked_via": "web"}
    journeys_for(
        ws,
        {
            "ann": [("booking_confirmed", day(0), booking, "web"), ("view", day(7))],
            "ben": [("booking_confirmed", day(0), {**booking, "booked_via": "phone"}, "web")],
            "cas": [("booking_confirmed", day(0), booking, "app"), ("view", day(7))],
        },
    )
    query = weeks(start="touchpoint home-cleaning/online-booking", date_to="2026-03-02", periods=1)
    result = retention(ws, query)
    assert table(result) == {"2026-W10": [1, 1, 1]}  # only ann's booking matches the touchpoint
    assert result.query.start == Step(
        touchpoint="home-cleaning/online-booking", label=query.start.label
    )


def test_days_start_at_midnight_utc(ws: Workspace) -> None:
    midnight = T0.replace(hour=0)
    journeys_for(
        ws,
        {
            # 23:30 → 00:30: one hour later, but the next calendar day.
            "late": [("signup", midnight + 23 * H + 30 * M), ("view", midnight + 24 * H + 30 * M)],
            # 00:10 → 23:50 the same day: almost a day later, still day 0.
            "early": [("signup", midnight + 10 * M), ("view", midnight + 23 * H + 50 * M)],
        },
    )
    result = retention(ws, retention_query("signup", period="day", periods=1, date_to="2026-03-03"))
    assert table(result) == {
        "2026-03-02": [2, 2, 1],
        "2026-03-03": [0, 0, None],
    }


def test_months_are_calendar_months(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "jan31": [("signup", datetime(2026, 1, 31, 22)), ("view", datetime(2026, 2, 1, 8))],
            "jan1": [("signup", datetime(2026, 1, 1, 1)), ("view", datetime(2026, 1, 31, 23))],
            "feb": [("signup", datetime(2026, 2, 28, 23)), ("view", datetime(2026, 4, 1))],
        },
    )
    query = retention_query("signup", period="month", periods=2, date_from="2026-01-15")
    result = retention(ws, query)
    assert table(result) == {
        "2026-01": [2, 2, 1, 0],
        "2026-02": [1, 1, 0, 1],
        "2026-03": [0, 0, 0, None],
        "2026-04": [0, 0, None, None],
    }
    assert result.first_cohort == datetime(2026, 1, 1)


def test_a_customer_who_started_before_the_range_is_in_no_cohort(ws: Workspace) -> None:
    journeys_for(
        ws,
        {
            "old": [("signup", day(-10)), ("signup", day(1)), ("view", day(8))],
            "new": [("signup", day(1)), ("view", day(8))],
        },
    )
    result = retention(ws, weeks(date_to="2026-03-02", periods=1))
    assert table(result) == {"2026-W10": [1, 1, 1]}  # only new: old's first signup was earlier


def test_from_and_to_take_whole_periods(ws: Workspace) -> None:
    journeys_for(ws, {"mon": [("signup", day(0))], "sun": [("signup", day(6, 12))]})
    # A Wednesday to a Thursday of the same week: the whole week W10 is the cohort.
    result = retention(ws, weeks(date_from="2026-03-04", date_to="2026-03-05", periods=1))
    assert table(result) == {"2026-W10": [2, 2, None]}  # the log ends on that Sunday


def test_without_dates_the_last_cohorts_up_to_the_latest_activity(weekly: Workspace) -> None:
    result = retention(weekly, retention_query("signup", periods=2))
    # The latest activity (day 29) is in W14: cohorts W12, W13, W14.
    assert list(table(result)) == ["2026-W12", "2026-W13", "2026-W14"]


def test_an_empty_log_gives_no_cohorts(ws: Workspace) -> None:
    result = retention(ws, retention_query("signup"))
    assert result.cohorts == [] and result.customers == 0 and result.data_end is None
    assert [a.share for a in result.average] == [None] * 9


def test_to_arrow_gives_one_row_per_cohort_and_period(weekly: Workspace) -> None:
    arrow = retention(weekly, weeks()).to_arrow()
    assert arrow.num_rows == 5 * 4
    first = arrow.slice(0, 4).to_pydict()
    assert first["cohort"] == ["2026-W10"] * 4
    assert first["retained"] == [4, 3, 2, 0]
    assert first["cohort_size"] == [4] * 4


def test_the_python_api_takes_a_query_model(weekly: Workspace) -> None:
    query = RetentionQuery(
        start=Step.parse("signup"), periods=3, date_from=date(2026, 3, 2), date_to=date(2026, 3, 8)
    )
    assert table(retention(weekly, query)) == {"2026-W10": [4, 4, 3, 2, 0]}
    with pytest.raises(InvalidInput) as exc:
        retention(weekly, query.model_copy(update={"date_to": date(2026, 3, 1)}))
    assert exc.value.details["code"] == "dates_reversed"


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"period": "year"}, "unknown_period", "period"),
        ({"periods": 0}, "periods_out_of_range", "periods"),
        ({"periods": 121}, "periods_out_of_range", "periods"),
        ({"date_from": "03/02/2026"}, "invalid_date", "from"),
        ({"date_from": "2026-03-09", "date_to": "2026-03-02"}, "dates_reversed", "to"),
        ({"mode": "sometimes"}, "unknown_mode", "mode"),
        ({"start": "  "}, "invalid_step", "start"),
        ({"returning": "buy where price >"}, "invalid_step", "return"),
        (
            {"period": "day", "date_from": "2025-01-01", "date_to": "2026-03-01"},
            "too_many_cohorts",
            "from",
        ),
    ],
)
def test_each_rule_refuses_with_its_code_and_field(
    ws: Workspace, kwargs: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        retention(ws, retention_query(**{"start": "signup", **kwargs}))
    assert exc.value.details["code"] == code
    assert exc.value.details["field"] == field


def test_an_unknown_touchpoint_names_the_field(ws: Workspace) -> None:
    with pytest.raises(InvalidInput) as exc:
        retention(ws, retention_query("signup", returning="touchpoint fashion/nowhere"))
    assert exc.value.details == {
        "code": "invalid_step",
        "field": "return",
        "value": "touchpoint fashion/nowhere",
    }
    assert "no touchpoint 'nowhere'" in exc.value.message


def test_one_period_is_the_shortest_table(weekly: Workspace) -> None:
    result = retention(weekly, weeks(periods=1, date_to="2026-03-02"))
    assert table(result) == {"2026-W10": [4, 4, 3]}
    assert result.cohorts[0].periods[1].start - result.cohorts[0].start == timedelta(days=7)
