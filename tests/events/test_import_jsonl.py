"""JSON Lines import: Segment messages through the tracking normalisation, and flat records."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from journeys.errors import ImportFailed
from journeys.events.importers import ColumnMapping
from journeys.events.importing import ImportSummary, import_file
from journeys.store.eventlog import EventLog

NOW = datetime(2024, 5, 1, 12, 0)


def jsonl(path: Path, *lines: Any) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def rejects(summary: ImportSummary) -> list[dict[str, Any]]:
    assert summary.reject_file is not None
    return [json.loads(line) for line in summary.reject_file.read_text().splitlines()]


def stored(log: EventLog, columns: str) -> list[tuple[Any, ...]]:
    return log.reader().execute(f"SELECT {columns} FROM events ORDER BY seq").fetchall()


TRACK = {
    "type": "track",
    "userId": "u1",
    "event": "Order Completed",
    "timestamp": "2024-01-02T10:00:00+01:00",
    "properties": {"total": 30},
}


def test_segment_messages_with_bad_lines(log: EventLog, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "segment.jsonl",
        {**TRACK, "messageId": "m1"},
        '{"type": "track", "userId": "u2", ',  # cut off
        "",  # blank lines are not rows
        {"type": "track", "event": "Viewed", "timestamp": "2024-01-02T10:00:00Z"},
        {"type": "track", "userId": "u3", "timestamp": "2024-01-02T10:00:00Z"},
        '["not", "an", "object"]',
        {
            "type": "identify",
            "anonymousId": "a1",
            "traits": {"plan": "pro"},
            "timestamp": "2024-01-03T00:00:00Z",
            "messageId": "m2",
        },
        {"type": "bogus", "userId": "u4"},
    )
    summary = import_file(log, path, received_at=NOW)
    assert (summary.format, summary.read, summary.stored, summary.refused) == ("jsonl", 7, 2, 5)
    assert summary.reject_file == tmp_path / "segment.jsonl.rejects.jsonl"
    assert [(r["line"], r["code"]) for r in rejects(summary)] == [
        (2, "bad_json"),
        (4, "event_invalid"),
        (5, "event_invalid"),
        (6, "not_object"),
        (8, "event_invalid"),
    ]
    reasons = [r["reason"] for r in rejects(summary)]
    assert reasons[0].startswith("not valid JSON: ")
    assert "userId or anonymousId is required" in reasons[1]
    assert "event: Field required" in reasons[2]
    assert rejects(summary)[0]["raw"] == '{"type": "track", "userId": "u2",'
    assert stored(
        log, "message_id, type, event, user_id, anonymous_id, timestamp, properties, traits"
    ) == [
        (
            "m1",
            "track",
            "Order Completed",
            "u1",
            None,
            datetime(2024, 1, 2, 9, 0),
            '{"total":30}',
            None,
        ),
        ("m2", "identify", "identify", None, "a1", datetime(2024, 1, 3), None, '{"plan":"pro"}'),
    ]


def test_messages_without_ids_are_stored_once(log: EventLog, tmp_path: Path) -> None:
    # Two identical messages are two events (a double click), yet a re-import adds nothing.
    path = jsonl(tmp_path / "noids.jsonl", TRACK, TRACK, {**TRACK, "event": "Other"})
    first = import_file(log, path, received_at=NOW)
    again = import_file(log, path, received_at=NOW)
    assert (first.stored, again.stored, again.duplicates) == (3, 0, 3)


def test_history_keeps_its_own_times(log: EventLog, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "history.jsonl",
        # sentAt without receivedAt: no skew correction against today's import time.
        {**TRACK, "messageId": "a", "sentAt": "2024-01-02T09:00:05Z"},
        # Both: Segment's correction, as at the time it was received (client clock 5 s fast).
        {
            **TRACK,
            "messageId": "b",
            "sentAt": "2024-01-02T09:00:05Z",
            "receivedAt": "2024-01-02T09:00:00Z",
        },
        # An export with originalTimestamp is already corrected.
        {
            **TRACK,
            "messageId": "c",
            "sentAt": "2024-01-02T09:00:05Z",
            "receivedAt": "2024-01-02T09:00:00Z",
            "originalTimestamp": "2024-01-02T10:00:05+01:00",
        },
        # No timestamp: the receive time, the message's own when it has one.
        {
            "type": "track",
            "userId": "u1",
            "event": "x",
            "messageId": "d",
            "receivedAt": "2024-01-02T08:00:00Z",
        },
        {"type": "track", "userId": "u1", "event": "x", "messageId": "e"},
    )
    import_file(log, path, received_at=NOW)
    assert stored(log, "message_id, timestamp") == [
        ("a", datetime(2024, 1, 2, 9, 0)),
        ("b", datetime(2024, 1, 2, 8, 59, 55)),
        ("c", datetime(2024, 1, 2, 9, 0)),
        ("d", datetime(2024, 1, 2, 8, 0)),
        ("e", NOW),
    ]


def test_flat_records_are_mapped_like_csv(log: EventLog, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "flat.ndjson",
        {
            "customer_id": 7,
            "event_type": "view",
            "event_time": "2024-01-01 10:00:00 UTC",
            "price": 9.5,
            "tags": ["a"],
        },
        "{broken",
        {"customer_id": "8", "event_type": "cart", "event_time": "not a time", "price": 1},
        {"customer_id": "9", "event_type": "cart", "event_time": "2024-01-01T11:00:00Z"},
    )
    summary = import_file(log, path, received_at=NOW)
    assert (summary.read, summary.stored, summary.refused) == (4, 2, 2)
    assert [(r["line"], r["code"], r["raw"]) for r in rejects(summary)] == [
        (2, "bad_json", "{broken"),
        (
            3,
            "bad_timestamp",
            json.dumps(
                {"customer_id": "8", "event_type": "cart", "event_time": "not a time", "price": 1}
            ),
        ),
    ]
    assert stored(log, "user_id, event, timestamp, properties") == [
        ("7", "view", datetime(2024, 1, 1, 10, 0), '{"price":9.5,"tags":["a"]}'),
        ("9", "cart", datetime(2024, 1, 1, 11, 0), "{}"),
    ]


def test_a_mapping_reads_segment_shaped_files_as_records(log: EventLog, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.jsonl", {**TRACK, "messageId": "m1"}, {**TRACK, "messageId": "m1"})
    mapping = ColumnMapping.parse("user_id=userId message_id=messageId properties=properties")
    summary = import_file(log, path, received_at=NOW, mapping=mapping)
    # The file's message ids hold: the second line is a resend of the first.
    assert (summary.stored, summary.duplicates) == (1, 1)
    assert stored(log, "message_id, properties") == [("m1", '{"properties":{"total":30}}')]


def test_garbage_is_refused_as_a_whole(log: EventLog, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "junk.jsonl", "hello", "world")
    with pytest.raises(ImportFailed, match=r"junk.jsonl: none of the first 1000 lines"):
        import_file(log, path, received_at=NOW)
    assert not (tmp_path / "junk.jsonl.rejects.jsonl").exists()
