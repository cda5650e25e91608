"""import_file as the CLI uses it: formats, the --map syntax, progress, reject files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.errors import ImportFailed, InvalidInput
from journeys.events.importers import ColumnMapping
from journeys.events.importing import detect_format, import_file
from journeys.store.eventlog import EventLog

NOW = datetime(2024, 5, 1, 12, 0)
ROWS = [
    ("u1", "view", "2024-01-01T10:00:00Z"),
    ("u1", "view", "2024-01-01T10:00:00Z"),
    ("u2", "cart", "2024-01-01T10:05:00Z"),
    ("u3", "buy", "2024-01-02T08:00:00Z"),
]


def sample(folder: Path, fmt: str) -> Path:
    """The same four events (two of them identical) in each format."""
    if fmt == "csv":
        path = folder / "events.csv"
        path.write_text("user_id,event,timestamp\n" + "".join(f"{u},{e},{t}\n" for u, e, t in ROWS))
    elif fmt == "jsonl":
        path = folder / "events.jsonl"
        path.write_text(
            "".join(
                json.dumps({"type": "track", "userId": u, "event": e, "timestamp": t}) + "\n"
                for u, e, t in ROWS
            )
        )
    elif fmt == "parquet":
        path = folder / "events.parquet"
        columns = list(zip(*ROWS, strict=True))
        pq.write_table(
            pa.table({"user_id": columns[0], "event": columns[1], "timestamp": columns[2]}), path
        )
    else:
        path = folder / "events.xes"
        traces = {u: [(e, t) for uu, e, t in ROWS if uu == u] for u, _, _ in ROWS}
        path.write_text(
            "<log>"
            + "".join(
                f'<trace><string key="concept:name" value="{u}"/>'
                + "".join(
                    f'<event><string key="concept:name" value="{e}"/>'
                    f'<date key="time:timestamp" value="{t}"/></event>'
                    for e, t in events
                )
                + "</trace>"
                for u, events in traces.items()
            )
            + "</log>"
        )
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "xes"])
def test_every_format_imports_twice_into_one_copy(log: EventLog, tmp_path: Path, fmt: str) -> None:
    path = sample(tmp_path, fmt)
    first = import_file(log, path, received_at=NOW, source="backfill")
    again = import_file(log, path, received_at=NOW)
    assert (first.format, first.read, first.stored, first.refused, first.reject_file) == (
        fmt,
        4,
        4,
        0,
        None,
    )
    assert (again.stored, again.duplicates) == (0, 4)
    rows = (
        log.reader()
        .execute("SELECT source, user_id, event, timestamp FROM events ORDER BY seq")
        .fetchall()
    )
    assert rows == [("backfill", u, e, datetime.fromisoformat(t[:-1])) for u, e, t in ROWS]


def test_progress_is_reported_after_each_chunk(log: EventLog, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text(
        "user_id,event,timestamp\n" + "".join(f"u{i},e,2024-01-01\n" for i in range(25))
    )
    calls: list[tuple[int, int | None]] = []
    summary = import_file(
        log,
        path,
        received_at=NOW,
        chunk_rows=10,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert summary.stored == 25
    assert calls == [(10, 25), (20, 25), (25, 25), (25, 25)]  # the last: malformed rows, none


def test_summary_is_plain_data_for_the_cli(log: EventLog, tmp_path: Path) -> None:
    summary = import_file(log, sample(tmp_path, "csv"), received_at=NOW)
    dumped = summary.model_dump(mode="json")
    assert dumped["file"] == str(tmp_path / "events.csv")
    assert set(dumped) == {
        "file",
        "format",
        "read",
        "stored",
        "duplicates",
        "refused",
        "reject_file",
        "seconds",
    }


def test_reject_file_sits_next_to_the_input_and_is_replaced(log: EventLog, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("user_id,event,timestamp\nu,e,never\n")
    summary = import_file(log, path, received_at=NOW)
    assert summary.reject_file == tmp_path / "x.csv.rejects.jsonl"
    path.write_text("user_id,event,timestamp\nu,e,2024-01-01\n")  # fixed
    assert import_file(log, path, received_at=NOW).reject_file is None
    assert not (tmp_path / "x.csv.rejects.jsonl").exists()  # no stale rejects left behind


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("a.CSV.gz", "csv"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.parquet", "parquet"),
        ("a.xes", "xes"),
        ("a.xes.gz", "xes"),
    ],
)
def test_format_from_the_extension(name: str, fmt: str) -> None:
    assert detect_format(Path(name)) == fmt


def test_unknown_format_and_missing_file(log: EventLog, tmp_path: Path) -> None:
    (tmp_path / "events.txt").write_text("x")
    with pytest.raises(ImportFailed, match=r"events.txt: cannot tell the format .* --format"):
        import_file(log, tmp_path / "events.txt", received_at=NOW)
    with pytest.raises(ImportFailed, match=r"events.txt: unknown format 'excel'"):
        import_file(log, tmp_path / "events.txt", received_at=NOW, format="excel")
    with pytest.raises(ImportFailed, match=r"nope.csv: no such file"):
        import_file(log, tmp_path / "nope.csv", received_at=NOW)


def test_format_option_overrides_the_extension(log: EventLog, tmp_path: Path) -> None:
    path = sample(tmp_path, "csv").rename(tmp_path / "export.txt")
    assert import_file(log, path, received_at=NOW, format="csv").stored == 4


def test_gzip_compressed_csv(log: EventLog, tmp_path: Path) -> None:
    import gzip

    plain = sample(tmp_path, "csv")
    packed = tmp_path / "events.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert import_file(log, packed, received_at=NOW).stored == 4


# -- the --map syntax ----------------------------------------------------------------------------
def test_mapping_from_cli_items() -> None:
    mapping = ColumnMapping.parse(
        [
            "user_id=customer",
            "event=event_type",
            "timestamp=event_time",
            "properties=price, brand",
            "timestamp_format=%Y-%m-%d %H:%M:%S UTC",
        ]
    )
    assert mapping == ColumnMapping(
        user_id="customer",
        event="event_type",
        timestamp="event_time",
        properties=("price", "brand"),
        timestamp_format="%Y-%m-%d %H:%M:%S UTC",
    )
    assert ColumnMapping.parse("user_id=a 'timestamp_format=%d %m'") == ColumnMapping(
        user_id="a", timestamp_format="%d %m"
    )


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["user_id"], "--map takes field=column, got 'user_id'"),
        (["usr=a"], "unknown field in --map; the fields are user_id, anonymous_id"),
        (["event=a", "event=b"], "--map gives event twice"),
    ],
)
def test_bad_mappings(items: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ColumnMapping.parse(items)


def test_partial_mapping_keeps_detected_fields(log: EventLog, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("user_id,event,timestamp,action\nu,page-view,2024-01-01,click\n")
    import_file(log, path, received_at=NOW, mapping=ColumnMapping(event="action"))
    row = log.reader().execute("SELECT event, properties FROM events").fetchone()
    assert row == ("click", '{"event":"page-view"}')
