"""Prediction scores in orchestration: reading the stored scores, and the score trigger.

Scores live in the DuckDB table ``prediction_scores`` beside the events (written by
``journeys.prediction``; a scoring run replaces a model's rows at once, all with one
``scored_at``). They are read here on the event log's read connection.

A ``score_above`` trigger lets a customer in when their score crosses the threshold: above it
in a scoring run after being below it (or unscored) in the run compared before. The customers
above are kept per trigger in the operational store, in the engine's transaction, so each
crossing lets in once; a customer who falls below and rises again crosses again. The first
scoring run an automation sees is its baseline: those already above do not enter (as the
engine acts on what happens from its start on).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import duckdb
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from journeys.orchestration.automations.model import Automation, ScoreAbove
from journeys.orchestration.automations.tables import ScoreAboveRow, ScoreWatchRow

SCORES = "prediction_scores"


def has_scores(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the scores table exists (it does after the first scoring run)."""
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [SCORES])
    found = row.fetchone()
    return bool(found and found[0])


def read_scores(
    con: duckdb.DuckDBPyConnection, customers: Iterable[str]
) -> dict[str, dict[str, float]]:
    """The stored scores of these customers: customer → model → score."""
    wanted = sorted(set(customers))
    found: dict[str, dict[str, float]] = {c: {} for c in wanted}
    if not wanted or not has_scores(con):
        return found
    rows = con.execute(
        f"SELECT customer_id, model, score FROM {SCORES} WHERE customer_id IN (SELECT unnest(?))",
        [wanted],
    ).fetchall()
    for customer, model, score in rows:
        found[str(customer)][str(model)] = float(score)
    return found


def watch_key(a: Automation, trigger: ScoreAbove) -> str:
    """The state's key: a changed model or threshold starts a new baseline."""
    return f"{a.id}|{trigger.model}|{trigger.threshold!r}"


def score_entries(
    session: Session, con: duckdb.DuckDBPyConnection, automations: list[Automation], at: datetime
) -> list[tuple[datetime, int, Any]]:
    """Entries at ``at`` of the score triggers whose model was scored since the last check."""
    items: list[tuple[datetime, int, Any]] = []
    scored = has_scores(con)
    for a in automations:
        trigger = a.trigger.score_above
        if trigger is None or not scored:
            continue
        row = con.execute(
            f"SELECT max(scored_at) FROM {SCORES} WHERE model = ?", [trigger.model]
        ).fetchone()
        latest = row[0] if row else None
        key = watch_key(a, trigger)
        watch = session.get(ScoreWatchRow, key)
        if latest is None or (watch is not None and watch.scored_at == latest):
            continue  # no scoring run since the last comparison
        above = _above(con, trigger)
        before = set(
            session.scalars(select(ScoreAboveRow.customer_id).where(ScoreAboveRow.watch == key))
        )
        if watch is None:
            session.add(ScoreWatchRow(watch=key, scored_at=latest))
        else:
            stamp = latest.strftime("%Y%m%dT%H%M%S%f")
            for customer in sorted(set(above) - before):
                entry = (a, customer, above[customer], f"score:{trigger.model}:{stamp}", 0)
                items.append((at, 0, entry))
            watch.scored_at = latest
        gone = before - set(above)
        if gone:
            session.execute(
                delete(ScoreAboveRow).where(
                    ScoreAboveRow.watch == key, ScoreAboveRow.customer_id.in_(sorted(gone))
                )
            )
        session.add_all(
            ScoreAboveRow(watch=key, customer_id=c) for c in sorted(set(above) - before)
        )
    return items


def _above(con: duckdb.DuckDBPyConnection, trigger: ScoreAbove) -> dict[str, bool]:
    """The customers whose stored score is above the threshold, with ``known``."""
    rows = con.execute(
        f"SELECT s.customer_id, EXISTS (SELECT 1 FROM identity_users u "
        f"WHERE u.customer_id = s.customer_id) FROM {SCORES} s "
        "WHERE s.model = ? AND s.score > ? ORDER BY 1",
        [trigger.model, trigger.threshold],
    ).fetchall()
    return {str(r[0]): bool(r[1]) for r in rows}
