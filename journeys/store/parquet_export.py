"""The event log as Parquet files partitioned by date, for engines such as Apache Spark.

FOLDER/
  events/event_date=2026-03-02/events-000000000001-000000001000.parquet
  identity/users.parquet   user_id → customer_id (full snapshot, replaced each run)
  identity/links.parquet   anonymous_id → user_id (full snapshot, replaced each run)
  identity/traits.parquet  identify traits: user_id, trait, value (JSON text), timestamp, seq
  identity/scores.parquet  stored prediction scores: model, customer_id, score (once scored)

Each run writes the events after the folder's cursor (table ``parquet_exports``, one row per
folder ever exported to) up to the last committed ``seq``: one DuckDB ``COPY … PARTITION_BY
(event_date)`` into a staging folder, then every file is synced and renamed into its date
partition under a name carrying the run's seq range, and only then the cursor moves. A run that
stopped before its cursor moved leaves files past the cursor: the next run deletes them first,
so no event is ever exported twice. Runs, erasures and retention all happen in the event log's
writer thread, one at a time.

Erasure (:func:`erase_rows`) rewrites every file holding a row of the customer without those
rows, and the identity snapshots; retention (:func:`expire`) deletes the date partitions older
than the cutoff and rewrites the one the cutoff falls in. See docs/parquet-export.md for the
query-time stitching SQL.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from journeys.store.duck import literal
from journeys.store.schema import EVENT_COLUMN_TYPES
from journeys.workspace import Workspace

STATE_DDL = """
CREATE TABLE IF NOT EXISTS parquet_exports (
    folder      VARCHAR   PRIMARY KEY,
    position    BIGINT    NOT NULL,
    exported_at TIMESTAMP
)
"""
EVENTS_DIR, IDENTITY_DIR, PARTITION = "events", "identity", "event_date"
# events-<first seq>-<last seq>[-<part>].parquet: the seq range of the run that wrote it.
_FILE = re.compile(r"^events-(\d+)-(\d+)(?:-\d+)?\.parquet$")
_STAGING = ".staging-"
# JSON columns are written as text: Spark does not read Parquet's JSON logical type.
_SELECT = ", ".join(
    f"CAST({name} AS VARCHAR) AS {name}" if kind == "JSON" else name
    for name, kind in EVENT_COLUMN_TYPES
)
_IDENTITY = {
    "users": "SELECT user_id, customer_id FROM identity_users ORDER BY user_id",
    "links": "SELECT anonymous_id, user_id FROM identity_links ORDER BY anonymous_id",
    # Identify traits, for segments on traits (the values as JSON text).
    "traits": "SELECT user_id, trait, CAST(value AS VARCHAR) AS value, timestamp, seq "
    "FROM trait_history ORDER BY user_id, seq",
}
# The stored prediction scores, for segments on scores; the table exists once a model scored.
_SCORES = "SELECT model, customer_id, score FROM prediction_scores ORDER BY model, customer_id"


@dataclass(frozen=True)
class ExportResult:
    """What one run wrote: the events after ``after`` up to ``upto``, into ``files``."""

    folder: Path
    after: int
    upto: int
    events: int
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def configured_folder(ws: Workspace) -> Path | None:
    """The setting ``parquet_export_dir`` (relative: inside the workspace); None when off."""
    value = ws.setting("parquet_export_dir").strip()
    if not value:
        return None
    return ws.root / value


def export_interval(ws: Workspace) -> float:
    """How often the server exports: ``parquet_export_seconds`` when a folder is set, else 0."""
    if configured_folder(ws) is None:
        return 0.0
    return float(ws.setting("parquet_export_seconds"))


def export_configured(ws: Workspace) -> ExportResult | None:
    """One run into the configured folder (the server's job); None when the export is off."""
    folder = configured_folder(ws)
    return None if folder is None else export_parquet(ws, folder)


def export_parquet(ws: Workspace, folder: Path | str) -> ExportResult:
    """Export the events not exported to ``folder`` yet, and the identity snapshots."""
    target = Path(folder).resolve()
    started = time.perf_counter()
    log = ws.events
    result: ExportResult = log.write(lambda con: _export(con, target, log.last_seq))
    return ExportResult(
        result.folder,
        result.after,
        result.upto,
        result.events,
        result.files,
        time.perf_counter() - started,
    )


def erase_rows(con: duckdb.DuckDBPyConnection, seqs: list[int], ids: list[str]) -> int:
    """Remove a customer's rows (their events' ``seqs``, or any row naming one of ``ids``)
    from every export folder, and rewrite the identity snapshots; how many rows went.

    Runs in the event log's writer thread, after the identity tables lost the customer."""
    cond = (
        "coalesce(list_contains(?::BIGINT[], seq) OR list_contains(?, user_id) "
        "OR list_contains(?, anonymous_id) OR list_contains(?, previous_id), false)"
    )
    removed = 0
    for folder in _folders(con):
        files = _event_files(folder)
        if not files:
            continue
        params = [seqs, ids, ids, ids]
        holding = con.execute(
            f"SELECT filename, count(*) FROM {_read(files, filename=True)} "
            f"WHERE {cond} GROUP BY filename",
            params,
        ).fetchall()
        for name, count in holding:
            _rewrite(con, Path(name), f"NOT {cond}", params)
            removed += int(count)
        _write_identity(con, folder)
    return removed


def expire(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> int:
    """Delete the exported events older than ``cutoff`` from every export folder: whole date
    partitions before its day, and the older rows of its day's files; how many files went.

    Runs in the event log's writer thread."""
    day = cutoff.date().isoformat()
    deleted = 0
    for folder in _folders(con):
        events = folder / EVENTS_DIR
        if not events.is_dir():
            continue
        for partition in sorted(events.glob(f"{PARTITION}=*")):
            date = partition.name.split("=", 1)[1]
            if date < day:
                deleted += len(list(partition.glob("*.parquet")))
                shutil.rmtree(partition)
            elif date == day:
                for path in sorted(partition.glob("*.parquet")):
                    _rewrite(con, path, "timestamp >= ?", [cutoff])
        _fsync(events)
    return deleted


# -- a run ------------------------------------------------------------------------------------
def _export(con: duckdb.DuckDBPyConnection, folder: Path, upto: int) -> ExportResult:
    con.execute(STATE_DDL)
    events = folder / EVENTS_DIR
    row = con.execute(
        "SELECT position FROM parquet_exports WHERE folder = ?", [str(folder)]
    ).fetchone()
    # A folder removed by hand is exported again from the start.
    after = int(row[0]) if row and events.is_dir() else 0
    events.mkdir(parents=True, exist_ok=True)
    _drop_unfinished(events, after)
    files: list[Path] = []
    count = 0
    if upto > after:
        count, files = _write_events(con, events, after, upto)
    _write_identity(con, folder)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT INTO parquet_exports VALUES (?, ?, now()) ON CONFLICT (folder) "
            "DO UPDATE SET position = excluded.position, exported_at = excluded.exported_at",
            [str(folder), max(after, upto)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return ExportResult(folder, after, max(after, upto), count, files)


def _write_events(
    con: duckdb.DuckDBPyConnection, events: Path, after: int, upto: int
) -> tuple[int, list[Path]]:
    """COPY the events ``after < seq <= upto`` into staging, then move the files in place."""
    staging = events / f"{_STAGING}{uuid.uuid4().hex}"
    query = (
        f"SELECT {_SELECT}, CAST(timestamp AS DATE) AS {PARTITION} FROM events "
        f"WHERE seq > {int(after)} AND seq <= {int(upto)} ORDER BY seq"
    )
    row = con.execute(
        f"COPY ({query}) TO {literal(str(staging))} "
        f"(FORMAT parquet, PARTITION_BY ({PARTITION}), FILENAME_PATTERN 'part_{{i}}')"
    ).fetchone()
    count = int(row[0]) if row else 0
    files: list[Path] = []
    name = f"events-{after + 1:012d}-{upto:012d}"
    for partition in sorted(p for p in staging.iterdir() if p.is_dir()):
        parts = sorted(partition.glob("*.parquet"))
        final_dir = events / partition.name
        final_dir.mkdir(exist_ok=True)
        for k, part in enumerate(parts):
            target = final_dir / (f"{name}.parquet" if len(parts) == 1 else f"{name}-{k}.parquet")
            _fsync(part)
            os.replace(part, target)
            files.append(target)
        _fsync(final_dir)
    shutil.rmtree(staging, ignore_errors=True)
    _fsync(events)
    return count, files


def _write_identity(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Replace the identity snapshots, each atomically."""
    identity = folder / IDENTITY_DIR
    identity.mkdir(parents=True, exist_ok=True)
    snapshots = dict(_IDENTITY)
    scored = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'prediction_scores'"
    ).fetchone()
    if scored and scored[0]:
        snapshots["scores"] = _SCORES
    for name, sql in snapshots.items():
        tmp = identity / f".{name}-{uuid.uuid4().hex}.parquet"
        con.execute(f"COPY ({sql}) TO {literal(str(tmp))} (FORMAT parquet)")
        _fsync(tmp)
        os.replace(tmp, identity / f"{name}.parquet")
    _fsync(identity)


def _drop_unfinished(events: Path, position: int) -> None:
    """Delete what a run that never moved the cursor left: staging folders, files past it."""
    for staging in events.glob(f"{_STAGING}*"):
        shutil.rmtree(staging, ignore_errors=True)
    for path in events.glob("*/*.parquet"):
        match = _FILE.match(path.name)
        if match and int(match.group(1)) > position:
            path.unlink()


# -- rewriting files --------------------------------------------------------------------------
def _rewrite(con: duckdb.DuckDBPyConnection, path: Path, keep: str, params: list[object]) -> None:
    """Replace a file by its rows that satisfy ``keep``, atomically; delete it if none do."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    row = con.execute(
        f"COPY (SELECT * FROM {_read([path])} WHERE {keep}) TO {literal(str(tmp))} "
        "(FORMAT parquet)",
        params,
    ).fetchone()
    if row and int(row[0]):
        _fsync(tmp)
        os.replace(tmp, path)
    else:
        tmp.unlink(missing_ok=True)
        path.unlink()
    _fsync(path.parent)


def _read(files: list[Path], filename: bool = False) -> str:
    """A read_parquet() of exactly these files, without the partition column."""
    listed = ", ".join(literal(str(f)) for f in files)
    extra = ", filename = true" if filename else ""
    return f"read_parquet([{listed}], hive_partitioning = false{extra})"


def _folders(con: duckdb.DuckDBPyConnection) -> list[Path]:
    """Every folder the event log was ever exported to that still exists."""
    con.execute(STATE_DDL)
    rows = con.execute("SELECT folder FROM parquet_exports ORDER BY folder").fetchall()
    return [Path(r[0]) for r in rows if Path(r[0]).is_dir()]


def _event_files(folder: Path) -> list[Path]:
    return sorted((folder / EVENTS_DIR).glob(f"{PARTITION}=*/*.parquet"))


# -- durability -------------------------------------------------------------------------------
def _fsync(path: Path) -> None:
    """Flush a file's bytes, or a folder's entries (a rename), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
