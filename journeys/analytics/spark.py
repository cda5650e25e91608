"""The Spark engine: the analyses' SQL run by Apache Spark over the Parquet export.

A company whose events outgrow one DuckDB file exports them as Parquet
(``journeys.store.parquet_export``, to a folder or an object-store path) and sets
``analytics_engine: spark``. Every analysis then builds the same SQL as on DuckDB; a
:class:`SparkReader` translates it (:mod:`journeys.analytics.spark_sql`) and runs it on the
Spark session (``spark_master``: ``local[N]`` in one process, or a cluster's URL).

The reader names the export's parts like the event log does, so the queries run unchanged:
``events`` (the JSON columns as VARIANT), ``identity_users``, ``identity_links``,
``stitched_events`` (the same view definition as the workspace's, from
``journeys.events.identity``), ``trait_history`` and ``prediction_scores``.

pyspark is an optional dependency (``pip install journeys[spark]``); it needs Java 17.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from journeys.analytics.spark_sql import to_spark
from journeys.errors import EngineUnavailable, InvalidInput, QueryTimeout
from journeys.events.identity import STITCHED_VIEW

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

JSON_COLUMNS = ("properties", "context", "traits")
EVENT_COLUMNS = (
    "seq",
    "message_id",
    "source",
    "type",
    "event",
    "anonymous_id",
    "user_id",
    "channel",
    "timestamp",
    "original_timestamp",
    "received_at",
    "properties",
    "context",
    "traits",
    "previous_id",
    "group_id",
)
_TIMES = ("timestamp", "original_timestamp", "received_at")
# Snapshots beside the events: (view, file under identity/, columns when the file is absent).
SNAPSHOTS = (
    ("identity_users", "users.parquet", "user_id STRING, customer_id STRING"),
    ("identity_links", "links.parquet", "anonymous_id STRING, user_id STRING"),
    (
        "trait_history",
        "traits.parquet",
        "user_id STRING, trait STRING, value STRING, timestamp TIMESTAMP, seq BIGINT",
    ),
    (
        "prediction_scores",
        "scores.parquet",
        "model STRING, customer_id STRING, score DOUBLE",
    ),
)

# Trait values are JSON text in the files and VARIANT in queries, like the event columns.
_SNAPSHOT_COLUMNS = {
    "trait_history": "user_id, trait, parse_json(value) AS value, "
    "CAST(timestamp AS TIMESTAMP) AS timestamp, seq",
}

_lock = threading.Lock()
_session: SparkSession | None = None
_started: tuple[str, str] | None = None  # the (master, spark_conf) of the session


def session(master: str, conf: str = "") -> SparkSession:
    """The process's Spark session on ``master`` with the settings ``conf`` (started once,
    about 5-20 s; again only when either changes)."""
    global _session, _started
    with _lock:
        if _session is not None and _started == (master, conf):
            return _session
        if _session is not None:
            _session.stop()
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise EngineUnavailable(
                "the spark engine needs pyspark: pip install 'journeys[spark]' (and Java 17)"
            ) from exc
        builder: Any = SparkSession.builder
        try:
            _session = _start(builder, master, extra_conf(conf))
        except Exception as exc:  # py4j and the JVM raise their own kinds
            raise EngineUnavailable(
                f"cannot start Spark on {master!r} (setting spark_master): {_first_line(exc)}; "
                "the spark engine needs Java 17 (JAVA_HOME or java on the PATH)",
                details={"field": "spark_master", "value": master},
            ) from exc
        _session.sparkContext.setLogLevel("ERROR")
        _started = (master, conf)
        return _session


def _start(builder: Any, master: str, conf: dict[str, str]) -> SparkSession:
    builder = (
        builder.master(master)
        .appName("journeys")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # Journeys creates only temporary views; keep Spark's warehouse folder out of the
        # current directory.
        .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "journeys-spark"))
    )
    for key, value in conf.items():
        builder = builder.config(key, value)
    session: SparkSession = builder.getOrCreate()
    return session


def extra_conf(text: str) -> dict[str, str]:
    """The setting ``spark_conf``: ``key=value`` pairs separated by ``;`` (driver memory,
    object-store credentials, …), applied when the session starts."""
    pairs: dict[str, str] = {}
    for item in text.split(";"):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(
                f"spark_conf: cannot read {item.strip()!r}: write key=value pairs separated by ;",
                details={"field": "spark_conf", "value": item.strip()},
            )
        pairs[key.strip()] = value.strip()
    return pairs


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class SparkResult:
    """What ``execute`` returns: the rows as Arrow, or as tuples like a DuckDB cursor."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def to_arrow_table(self) -> pa.Table:
        return self._table

    def fetchall(self) -> list[tuple[Any, ...]]:
        columns = [c.to_pylist() for c in self._table.columns]
        return list(zip(*columns, strict=True))

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchall()
        return rows[0] if rows else None


