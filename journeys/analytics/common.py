"""What every insight shares: durations, event steps, filters compiled to SQL, the runner.

Analyses read ``stitched_events`` (every event with its ``customer_id``; see
``journeys.events.identity``) on a read connection of the event log, so they never block
ingestion. :func:`run_query` stops a query that runs past its time limit with QueryTimeout.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, Protocol

import duckdb
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from journeys import config
from journeys.errors import InvalidInput, QueryTimeout
from journeys.maps.model import Journey, Matcher, PropertyFilter
from journeys.store.duck import literal

if TYPE_CHECKING:
    from journeys.workspace import Workspace

# Funnels and the directly-follows graph have two engines giving the same answer: the SQL
# plan and a compiled pass (numba). ``auto`` takes the compiled one from this many events on;
# below it the answer comes in well under a second anyway, without loading the compiler.
Engine = Literal["auto", "kernel", "sql"]
KERNEL_FROM = 1_000_000

EVENTS = "stitched_events"  # the relation analyses read: events plus customer_id and known
ENGINES = ("duckdb", "spark")  # the setting analytics_engine


class Result(Protocol):
    def to_arrow_table(self) -> pa.Table: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


class Connection(Protocol):
    """What an analysis reads through: a DuckDB read connection of the event log, or a
    ``journeys.analytics.spark.SparkReader`` over the Parquet export."""

    def execute(self, sql: str, params: Any = ...) -> Any: ...
    def interrupt(self) -> None: ...
    def close(self) -> None: ...


def event_count(con: duckdb.DuckDBPyConnection, relation: str = EVENTS) -> int:
    """About how many events the log holds (rows appended plus imported segments), from
    metadata only; for a plain table (tests, benchmarks) that table's size."""
    try:
        row = con.execute(
            "SELECT (SELECT coalesce(sum(estimated_size), 0) FROM duckdb_tables() "
            "WHERE table_name = 'event_rows') + (SELECT coalesce(sum(stored), 0) "
            "FROM event_segments)"
        ).fetchone()
    except duckdb.CatalogException:
        row = con.execute(
            "SELECT coalesce(sum(estimated_size), 0) FROM duckdb_tables() WHERE table_name = ?",
            [relation],
        ).fetchone()
    return int(row[0]) if row else 0


def analytics_reader(workspace: Workspace) -> Connection:
    """A read connection on the workspace's analytics engine (setting ``analytics_engine``).

    ``duckdb``: the event log, caught up with every committed event. ``spark``: the Parquet
    export at ``spark_events_dir`` (else ``parquet_export_dir``), as of its latest run."""
    engine = workspace.setting("analytics_engine").strip().lower()
    if engine == "duckdb":
        return workspace.events.fresh_reader()
    if engine != "spark":
        fail(
            "unknown_engine",
            "analytics_engine",
            f"unknown analytics engine {engine!r}: choose one of {', '.join(ENGINES)}",
            engine,
        )
    from journeys.analytics.spark import SparkReader

    folder = workspace.setting("spark_events_dir") or workspace.setting("parquet_export_dir")
    if not folder:
        fail(
            "no_export",
            "spark_events_dir",
            "the spark engine reads the Parquet export: set spark_events_dir (or "
            "parquet_export_dir) to its folder",
        )
    if "://" not in folder and not Path(folder).is_absolute():
        folder = str(workspace.root / folder)
    master, conf = workspace.setting("spark_master"), workspace.setting("spark_conf")
    return SparkReader(folder, master, conf)


def engine_description(workspace: Workspace) -> str:
    """Where the analyses run, in words (the Analyse page shows it)."""
    engine = workspace.setting("analytics_engine").strip().lower()
    if engine != "spark":
        from journeys.analytics import sequences  # imports this module

        kept = sequences.description(str(workspace.events.path))
        return "DuckDB, on the workspace's event log" + (f" ({kept})" if kept else "")
    folder = workspace.setting("spark_events_dir") or workspace.setting("parquet_export_dir")
    master = workspace.setting("spark_master")
    return f"Apache Spark ({master}), on the Parquet export at {folder or '(not set)'}"


def is_spark(con: object) -> bool:
    """Whether a connection runs on Spark (the compiled DuckDB passes do not apply)."""
    return getattr(con, "engine", "duckdb") == "spark"


