"""What the overview page shows: the workspace's journeys, events and stitched customers."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeys.workspace import Workspace


@dataclass(frozen=True)
class Overview:
    """The key figures of a workspace."""

    root: Path
    journeys: int
    events: int
    customers: int


def overview(workspace: Workspace) -> Overview:
    """Count the workspace's journey files, logged events and customers."""
    with closing(workspace.events.fresh_reader()) as con:
        events, customers = log_counts(con)
    return Overview(workspace.root, len(workspace.journey_files()), events, customers)


def log_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """The number of events in the log and of the customers they are stitched to."""
    # Counted after stitching, so one person on three devices and the phone counts once.
    row = con.execute("SELECT count(*), count(DISTINCT customer_id) FROM stitched_events")
    events, customers = row.fetchone() or (0, 0)
    return int(events), int(customers)
