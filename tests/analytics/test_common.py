"""The pieces every insight shares: durations, steps, filters in SQL, the query time limit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.analytics.common import Step, filter_sql, matcher_sql, parse_duration, run_query
from journeys.errors import InvalidInput, QueryTimeout
from journeys.maps.model import Matcher, PropertyFilter

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from([0.5, 2.5, -1.5]),
    st.sampled_from(["", "x", "xy", "/mortgage/rates", "1", "true"]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.fixed_dictionaries({"b": SCALARS}))
FILTERS = [
    "a = 1",
    "a != 1",
    "a = 'x'",
    "a = true",
    "a != 'x'",
    "a exists",
    "a contains 'x'",
    "a starts_with '/mort'",
    "a > 1",
    "a >= 2.5",
    "a < 0",
    "a <= -1.5",
    "a in [1, 'x', true]",
    "a.b = 'x'",
    "a.b exists",
    "a.b > 0",
    "context.page.path starts_with '/mort'",
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _sql_matches(con: duckdb.DuckDBPyConnection, condition: str, props: Any, ctx: Any) -> bool:
    row = con.execute(
        f"SELECT {condition} FROM (SELECT ?::JSON AS properties, ?::JSON AS context,"
        " 'buy' AS event, 'track' AS type, 'web' AS channel) e",
        [json.dumps(props), json.dumps(ctx)],
    ).fetchone()
    assert row is not None
    return bool(row[0])


@settings(max_examples=60, deadline=None)
@given(value=VALUES, path=st.sampled_from(["/mortgage/rates", "/home", None]))
def test_filters_in_sql_agree_with_the_journey_file_semantics(
    con: duckdb.DuckDBPyConnection, value: Any, path: str | None
) -> None:
    props = {"a": value}
    ctx = {"page": {"path": path}} if path is not None else {}
    for text in FILTERS:
        f = PropertyFilter.parse(text)
        assert _sql_matches(con, filter_sql(f), props, ctx) == f.matches(props, ctx), text


def test_a_missing_property_matches_only_not_equal(con: duckdb.DuckDBPyConnection) -> None:
    for text, expected in [("a = 1", False), ("a != 1", True), ("a exists", False)]:
        assert _sql_matches(con, filter_sql(PropertyFilter.parse(text)), {}, {}) is expected


def test_a_matcher_checks_event_type_and_channel(con: duckdb.DuckDBPyConnection) -> None:
    props = {"plan": "pro"}
    assert _sql_matches(con, matcher_sql(Matcher(event="buy", where=["plan = 'pro'"])), props, {})
    assert not _sql_matches(con, matcher_sql(Matcher(event="view")), props, {})
    assert not _sql_matches(con, matcher_sql(Matcher(event="buy", channel="phone")), props, {})
    assert _sql_matches(con, matcher_sql(Matcher(event="buy", type="track")), props, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("7 days", timedelta(days=7)),
        ("4w", timedelta(weeks=4)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_durations_read_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "7 fortnights", "d7", "0d", "-3d"])
def test_a_bad_duration_is_refused_naming_it(text: str) -> None:
    with pytest.raises(InvalidInput, match="window") as info:
        parse_duration(text, what="window")
    assert info.value.details["field"] == "window"


def test_steps_parse_events_filters_and_touchpoints() -> None:
    step = Step.parse("purchase where price > 100 and currency = 'EUR'")
    assert step.event == "purchase"
    assert [f.text() for f in step.where] == ["price > 100", 'currency = "EUR"']
    assert Step.parse(step.text()).where == step.where
    assert Step.parse("touchpoint fashion/checkout").touchpoint == "fashion/checkout"
    assert Step.parse("view").where == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "empty"), ("touchpoint fashion", "JOURNEY/TOUCHPOINT"), ("buy where price >> 3", "buy")],
)
def test_a_bad_step_is_refused_naming_it(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        Step.parse(text)


def test_a_query_past_its_time_limit_stops_with_a_clear_error(
    con: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(QueryTimeout, match=r"longer than 0\.2 s"):
        run_query(con, "SELECT count(*) FROM range(100000000000)", timeout=0.2)
    assert run_query(con, "SELECT 42 AS x").column("x").to_pylist() == [42]