_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
    "w": 604800,
    "week": 604800,
}
MAX_DURATION = timedelta(days=36_500)  # a century: any longer is a typing error
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$")


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """``30s``, ``15m``, ``2h``, ``7d``, ``4w`` (also ``7 days``) as a timedelta."""
    m = _DURATION.match(text.lower())
    if not m or m[2] not in _UNITS:
        raise InvalidInput(
            f"cannot read the {what} {text!r}: write a number and a unit, e.g. 30s, 15m, 2h, "
            "7d or 4w",
            details={"field": what, "value": text},
        )
    seconds = float(m[1]) * _UNITS[m[2]]
    if seconds <= 0:
        raise InvalidInput(f"the {what} must be positive, not {text!r}", details={"field": what})
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidInput(
            f"the {what} {text!r} is longer than {MAX_DURATION.days} days", details={"field": what}
        )
    return timedelta(seconds=seconds)


def fail(code: str, field: str, message: str, value: Any = None) -> NoReturn:
    """Refuse an analysis' input: the message, the rule's code and the field it is about."""
    details: dict[str, Any] = {"code": code, "field": field}
    if value is not None:
        details["value"] = value
    raise InvalidInput(message, details=details)


def parse_date(text: str | None, field: str) -> date | None:
    """A day written YYYY-MM-DD, or nothing (``invalid_date``)."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(
            "invalid_date", field, f"{field}: cannot read the date {text!r}: write YYYY-MM-DD", text
        )


def check_date_order(date_from: date | None, date_to: date | None) -> None:
    """``from`` must not come after ``to`` (``dates_reversed``)."""
    if date_from and date_to and date_from > date_to:
        fail(
            "dates_reversed", "to", f"to ({date_to}) comes before from ({date_from})", str(date_to)
        )


def micros(moment: datetime) -> int:
    """A naive UTC datetime as microseconds since the epoch (how the compiled passes count)."""
    return (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)


def elapsed_text(seconds: float | None) -> str:
    """A time span as people read it: ``45s``, ``3m 20s``, ``2h 5m``, ``3d 4h`` (or empty)."""
    if seconds is None:
        return ""
    s = round(seconds)
    for unit, size, sub, sub_size in (("d", 86400, "h", 3600), ("h", 3600, "m", 60)):
        if s >= size:
            rest = (s % size) // sub_size
            return f"{s // size}{unit} {rest}{sub}" if rest else f"{s // size}{unit}"
    if s >= 60:
        return f"{s // 60}m {s % 60}s" if s % 60 else f"{s // 60}m"
    return f"{seconds:.0f}s" if seconds >= 1 else f"{seconds:.2f}s"


class Step(BaseModel):
    """One step of an analysis: an event with property filters, or a journey's touchpoint.

    Written on the command line and in the API as text:
    ``purchase``, ``purchase where price > 100 and currency = 'EUR'``,
    ``touchpoint fashion/checkout`` (journey id / touchpoint id).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: str | None = None
    where: tuple[PropertyFilter, ...] = ()
    touchpoint: str | None = None  # "journey_id/touchpoint_id"
    label: str = Field(default="", description="How the step is shown; defaults to its text.")

    @model_validator(mode="after")
    def _event_or_touchpoint(self) -> Step:
        if (self.event is None) == (self.touchpoint is None):
            raise ValueError("a step is either an event or a touchpoint: give exactly one")
        return self

    @classmethod
    def parse(cls, text: str) -> Step:
        """Parse the text form; raise InvalidInput naming what is wrong."""
        raw = text.strip()
        if not raw:
            raise InvalidInput("a step is empty", details={"field": "step"})
        if raw.startswith("touchpoint "):
            ref = raw.removeprefix("touchpoint ").strip()
            if ref.count("/") != 1 or not all(ref.split("/")):
                raise InvalidInput(
                    f"step {text!r}: write a touchpoint as 'touchpoint JOURNEY/TOUCHPOINT'",
                    details={"field": "step", "value": text},
                )
            return cls(touchpoint=ref, label=raw)
        event, _, rest = raw.partition(" where ")
        filters = []
        for part in re.split(r"\s+and\s+", rest.strip()) if rest.strip() else []:
            try:
                filters.append(PropertyFilter.parse(part))
            except ValueError as exc:
                raise InvalidInput(
                    f"step {text!r}: {exc}", details={"field": "step", "value": text}
                ) from exc
        return cls(event=event.strip(), where=tuple(filters), label=raw)

    def text(self) -> str:
        """The text form (parse(text()) gives the same step)."""
        if self.touchpoint is not None:
            return f"touchpoint {self.touchpoint}"
        assert self.event is not None
        if not self.where:
            return self.event
        return f"{self.event} where " + " and ".join(f.text() for f in self.where)

    def sql(self, journeys: dict[str, Journey], alias: str = "e") -> str:
        """A SQL condition on an event row that holds when the event is this step."""
        if self.touchpoint is not None:
            return matcher_sql(touchpoint_matcher(self.touchpoint, journeys), alias)
        assert self.event is not None
        parts = [f"{alias}.event = {literal(self.event)}"]
        parts += [filter_sql(f, alias) for f in self.where]
        return "(" + " AND ".join(parts) + ")"


