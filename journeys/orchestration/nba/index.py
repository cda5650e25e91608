"""The customer event index: every event under the raw id it was sent with, indexed by that id.

The ``events`` relation has no index: reading one customer's events scans the whole log
(tens of milliseconds on a million events, hundreds with the stitching joins). A next best
action must be ranked within a few milliseconds, so this consumer of the event log keeps
``customer_events``: each event under its *key*, the user id it was sent with, else its
anonymous id. A customer's events are then the rows of their user ids and of the anonymous ids
linked to them (an event with a user id always belongs to that user's customer; one without
belongs to the customer its anonymous id is linked to), so stitching needs no join here and
merges, late links and unmerges are seen at once.

The index is a SQLite file beside the event log (``customer-events.sqlite``), not a DuckDB
table: fetching one customer's rows is a B-tree range read in SQLite (tens of microseconds),
where DuckDB, a column store, decompresses a block of every column for every row it returns
(milliseconds; measured in ``bench/bench_nba.py``). It is written by the event log's writer
after each commit, rows keyed by (key, seq) (so a replay after a crash between this file's
commit and the cursor's writes nothing twice), and read by any number of threads and
processes (WAL mode). Rebuildable by replay like every consumer; it costs a second copy of the
columns it keeps.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

TABLE = "customer_events"
FILE = "customer-events.sqlite"
COLUMNS = ("seq", "key", "timestamp", "type", "event", "channel", "properties", "context", "traits")
# Clustered by (key, seq): a customer's rows sit together, and no second index is needed.
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq INTEGER NOT NULL, key TEXT NOT NULL, timestamp TEXT NOT NULL, type TEXT NOT NULL,
    event TEXT NOT NULL, channel TEXT, properties TEXT, context TEXT, traits TEXT,
    PRIMARY KEY (key, seq)
) WITHOUT ROWID;
"""
BATCH = 50_000  # rows read from DuckDB and written to SQLite at a time


class CustomerEventIndex:
    """Keeps ``customer_events`` (in the SQLite file ``path``): the events by the raw id they
    were sent with."""

    name = "customer_events"
    version = 2  # 1 kept the rows in a DuckDB table

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _writer(self) -> sqlite3.Connection:
        if self._db is None:
            # Only the event log's writer thread writes, but it is not the thread that opens.
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(DDL)
        return self._db

    def create(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the index file and table; a lost or emptied file is rebuilt by replay."""
        con.execute(f"DROP TABLE IF EXISTS {TABLE}")  # where version 1 kept it
        existed = self.path.exists() and _has_table(self.path)
        self._writer()
        if not existed:  # replay the whole log into the new file
            con.execute("DELETE FROM consumer_cursors WHERE name = ?", [self.name])

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Empty the index."""
        con.execute(f"DROP TABLE IF EXISTS {TABLE}")
        db = self._writer()
        with db:
            db.execute(f"DROP TABLE IF EXISTS {TABLE}")
        db.executescript(DDL)

    def apply(self, con: duckdb.DuckDBPyConnection, after: int, upto: int) -> None:
        """Index the events ``after < seq <= upto``."""
        reader = con.execute(
            """
            SELECT seq, coalesce(user_id, anonymous_id) AS key, strftime(timestamp,
                   '%Y-%m-%d %H:%M:%S.%f') AS timestamp, type, event, channel,
                   CAST(properties AS VARCHAR), CAST(context AS VARCHAR),
                   -- only identify calls set traits (track calls may repeat them: not kept)
                   CASE WHEN type = 'identify' THEN CAST(traits AS VARCHAR) END
            FROM events
            WHERE seq > ? AND seq <= ? AND coalesce(user_id, anonymous_id) IS NOT NULL
            """,
            [after, upto],
        ).to_arrow_reader(BATCH)
        db = self._writer()
        marks = ", ".join("?" * len(COLUMNS))
        with db:
            for batch in reader:
                rows = zip(*(column.to_pylist() for column in batch.columns), strict=True)
                db.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES ({marks})", rows)

    def close(self) -> None:
        """Close the writer's connection."""
        if self._db is not None:
            self._db.close()
            self._db = None


def _has_table(path: Path) -> bool:
    with closing(sqlite3.connect(path)) as db:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return db.execute(sql, [TABLE]).fetchone() is not None


class IndexReader:
    """Reads the customer event index: one SQLite connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def _con(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.con = con
        return con

    def has(self, key: str) -> bool:
        """Whether any event was sent with this id."""
        sql = f"SELECT 1 FROM {TABLE} WHERE key = ? LIMIT 1"
        return self._con().execute(sql, [key]).fetchone() is not None

    def rows(self, key: str, names: Collection[str] | None = None) -> list[tuple[Any, ...]]:
        """The events sent with this id: (seq, timestamp, type, event, channel, properties,
        context, traits), in no particular order; timestamps as datetimes. With ``names``,
        only those events and identify calls (their traits), picked before anything is read
        into Python."""
        sql = (
            "SELECT seq, timestamp, type, event, channel, properties, context, traits "
            f"FROM {TABLE} WHERE key = ?"
        )
        params: list[Any] = [key]
        if names is not None:
            wanted = sorted(names)
            sql += f" AND (type = 'identify' OR event IN ({', '.join('?' * len(wanted))}))"
            params += wanted
        found = self._con().execute(sql, params)
        return [(r[0], datetime.fromisoformat(r[1]), *r[2:]) for r in found]


_readers: dict[Path, IndexReader] = {}
_lock = threading.Lock()


def index_reader(path: Path) -> IndexReader:
    """The process's reader of the index file at ``path``."""
    with _lock:
        reader = _readers.get(path)
        if reader is None:
            reader = _readers[path] = IndexReader(path)
        return reader
