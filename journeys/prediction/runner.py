"""Run the feature and label queries: one table of customers × features per prediction date.

The event log gives behaviour, surveys, tickets and tier changes (see ``builder.py``); the
loyalty ledger in the operational store gives each member's balance as of the date (the sum
of their entries before it), so those figures are point-in-time correct too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from journeys.analytics.common import EVENTS, run_query
from journeys.maps.model import Journey
from journeys.prediction.builder import activity_sql, features_sql, labels_sql
from journeys.prediction.query import FeatureSpec, TargetSpec
from journeys.prediction.rules import target_condition

FEATURES: tuple[str, ...] = (
    "recency_days",
    "tenure_days",
    "events",
    "active_days",
    "events_30d",
    "trend",
    "channels",
    "purchases",
    "monetary",
    "purchase_recency_days",
    "furthest_stage",
    "stage_days",
    "surveys",
    "last_nps",
    "satisfaction",
    "sentiment",
    "tickets",
    "open_tickets",
    "tickets_breached",
    "tier_points",
    "loyalty_balance",
)


def data_end(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest activity in the log (None when there is none)."""
    sql = f"SELECT max(e.timestamp) FROM events e WHERE {activity_sql()}"
    value: datetime | None = run_query(con, sql, what="the latest activity").column(0)[0].as_py()
    return value


def feature_frame(
    con: duckdb.DuckDBPyConnection,
    spec: FeatureSpec,
    journey: Journey | None,
    as_of: datetime,
    engine: Engine | None = None,
    events: str = EVENTS,
) -> pd.DataFrame:
    """The features of every customer active before ``as_of``, indexed by customer id."""
    sql = features_sql(spec, journey, events)
    table = run_query(con, sql.text, {"as_of": as_of}, what="the prediction features")
    frame = table.to_pandas().set_index("customer_id")
    frame["loyalty_balance"] = np.nan
    if engine is not None:
        balances = loyalty_balances(engine, as_of)
        frame["loyalty_balance"] = frame.index.map(balances).astype("float64")
    return frame.reindex(columns=list(FEATURES)).astype("float64")


def loyalty_balances(engine: Engine, as_of: datetime) -> dict[str, float]:
    """Each member's points balance from the ledger entries before ``as_of``."""
    from journeys.loyalty.tables import EntryRow

    query = (
        select(EntryRow.customer_id, func.sum(EntryRow.points))
        .where(EntryRow.occurred_at < as_of)
        .group_by(EntryRow.customer_id)
    )
    with Session(engine) as session:
        return {cid: float(points) for cid, points in session.execute(query)}


def label_vector(
    con: duckdb.DuckDBPyConnection,
    target: TargetSpec,
    journeys: dict[str, Journey],
    customers: pd.Index,
    as_of: datetime,
    events: str = EVENTS,
) -> NDArray[np.bool_]:
    """For each customer: whether the target happened in the horizon after ``as_of``."""
    sql = labels_sql(target_condition(target, journeys), events)
    until = as_of + timedelta(days=target.horizon_days)
    found = run_query(con, sql.text, {"as_of": as_of, "until": until}, what="the labels")
    hit = set(found.column("customer_id").to_pylist())
    seen = np.array([c in hit for c in customers], dtype=bool)
    return ~seen if target.kind == "churn" else seen
