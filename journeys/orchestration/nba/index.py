"""The customer event index: every event under the raw id it was sent with, indexed by that id.

The ``events`` relation has no index: reading one customer's events scans the whole log
(tens of milliseconds on a million events, hundreds with the stitching joins). A next best
action must be ranked within a few milliseconds, so this consumer of the event log keeps
``customer_events``: each event under its *key*, the user id it was sent with, else its
anonymous id, with an ART index on the key. A customer's events are then the rows of their
user ids and of the anonymous ids linked to them (an event with a user id always belongs to
that user's customer; one without belongs to the customer its anonymous id is linked to), so
stitching needs no join here and merges, late links and unmerges are seen at once.

Rebuildable by replay like every consumer; it costs a second copy of the columns it keeps.
"""

from __future__ import annotations

import duckdb

TABLE = "customer_events"
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    key VARCHAR NOT NULL, seq BIGINT NOT NULL, timestamp TIMESTAMP NOT NULL,
    type VARCHAR NOT NULL, event VARCHAR NOT NULL, channel VARCHAR,
    properties JSON, context JSON, traits JSON
);
"""


class CustomerEventIndex:
    """Keeps ``customer_events``: the events by the raw id they were sent with."""

    name = "customer_events"
    version = 1

    def create(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the table; its index is made after the first (possibly bulk) load."""
        con.execute(DDL)

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the table and its index."""
        con.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def apply(self, con: duckdb.DuckDBPyConnection, after: int, upto: int) -> None:
        """Index the events ``after < seq <= upto``."""
        con.execute(
            f"""
            INSERT INTO {TABLE}
            SELECT coalesce(user_id, anonymous_id), seq, timestamp, type, event, channel,
                   properties, context, traits
            FROM events
            WHERE seq > ? AND seq <= ? AND coalesce(user_id, anonymous_id) IS NOT NULL
            """,
            [after, upto],
        )
        # Building the index once over a bulk load is far cheaper than growing it row by row.
        con.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_key ON {TABLE} (key)")
