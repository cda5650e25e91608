"""What really removes a deleted row's bytes from a DuckDB file (journeys/privacy/eventstore.py).

Measured on the DuckDB version pinned: DELETE with CHECKPOINT, FORCE CHECKPOINT or VACUUM
leaves the value in the file; rebuilding the table moves the live rows but the old blocks,
now free, still hold it; overwriting the free blocks removes it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from journeys.privacy import eventstore as es

NEEDLE = "erased.person@example.org"


def a_log(path: Path) -> duckdb.DuckDBPyConnection:
    """A database with a table of 300,000 rows, one in the middle the person's, checkpointed.

    Stored uncompressed so the value's bytes can be searched for: DuckDB picks a string
    compression per column segment from a sample (FSST scrambles the bytes), and which one it
    picks can differ from run to run."""
    con = duckdb.connect(str(path))
    con.execute("SET force_compression = 'uncompressed'")
    con.execute(
        "CREATE TABLE event_rows AS SELECT i AS seq,"
        " CASE WHEN i = 150000 THEN ? ELSE 'user-' || (i % 5000) END AS user_id,"
        " md5(i::VARCHAR) AS properties FROM range(300000) t(i)",
        [NEEDLE],
    )
    con.execute("CHECKPOINT")
    return con


def in_file(path: Path) -> bool:
    return NEEDLE.encode() in path.read_bytes()


def test_deleting_and_checkpointing_leaves_the_bytes_in_a_duckdb_file(tmp_path: Path) -> None:
    path = tmp_path / "events.duckdb"
    con = a_log(path)
    assert in_file(path)
    con.execute("DELETE FROM event_rows WHERE user_id = ?", [NEEDLE])
    for statement in ("CHECKPOINT", "FORCE CHECKPOINT", "VACUUM event_rows", "CHECKPOINT"):
        con.execute(statement)
    assert in_file(path)  # the deleted row is only marked deleted
    con.close()


def test_a_rebuild_frees_the_blocks_and_scrubbing_overwrites_them(tmp_path: Path) -> None:
    path = tmp_path / "events.duckdb"
    con = a_log(path)
    removed = es.remove(con, [es.Removal("event_rows", "user_id = ?", [NEEDLE])])
    assert removed == {"event_rows": 1}
    es.checkpoint(con)
    assert in_file(path)  # the old table's blocks are free, not erased
    assert es.scrub_free_blocks(con) > 0
    assert not in_file(path)
    assert con.execute("SELECT count(*), max(seq) FROM event_rows").fetchone() == (299999, 299999)
    con.close()
    assert not in_file(path)