def touchpoint_matcher(ref: str, journeys: dict[str, Journey]) -> Matcher:
    """The matcher of ``journey_id/touchpoint_id``; InvalidInput when it does not exist."""
    journey_id, _, touchpoint_id = ref.partition("/")
    journey = journeys.get(journey_id)
    if journey is None:
        known = ", ".join(sorted(journeys)) or "none"
        raise InvalidInput(
            f"no journey {journey_id!r} (the journeys are: {known})",
            details={"field": "step", "value": ref},
        )
    for _, tp in journey.touchpoints():
        if tp.id == touchpoint_id:
            if tp.match is None:
                raise InvalidInput(
                    f"touchpoint {ref!r} has no event matcher, so no event can be counted as it",
                    details={"field": "step", "value": ref},
                )
            return tp.match
    raise InvalidInput(
        f"journey {journey_id!r} has no touchpoint {touchpoint_id!r}",
        details={"field": "step", "value": ref},
    )


def matcher_sql(m: Matcher, alias: str = "e") -> str:
    """SQL that holds exactly when ``Matcher.matches`` would for the event row."""
    parts = [f"{alias}.event = {literal(m.event)}"]
    if m.type is not None:
        parts.append(f"{alias}.type = {literal(m.type)}")
    if m.channel is not None:
        parts.append(f"{alias}.channel = {literal(m.channel)}")
    parts += [filter_sql(f, alias) for f in m.where]
    return "(" + " AND ".join(parts) + ")"


def filter_sql(f: PropertyFilter, alias: str = "e") -> str:
    """SQL that holds exactly when ``PropertyFilter.matches`` would for the event row."""
    head, *rest = f.property.split(".")
    column, path = ("context", rest) if head == "context" else ("properties", [head, *rest])
    if not path:  # the whole context object
        value = f"{alias}.{column}"
    else:
        keys = "".join("." + json.dumps(p) for p in path)
        value = f"json_extract({alias}.{column}, {literal('$' + keys)})"
    kind = f"json_type({value})"
    number = f"CASE WHEN {kind} IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN CAST({value} AS DOUBLE) END"
    text = f"CASE WHEN {kind} = 'VARCHAR' THEN {value} ->> '$' END"
    v = f.value
    if f.op == "exists":
        return f"coalesce({kind} NOT IN ('NULL'), false)"
    if f.op in ("=", "!="):
        same = f"coalesce(CAST({value} AS JSON) = CAST({literal(json.dumps(v))} AS JSON), false)"
        if isinstance(v, int | float) and not isinstance(v, bool):
            same = f"coalesce({number} = {float(v)!r}, false)"
        return same if f.op == "=" else f"NOT {same}"
    if f.op == "in":
        items = ", ".join(f"CAST({literal(json.dumps(x))} AS JSON)" for x in v)
        return f"coalesce(list_contains([{items}], CAST({value} AS JSON)), false)"
    if f.op == "contains":
        array = f"json_contains({value}, {literal(json.dumps(str(v)))})"
        return (
            f"coalesce(contains({text}, {literal(str(v))}), "
            f"CASE WHEN {kind} = 'ARRAY' THEN {array} END, false)"
        )
    if f.op == "starts_with":
        return f"coalesce(starts_with({text}, {literal(str(v))}), false)"
    return f"coalesce({number} {f.op} {float(v)!r}, false)"


def time_limit() -> float:
    """Seconds a query may run (setting ``query_timeout``)."""
    return float(config.get("query_timeout"))


def run_query(
    con: Connection,
    sql: str,
    params: list[Any] | dict[str, Any] | None = None,
    *,
    timeout: float | None = None,
    what: str = "the query",
) -> pa.Table:
    """Run a query on a read connection and return Arrow; QueryTimeout past the time limit."""
    limit = time_limit() if timeout is None else timeout
    timer = threading.Timer(limit, con.interrupt)
    timer.start()
    try:
        return con.execute(sql, params or []).to_arrow_table()
    except (duckdb.InterruptException, QueryTimeout) as exc:
        raise QueryTimeout(
            f"{what} ran longer than {limit:g} s and was stopped; narrow it (dates, steps, a "
            "segment) or raise the setting query_timeout",
            details={"timeout_seconds": limit},
        ) from exc
    finally:
        timer.cancel()
