"""CSV and Parquet import: mapping, detection, refused rows, typed properties, idempotency."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.errors import ImportFailed
from journeys.events.importers import ColumnMapping, tabular
from journeys.events.importing import ImportSummary, import_file
from journeys.store.eventlog import EventLog

REES46 = Path(__file__).resolve().parents[3] / "shared/data/clickstream/rees46_2019-Oct_head.csv"
NOW = datetime(2024, 5, 1, 12, 0)


def run(
    log: EventLog, path: Path, mapping: ColumnMapping | None = None, **kw: object
) -> ImportSummary:
    return import_file(log, path, received_at=NOW, mapping=mapping, **kw)  # type: ignore[arg-type]


def count(log: EventLog, sql: str) -> object:
    row = log.reader().execute(sql).fetchone()
    return row[0] if row else None


def rejects(summary: ImportSummary) -> list[dict[str, object]]:
    assert summary.reject_file is not None
    return [json.loads(line) for line in summary.reject_file.read_text().splitlines()]


# -- the REES46 clickstream -------------------------------------------------------------------
def test_rees46_with_a_mapping(log: EventLog, tmp_path: Path) -> None:
    mapping = ColumnMapping.parse("user_id=user_id event=event_type timestamp=event_time")
    summary = run(log, REES46, mapping, rejects=tmp_path / "rees.rejects.jsonl")
    # 17,435 data rows; the last is cut off mid-value (8 of 9 fields, no final newline: its
    # user id 52040330 is the truncated 520403304), so it is refused, not stored as a user.
    assert (summary.read, summary.stored, summary.duplicates, summary.refused) == (
        17435,
        17434,
        0,
        1,
    )
    assert count(log, "SELECT count(DISTINCT user_id) FROM events") == 4504
    assert count(log, "SELECT count(DISTINCT properties->>'user_session') FROM events") == 5066
    [refused] = rejects(summary)
    assert refused["line"] == 17436 and refused["code"] == "malformed_row"
    assert "Expected Number of Columns: 9 Found: 8" in str(refused["reason"])
    assert str(refused["raw"]).endswith(",elenberg,25.71,52040330")


def test_rees46_identical_rows_are_all_kept(log: EventLog, tmp_path: Path) -> None:
    # The file repeats 5 rows exactly (same second, product and session): each is an event.
    run(log, REES46, rejects=tmp_path / "r.jsonl")
    assert count(log, "SELECT count(*) FROM events") == 17434
    assert count(log, "SELECT count(DISTINCT message_id) FROM events") == 17434
    distinct = "SELECT DISTINCT user_id, event, timestamp, properties FROM events"
    assert count(log, f"SELECT count(*) FROM ({distinct})") == 17429


def test_rees46_columns_are_detected_and_typed(log: EventLog, tmp_path: Path) -> None:
    run(log, REES46, rejects=tmp_path / "r.jsonl")
    row = (
        log.reader()
        .execute("SELECT user_id, event, timestamp, properties FROM events ORDER BY seq LIMIT 1")
        .fetchone()
    )
    assert row is not None
    assert row[:3] == ("541312140", "view", datetime(2019, 10, 1, 0, 0))
    assert json.loads(row[3]) == {
        "product_id": 44600062,  # numbers throughout the sample become JSON numbers
        "category_id": "2103807459595387724",  # too long for a JSON number: kept as text
        "category_code": None,
        "brand": "shiseido",
        "price": 35.79,
        "user_session": "72d76fde-8bb3-4e00-8c23-a032dfed738c",
    }


def test_rees46_imported_twice_is_stored_once(log: EventLog, tmp_path: Path) -> None:
    first = run(log, REES46, rejects=tmp_path / "r.jsonl")
    again = run(log, REES46, rejects=tmp_path / "r.jsonl")
    assert (first.stored, again.stored, again.duplicates, again.refused) == (17434, 0, 17434, 1)


# -- CSV rows -----------------------------------------------------------------------------------
def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_bad_rows_are_refused_with_reasons_and_good_rows_stored(
    log: EventLog, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "clicks.csv",
        "customer;action;when;price\n"
        "u1;view;2024-01-01 10:00:00;3.5\n"
        "u2;view;yesterday;1\n"
        ";view;2024-01-01 10:00:00;1\n"
        "u3;;2024-01-01 10:00:00;1\n"
        "u4;cart;2024-01-01T12:00:00+02:00;n/a\n",
    )
    summary = run(log, path, ColumnMapping(timestamp="when"))  # customer, action: detected
    assert (summary.read, summary.stored, summary.refused) == (5, 2, 3)
    assert summary.reject_file == tmp_path / "clicks.csv.rejects.jsonl"
    assert [(r["row"], r["code"]) for r in rejects(summary)] == [
        (2, "bad_timestamp"),
        (3, "missing_id"),
        (4, "missing_event"),
    ]
    first = rejects(summary)[0]
    assert first["reason"] == (
        "cannot read \"yesterday\" in column 'when' as a date-time "
        "(ISO 8601, or set timestamp_format)"
    )
    assert first["raw"] == {"customer": "u2", "action": "view", "when": "yesterday", "price": "1"}
    stored = (
        log.reader()
        .execute("SELECT user_id, event, timestamp, properties FROM events ORDER BY seq")
        .fetchall()
    )
    assert stored == [
        ("u1", "view", datetime(2024, 1, 1, 10, 0), '{"price":"3.5"}'),  # "n/a" is no number
        ("u4", "cart", datetime(2024, 1, 1, 10, 0), '{"price":"n/a"}'),
    ]


def test_property_types_come_from_a_sample(
    log: EventLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "SAMPLE_ROWS", 2)
    path = write(
        tmp_path / "typed.csv",
        "user_id,event,time,n,x,ok,zip\n"
        "u,e,2024-01-01,1,1.5,true,0042\n"
        "u,e,2024-01-02,2,2,FALSE,0043\n"
        "u,e,2024-01-03,three,3e2,maybe,0044\n",
    )
    run(log, path)
    props = [
        r[0] for r in log.reader().execute("SELECT properties FROM events ORDER BY seq").fetchall()
    ]
    assert [json.loads(p) for p in props] == [
        {"n": 1, "x": 1.5, "ok": True, "zip": "0042"},  # leading zeros keep a code textual
        {"n": 2, "x": 2.0, "ok": False, "zip": "0043"},
        # Past the sample a value that does not fit stays text instead of being lost.
        {"n": "three", "x": 300.0, "ok": "maybe", "zip": "0044"},
    ]


def test_detection_failure_names_the_missing_columns(log: EventLog, tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", "who,what,amount\na,b,1\n")
    with pytest.raises(ImportFailed) as failed:
        run(log, path)
    message = failed.value.message
    assert message.startswith("odd.csv: cannot tell which column holds user_id (or anonymous_id), ")
    assert "timestamp, event" in message and "the columns are who, what, amount" in message
    assert "--map user_id=COLUMN timestamp=COLUMN event=COLUMN" in message
    assert failed.value.details["missing"] == ["user_id", "timestamp", "event"]


def test_mapping_to_a_missing_column_fails(log: EventLog, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "user_id,event,time\nu,e,2024-01-01\n")
    with pytest.raises(ImportFailed, match=r"a.csv: no column 'ts' \(mapped to timestamp\)"):
        run(log, path, ColumnMapping(timestamp="ts"))


def test_timestamp_formats(log: EventLog, tmp_path: Path) -> None:
    dmy = write(tmp_path / "dmy.csv", "user_id,event,time\nu,e,31/12/2023 23:59\n")
    unix = write(tmp_path / "unix.csv", "user_id,event,time\nu,f,1704067200.5\n")
    run(log, dmy, ColumnMapping(timestamp_format="%d/%m/%Y %H:%M"))
    run(log, unix, ColumnMapping(timestamp_format="unix"))
    assert log.reader().execute("SELECT event, timestamp FROM events ORDER BY seq").fetchall() == [
        ("e", datetime(2023, 12, 31, 23, 59)),
        ("f", datetime(2024, 1, 1, 0, 0, 0, 500000)),
    ]


def test_explicit_properties_type_and_channel(log: EventLog, tmp_path: Path) -> None:
    path = write(
        tmp_path / "mixed.csv",
        "id,kind,name,at,via,plan,noise\n"
        "u1,identify,,2024-01-01,Email,gold,x\n"
        "u1,track,Signed Up,2024-01-01,Web,gold,x\n"
        "u1,bogus,Thing,2024-01-01,Web,gold,x\n",
    )
    mapping = ColumnMapping.parse(
        ["user_id=id", "type=kind", "event=name", "timestamp=at", "channel=via", "properties=plan"]
    )
    summary = run(log, path, mapping)
    assert (summary.stored, summary.refused) == (2, 1)
    assert rejects(summary)[0]["reason"] == (
        'type "bogus" is not one of track, identify, page, screen, group, alias'
    )
    assert log.reader().execute(
        "SELECT type, event, channel, properties, traits FROM events ORDER BY seq"
    ).fetchall() == [
        ("identify", "identify", "email", None, '{"plan":"gold"}'),
        ("track", "Signed Up", "web", '{"plan":"gold"}', None),
    ]


def test_a_file_without_a_header_fails(log: EventLog, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match=r"empty.csv: line 1: the file is empty"):
        run(log, write(tmp_path / "empty.csv", ""))


# -- Parquet -----------------------------------------------------------------------------------
def clicks_parquet(path: Path, rows: int = 1000) -> Path:
    table = pa.table(
        {
            "event_time": pa.array(
                [datetime(2024, 1, 1, 0, 0, i % 60) for i in range(rows)], pa.timestamp("ms")
            ),
            "event_type": ["view" if i % 3 else "cart" for i in range(rows)],
            "user_id": pa.array([1000 + i % 37 for i in range(rows)], pa.int64()),
            "price": [float(i % 7) for i in range(rows)],
            "tags": [["a", "b"] for _ in range(rows)],
        }
    )
    pq.write_table(table, path, row_group_size=300)
    return path


def test_parquet_typed_columns(log: EventLog, tmp_path: Path) -> None:
    summary = run(log, clicks_parquet(tmp_path / "clicks.parquet"), chunk_rows=256)
    assert (summary.format, summary.read, summary.stored, summary.refused) == (
        "parquet",
        1000,
        1000,
        0,
    )
    row = (
        log.reader()
        .execute("SELECT user_id, event, timestamp, properties FROM events WHERE seq = 2")
        .fetchone()
    )
    assert row == ("1001", "view", datetime(2024, 1, 1, 0, 0, 1), '{"price":1.0,"tags":["a","b"]}')


def test_seq_keeps_the_files_row_order(log: EventLog, tmp_path: Path) -> None:
    # The order breaks ties between equal timestamps, so seq must follow the file's rows across
    # row groups (a hash join in the mapping SQL once reshuffled them).
    run(log, clicks_parquet(tmp_path / "clicks.parquet"))
    users = log.reader().execute("SELECT user_id FROM events ORDER BY seq").fetchall()
    assert [u for (u,) in users] == [str(1000 + i % 37) for i in range(1000)]


def test_parquet_imported_twice_is_stored_once(log: EventLog, tmp_path: Path) -> None:
    path = clicks_parquet(tmp_path / "clicks.parquet")
    first = run(log, path)
    again = run(log, path, chunk_rows=333)  # ids do not depend on how the file is chunked
    # 1000 rows but only 37 users × 60 seconds × … : many rows are identical and all are kept.
    assert (first.stored, again.stored, again.duplicates) == (1000, 0, 1000)


def test_parquet_refused_rows_name_their_row(log: EventLog, tmp_path: Path) -> None:
    path = tmp_path / "gaps.parquet"
    pq.write_table(
        pa.table(
            {
                "user_id": ["a", None, "c"],
                "event": ["e", "e", None],
                "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"],
            }
        ),
        path,
    )
    summary = run(log, path)
    assert [(r["row"], r["code"]) for r in rejects(summary)] == [
        (2, "missing_id"),
        (3, "missing_event"),
    ]


def test_numeric_timestamps_need_a_unit(log: EventLog, tmp_path: Path) -> None:
    path = tmp_path / "epoch.parquet"
    pq.write_table(pa.table({"user_id": ["a"], "event": ["e"], "ts": [1_704_067_200_000]}), path)
    with pytest.raises(ImportFailed, match="holds numbers; say which unit"):
        run(log, path)
    run(log, path, ColumnMapping(timestamp_format="unix_ms"))
    assert count(log, "SELECT timestamp FROM events") == datetime(2024, 1, 1)


def test_not_a_parquet_file(log: EventLog, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match=r"fake.parquet: not a readable Parquet file"):
        run(log, write(tmp_path / "fake.parquet", "user_id,event\n"))
