"""The event log's schema: the DuckDB table and the Arrow schema every producer writes."""

from __future__ import annotations

import pyarrow as pa

EVENT_TYPES = ("track", "identify", "page", "screen", "group", "alias")

# What a producer (tracking API, importer, demo generator) hands to the event log. The log adds
# seq, source and received_at. JSON columns are JSON text.
INCOMING_SCHEMA = pa.schema(
    [
        pa.field("message_id", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("anonymous_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("channel", pa.string()),
        pa.field("timestamp", pa.timestamp("us"), nullable=False),
        pa.field("original_timestamp", pa.timestamp("us")),
        pa.field("properties", pa.string()),
        pa.field("context", pa.string()),
        pa.field("traits", pa.string()),
        pa.field("previous_id", pa.string()),
        pa.field("group_id", pa.string()),
    ]
)
INCOMING_COLUMNS: tuple[str, ...] = tuple(INCOMING_SCHEMA.names)

# The columns of the ``events`` relation, in order, with their types. ``events`` is a view: the
# rows appended batch by batch (``event_rows``) and every bulk-imported segment (``segments.py``).
EVENT_COLUMN_TYPES: tuple[tuple[str, str], ...] = (
    ("seq", "BIGINT NOT NULL"),
    ("message_id", "VARCHAR NOT NULL"),
    ("source", "VARCHAR NOT NULL"),
    ("type", "VARCHAR NOT NULL"),
    ("event", "VARCHAR NOT NULL"),
    ("anonymous_id", "VARCHAR"),
    ("user_id", "VARCHAR"),
    ("channel", "VARCHAR"),
    ("timestamp", "TIMESTAMP NOT NULL"),
    ("original_timestamp", "TIMESTAMP"),
    ("received_at", "TIMESTAMP NOT NULL"),
    ("properties", "JSON"),
    ("context", "JSON"),
    ("traits", "JSON"),
    ("previous_id", "VARCHAR"),
    ("group_id", "VARCHAR"),
)
EVENT_COLUMNS: tuple[str, ...] = tuple(name for name, _ in EVENT_COLUMN_TYPES)
_EVENT_ROWS = ",\n    ".join(f"{name} {kind}" for name, kind in EVENT_COLUMN_TYPES)

EVENTS_DDL = f"""
CREATE TABLE IF NOT EXISTS event_rows (
    {_EVENT_ROWS}
);
CREATE TABLE IF NOT EXISTS event_segments (
    id          INTEGER   PRIMARY KEY,
    source      VARCHAR   NOT NULL,
    file        VARCHAR   NOT NULL,
    digest      VARCHAR   NOT NULL UNIQUE,
    first_seq   BIGINT    NOT NULL,
    last_seq    BIGINT    NOT NULL,
    read        BIGINT    NOT NULL,
    stored      BIGINT    NOT NULL,
    refused     BIGINT    NOT NULL,
    received_at TIMESTAMP NOT NULL,
    projection  VARCHAR   NOT NULL
);
CREATE TABLE IF NOT EXISTS consumer_cursors (
    name     VARCHAR PRIMARY KEY,
    position BIGINT  NOT NULL,
    version  INTEGER NOT NULL
);
-- One row: a name for this log, new whenever a log is created (state kept in memory about
-- a log, such as the analyses' customer sequences, is never taken for another log's).
CREATE TABLE IF NOT EXISTS log_instance (id UUID NOT NULL);
INSERT INTO log_instance SELECT uuid() WHERE NOT EXISTS (SELECT 1 FROM log_instance);
"""


def conform(table: pa.Table) -> pa.Table:
    """Reorder/cast a producer's table to INCOMING_SCHEMA, adding missing optional columns."""
    columns = []
    for field in INCOMING_SCHEMA:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        elif field.nullable:
            columns.append(pa.nulls(table.num_rows, field.type))
        else:
            raise KeyError(f"incoming events lack the required column {field.name!r}")
    return pa.Table.from_arrays(columns, schema=INCOMING_SCHEMA)