class SparkReader:
    """A read connection over a Parquet export, with DuckDB's ``execute`` and ``interrupt``."""

    engine = "spark"

    def __init__(self, folder: str, master: str, conf: str = "") -> None:
        self.folder = folder.rstrip("/")
        events = f"{self.folder}/events"
        if "://" not in self.folder and not any(Path(events).glob("*/*.parquet")):
            raise InvalidInput(
                f"the Parquet export at {self.folder} holds no events yet: run "
                "`journeys export parquet` or set parquet_export_dir on the server",
                details={"field": "spark_events_dir", "value": self.folder},
            )
        self.spark = session(master, conf).newSession()
        self._group = f"journeys-{uuid.uuid4().hex}"
        self._running = threading.Event()
        self._stopped = threading.Event()
        self._register(events)

    def _register(self, events: str) -> None:
        frame = self.spark.read.parquet(events)
        frame.createOrReplaceTempView("exported_events")
        columns = [
            f"parse_json({c}) AS {c}"
            if c in JSON_COLUMNS
            else f"CAST({c} AS TIMESTAMP) AS {c}"
            if c in _TIMES
            else c
            for c in EVENT_COLUMNS
        ]
        self.spark.sql(
            f"CREATE OR REPLACE TEMP VIEW events AS SELECT {', '.join(columns)} "
            "FROM exported_events"
        )
        for view, name, empty in SNAPSHOTS:
            path = f"{self.folder}/identity/{name}"
            if "://" in path or Path(path).exists():
                snap = self.spark.read.parquet(path)
            else:
                snap = self.spark.createDataFrame([], empty)
            snap.createOrReplaceTempView(f"exported_{view}")
            self.spark.sql(
                f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {_SNAPSHOT_COLUMNS.get(view, '*')} "
                f"FROM exported_{view}"
            )
        stitched = to_spark(STITCHED_VIEW).replace("VIEW", "TEMP VIEW", 1)
        self.spark.sql(stitched)

    def execute(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> SparkResult:
        """Run a DuckDB-dialect query on Spark; ``$name`` and ``?`` parameters bind."""
        text = to_spark(sql)
        args: Any = params if params else None
        context = self.spark.sparkContext
        context.setJobGroup(self._group, "journeys analysis", interruptOnCancel=True)
        self._running.set()
        self._stopped.clear()
        try:
            frame = self.spark.sql(text, args=args)
            return SparkResult(_naive(frame.toArrow()))
        except Exception as exc:
            if self._stopped.is_set():
                raise QueryTimeout("the query was stopped on Spark") from exc
            raise
        finally:
            self._running.clear()
            context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]

    def interrupt(self) -> None:
        """Stop the running query (``run_query``'s time limit): cancel its Spark jobs, again
        every 0.2 s until it returns, since a query still being planned has no job yet."""
        self._stopped.set()

        def cancel() -> None:
            while self._running.is_set():
                self.spark.sparkContext.cancelJobGroup(self._group)
                time.sleep(0.2)

        threading.Thread(target=cancel, name="spark-cancel", daemon=True).start()

    def close(self) -> None:
        """Drop this reader's views (the session is shared and stays up)."""
        views = ["stitched_events", "events", "exported_events"]
        for view, _, _ in SNAPSHOTS:
            views += [view, f"exported_{view}"]
        for view in views:
            self.spark.catalog.dropTempView(view)

    def __enter__(self) -> SparkReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _naive(table: pa.Table) -> pa.Table:
    """Spark's timestamps come zoned (UTC); the event log's are naive UTC."""
    fields = []
    for field in table.schema:
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            field = field.with_type(pa.timestamp("us"))
        fields.append(field)
    return table.cast(pa.schema(fields))
