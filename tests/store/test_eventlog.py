"""The event log: sequence numbers, idempotency, group commit, durability, consumers."""

from __future__ import annotations

import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from journeys.errors import JourneysError, StoreUnavailable
from journeys.store.eventlog import EventLog
from journeys.store.schema import INCOMING_SCHEMA

T0 = datetime(2026, 1, 1, 12, 0)


def events(n: int, ids: list[str] | None = None, start: datetime = T0) -> pa.Table:
    ids = ids or [str(uuid.uuid4()) for _ in range(n)]
    return pa.table(
        {
            "message_id": ids,
            "type": ["track"] * len(ids),
            "event": [f"e{i}" for i in range(len(ids))],
            "user_id": ["u1"] * len(ids),
            "timestamp": pa.array(
                [start + timedelta(seconds=i) for i in range(len(ids))], pa.timestamp("us")
            ),
        }
    )


@pytest.fixture
def log(tmp_path: Path):
    with EventLog(tmp_path / "events.duckdb") as log:
        yield log


def stored(log: EventLog) -> list[tuple[int, str]]:
    return log.reader().execute("SELECT seq, message_id FROM events ORDER BY seq").fetchall()


def test_every_event_gets_the_next_sequence_number(log: EventLog) -> None:
    first = log.append(events(3), "s")
    second = log.append(events(2), "s")
    assert (first.stored, first.last_seq) == (3, 3)
    assert (second.stored, second.last_seq) == (2, 5)
    assert [seq for seq, _ in stored(log)] == [1, 2, 3, 4, 5]


def test_a_resent_message_is_stored_once(log: EventLog) -> None:
    batch = events(4)
    log.append(batch, "s")
    again = log.append(batch, "s")
    assert (again.stored, again.duplicates) == (0, 4)
    assert len(stored(log)) == 4


def test_a_message_twice_in_one_batch_is_stored_once_in_first_position(log: EventLog) -> None:
    result = log.append(events(0, ids=["a", "b", "a", "c"]), "s")
    assert (result.stored, result.duplicates) == (3, 1)
    rows = log.reader().execute("SELECT message_id, event FROM events ORDER BY seq").fetchall()
    assert rows == [("a", "e0"), ("b", "e1"), ("c", "e3")]


def test_a_resend_with_a_slightly_different_timestamp_is_still_a_duplicate(log: EventLog) -> None:
    log.append(events(0, ids=["m1"]), "s")
    resent = log.append(events(0, ids=["m1"], start=T0 + timedelta(hours=2)), "s")
    assert resent.stored == 0


def test_concurrent_appends_are_group_committed_without_loss(log: EventLog) -> None:
    batches = [events(5) for _ in range(200)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda b: log.append(b, "s"), batches))
    assert sum(r.stored for r in results) == 1000
    seqs = [seq for seq, _ in stored(log)]
    assert seqs == list(range(1, 1001))
    all_ids = {m for b in batches for m in b["message_id"].to_pylist()}
    assert {m for _, m in stored(log)} == all_ids


def test_concurrent_resends_of_one_batch_store_it_once(log: EventLog) -> None:
    batch = events(10)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: log.append(batch, "s"), range(16)))
    assert sum(r.stored for r in results) == 10
    assert sum(r.duplicates for r in results) == 150


def test_events_survive_a_reopen_and_numbering_continues(tmp_path: Path) -> None:
    path = tmp_path / "events.duckdb"
    with EventLog(path) as log:
        log.append(events(3), "s")
    with EventLog(path) as log:
        assert log.last_seq == 3
        assert log.append(events(1), "s").last_seq == 4


def test_producer_tables_must_carry_the_required_columns(log: EventLog) -> None:
    with pytest.raises(KeyError, match="timestamp"):
        log.append(pa.table({"message_id": ["x"], "type": ["track"], "event": ["e"]}), "s")
    assert log.append(events(1), "s").stored == 1  # the writer is still alive


def test_a_second_process_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "events.duckdb"
    with EventLog(path):
        code = (
            "from journeys.store.eventlog import EventLog\n"
            "from journeys.errors import StoreUnavailable\n"
            "try:\n"
            f"    EventLog({str(path)!r})\n"
            "except StoreUnavailable as e:\n"
            "    print(e.code, e.message)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.startswith("store_unavailable cannot open the event log")
    assert "journeys serve" in out.stdout
    assert StoreUnavailable.status == 503


class Counter:
    """A consumer counting events per name, failing on request."""

    name = "counter"
    version = 1

    def __init__(self) -> None:
        self.failures_left = 0

    def create(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CREATE TABLE IF NOT EXISTS counts (event VARCHAR PRIMARY KEY, n BIGINT)")

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("DROP TABLE IF EXISTS counts")

    def apply(self, con: duckdb.DuckDBPyConnection, after: int, upto: int) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("boom")
        con.execute(
            "INSERT INTO counts SELECT event, count(*) FROM events WHERE seq > ? AND seq <= ? "
            "GROUP BY event ON CONFLICT DO UPDATE SET n = n + excluded.n",
            [after, upto],
        )


def counts(log: EventLog) -> dict[str, int]:
    return dict(log.reader().execute("SELECT event, n FROM counts").fetchall())


def test_a_consumer_follows_the_log_and_rebuilds_to_the_same_state(tmp_path: Path) -> None:
    counter = Counter()
    with EventLog(tmp_path / "e.duckdb", consumers=[counter]) as log:
        for _ in range(3):
            log.append(events(4), "s")
        log.sync()
        incremental = counts(log)
        log.rebuild("counter")
        assert counts(log) == incremental == {"e0": 3, "e1": 3, "e2": 3, "e3": 3}


def test_a_failing_consumer_keeps_its_cursor_and_catches_up(tmp_path: Path) -> None:
    counter = Counter()
    with EventLog(tmp_path / "e.duckdb", consumers=[counter]) as log:
        log.append(events(2), "s")
        log.sync()
        counter.failures_left = 2  # the pass after the append and the one in sync() fail
        result = log.append(events(2), "s")
        assert result.stored == 2  # the events are committed even though the consumer failed
        with pytest.raises(JourneysError, match="counter consumer failed"):
            log.sync()
        log.sync()  # the next pass applies what the failed ones did not
        assert counts(log) == {"e0": 2, "e1": 2}


def test_a_consumer_resumes_from_its_durable_cursor_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "e.duckdb"
    with EventLog(path, consumers=[Counter()]) as log:
        log.append(events(2), "s")
    with EventLog(path) as log:  # events arrive while the consumer is not attached
        log.append(events(2), "s")
    with EventLog(path, consumers=[Counter()]) as log:
        assert counts(log) == {"e0": 2, "e1": 2}


def test_incoming_schema_has_the_documented_columns() -> None:
    assert INCOMING_SCHEMA.names[:3] == ["message_id", "type", "event"]


def test_sequence_numbers_follow_the_input_order_through_the_duplicate_check(
    log: EventLog,
) -> None:
    first = events(300)
    log.append(first, "s")
    # Overlapping in time with stored events, so the duplicate check joins against them.
    mixed = pa.concat_tables([events(200, start=T0), first.slice(0, 50), events(200, start=T0)])
    result = log.append(mixed, "s")
    assert (result.stored, result.duplicates) == (400, 50)
    later = log.reader().execute("SELECT message_id FROM events WHERE seq > 300 ORDER BY seq")
    expected = [
        m for m in mixed["message_id"].to_pylist() if m not in set(first["message_id"].to_pylist())
    ]
    assert [r[0] for r in later.fetchall()] == expected
