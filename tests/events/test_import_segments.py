"""Parquet imports stored as segments of the event log, read through the ``events`` view."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from journeys.events.importers import ColumnMapping
from journeys.events.importing import ImportSummary, import_file
from journeys.events.profiles import customer_profile
from journeys.store.eventlog import EventLog
from journeys.workspace import Workspace

from factories import send, track

NOW = datetime(2024, 5, 1, 12, 0)


def parquet(path: Path, **columns: list[object]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def run(log: EventLog, path: Path, **kw: object) -> ImportSummary:
    return import_file(log, path, received_at=NOW, **kw)  # type: ignore[arg-type]


def rows(log: EventLog, sql: str) -> list[tuple[object, ...]]:
    return log.fresh_reader().execute(sql).fetchall()


def clicks(path: Path) -> Path:
    return parquet(
        path,
        user_id=["a", "b", None, "a"],
        event=["view", "view", "view", "buy"],
        timestamp=["2024-01-01T10:00:00Z", "2024-01-01T11:00:00+02:00", "2024-01-02", "x"],
        price=[1.5, None, 3.0, 4.0],
        tags=[["x"], [], ["y"], ["z"]],
    )


def test_a_segment_reads_like_appended_events(log: EventLog, tmp_path: Path) -> None:
    path = clicks(tmp_path / "c.parquet")
    summary = run(log, path, source="backfill")
    assert (summary.read, summary.stored, summary.refused) == (4, 2, 2)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    assert rows(
        log,
        "SELECT seq, message_id, source, type, user_id, event, timestamp, original_timestamp,"
        " received_at, properties, context, traits FROM events ORDER BY seq",
    ) == [
        (1, f"{digest}-1", "backfill", "track", "a", "view", datetime(2024, 1, 1, 10),
         datetime(2024, 1, 1, 10), NOW, '{"price":1.5,"tags":["x"]}', None, None),
        (2, f"{digest}-2", "backfill", "track", "b", "view", datetime(2024, 1, 1, 9),
         datetime(2024, 1, 1, 9), NOW, '{"price":null,"tags":[]}', None, None),
    ]  # fmt: skip


def test_refused_rows_go_to_the_reject_file_and_come_back_on_a_reimport(
    log: EventLog, tmp_path: Path
) -> None:
    path = clicks(tmp_path / "c.parquet")
    first = run(log, path)
    again = run(log, path)
    assert (again.read, again.stored, again.duplicates, again.refused) == (4, 0, 2, 2)
    for summary in (first, again):
        assert summary.reject_file is not None
        refused = [json.loads(line) for line in summary.reject_file.read_text().splitlines()]
        assert [(r["row"], r["code"]) for r in refused] == [
            (3, "missing_id"),
            (4, "bad_timestamp"),
        ]
        assert refused[1]["raw"]["event"] == "buy"


def test_numbering_continues_after_a_segment_and_a_reopen(tmp_path: Path) -> None:
    path = clicks(tmp_path / "c.parquet")
    with EventLog(tmp_path / "log.duckdb") as log:
        run(log, path)  # seq 1..4 handed out, rows 3 and 4 refused
    with EventLog(tmp_path / "log.duckdb") as log:
        assert log.last_seq == 4
        send(log, track({"userId": "c"}, "later", 0))
        assert rows(log, "SELECT seq, user_id FROM events ORDER BY seq") == [
            (1, "a"),
            (2, "b"),
            (5, "c"),
        ]


def test_own_message_ids_are_deduplicated_within_the_file_and_against_the_log(
    log: EventLog, tmp_path: Path
) -> None:
    send(log, {**track({"userId": "a"}, "view", 0), "messageId": "m1"})
    path = parquet(
        tmp_path / "ids.parquet",
        id=["m1", "m2", "m2", "m3"],
        user_id=["a", "a", "a", "b"],
        event=["view", "cart", "cart", "buy"],
        timestamp=["2026-03-02T09:00:00Z"] * 4,
    )
    summary = run(log, path, mapping=ColumnMapping.parse("message_id=id"))
    assert (summary.stored, summary.duplicates) == (2, 2)
    assert rows(log, "SELECT message_id, event FROM events ORDER BY seq") == [
        ("m1", "view"),
        ("m2", "cart"),
        ("m3", "buy"),
    ]


def test_identify_rows_of_a_segment_stitch_customers(ws: Workspace, tmp_path: Path) -> None:
    path = parquet(
        tmp_path / "crm.parquet",
        type=["track", "identify", "track"],
        anon=["d1", "d1", None],
        user=[None, "ann", "ann"],
        event=["view", None, "buy"],
        ts=["2024-01-01T09:00:00Z", "2024-01-01T09:05:00Z", "2024-01-01T09:10:00Z"],
        email=[None, "ann@example.com", None],
    )
    mapping = ColumnMapping.parse(
        "type=type anonymous_id=anon user_id=user event=event timestamp=ts"
    )
    assert run(ws.events, path, mapping=mapping).stored == 3
    profile = customer_profile(ws.events.fresh_reader(), "d1", 10, 0)
    assert profile.customer_id == "ann"
    assert profile.traits["email"] == "ann@example.com"
    assert [e.event for e in reversed(profile.timeline)] == ["view", "identify", "buy"]
    traits = rows(ws.events, "SELECT properties, traits FROM events WHERE type = 'identify'")
    assert traits == [(None, '{"email":"ann@example.com"}')]


def test_rebuilding_consumers_replays_segments_to_the_same_state(
    ws: Workspace, tmp_path: Path
) -> None:
    path = parquet(
        tmp_path / "a.parquet",
        user_id=["u1", "u2"],
        anonymous_id=["d1", "d2"],
        event=["view", "view"],
        timestamp=["2024-01-01", "2024-01-02"],
    )
    run(ws.events, path)
    links = "SELECT anonymous_id, user_id FROM identity_links ORDER BY 1"
    before = rows(ws.events, links)
    ws.events.rebuild("identity")
    assert rows(ws.events, links) == before == [("d1", "u1"), ("d2", "u2")]


def test_a_log_from_before_segments_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with EventLog(db) as log:
        send(log, track({"userId": "a"}, "view", 0))
    con = duckdb.connect(str(db))  # the old layout: events as a table of its own
    con.execute("DROP VIEW events; ALTER TABLE event_rows RENAME TO events")
    con.execute("DROP TABLE event_segments")
    con.close()
    with EventLog(db) as log:
        assert rows(log, "SELECT seq, user_id, event FROM events") == [(1, "a", "view")]
        send(log, track({"userId": "b"}, "view", 1))
        assert log.last_seq == 2


def test_progress_reaches_the_whole_file(log: EventLog, tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    run(log, clicks(tmp_path / "c.parquet"), progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 4) and calls[-1] == (4, 4)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
