"""The SQL that turns a mapped source (CSV, Parquet, JSON Lines) into event-log rows.

DuckDB does the work column-wise: casts, timestamp parsing, the properties JSON and the
content ids. Each output row also says whether it is refused (``_code``, ``_reason``, with the
source row in ``_raw`` and its position in ``_pos``) and carries a cheap hash (``_fh``) that
finds identical twins (see ``ids.py``). A source says how to read one column
(:class:`TableSource` for typed columns, :class:`JsonSource` for JSON objects).
"""

from __future__ import annotations

from dataclasses import dataclass

from journeys.events.importers.ids import content_id_sql
from journeys.events.importers.mapping import UNIX_FORMATS, ColumnMapping
from journeys.events.messages import MAX_ID_LENGTH
from journeys.store.duck import ident, literal
from journeys.store.schema import EVENT_TYPES

TIMESTAMP_TYPES = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE")
NUMBER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
)


@dataclass(frozen=True)
class TableSource:
    """A relation with typed columns (read_parquet, read_csv)."""

    relation: str
    types: dict[str, str]  # column → DuckDB type
    position: str | None = None  # SQL for the 1-based row number, when the source has one
    values: dict[str, str] | None = None  # column → SQL for its properties value

    def text(self, column: str) -> str:
        """The column as trimmed text, empty read as missing."""
        if self.types[column].upper() in NUMBER_TYPES:  # never blank or padded: cast only
            return f"CAST({ident(column)} AS VARCHAR)"
        return f"nullif(trim(CAST({ident(column)} AS VARCHAR)), '')"

    def type_of(self, column: str) -> str:
        """The column's DuckDB type."""
        return self.types[column]

    def raw(self) -> str:
        """The whole source row as JSON, for the reject file."""
        pairs = ", ".join(f"{literal(c)}, {ident(c)}" for c in self.types)
        return f"json_object({pairs})::VARCHAR"

    def fast_hash(self, columns: tuple[str, ...]) -> str:
        """A cheap hash of the columns that feed a row's content."""
        return f"hash({', '.join(ident(c) for c in columns)})"

    def properties(self, columns: tuple[str, ...]) -> str:
        """The properties JSON object."""
        if not columns:
            return "'{}'"
        values = self.values or {}
        pairs = ", ".join(f"{literal(c)}, {values.get(c, ident(c))}" for c in columns)
        return f"json_object({pairs})::VARCHAR"


@dataclass(frozen=True)
class JsonSource:
    """Rows of JSON text (``__text``, ``__line``, ``__fh``) fed in chunks from Python."""

    relation: str
    keys: tuple[str, ...]  # the top-level keys seen, for messages and checks
    position: str = "__line"

    def _path(self, key: str) -> str:
        return literal('$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"')

    def text(self, column: str) -> str:
        """The key's value as trimmed text, empty read as missing."""
        return f"nullif(trim(__j->>{self._path(column)}), '')"

    def type_of(self, column: str) -> str:
        """JSON values arrive as text; numbers become timestamps only with a unix format."""
        return "VARCHAR"

    def raw(self) -> str:
        """The line as it was."""
        return "__text"

    def checks(self) -> list[tuple[str, str, str]]:
        """A line must hold a JSON object before any field is read."""
        return [
            ("__j IS NULL", "bad_json", literal("not valid JSON")),
            ("json_type(__j) <> 'OBJECT'", "not_object", literal("not a JSON object")),
        ]

    def fast_hash(self, columns: tuple[str, ...]) -> str:
        """Python hashed each line already."""
        return "__fh"

    def properties(self, columns: tuple[str, ...], drop: tuple[str, ...] = ()) -> str:
        """The properties: the listed keys, or the whole object minus the mapped keys."""
        # The default list holds the keys of the sampled lines only; removing the mapped keys
        # instead also keeps keys that first appear later in the file.
        if columns and set(columns) != set(self.keys) - set(drop):
            pairs = ", ".join(f"{literal(c)}, __j->{self._path(c)}" for c in columns)
            return f"json_object({pairs})::VARCHAR"
        removed = "{" + ",".join(_json_key(k) + ":null" for k in drop) + "}"
        return f"json_merge_patch(__j, {literal(removed)})::VARCHAR"


def _json_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


Source = TableSource | JsonSource

# Never `x IN (...)`: DuckDB plans it as a hash join, which gives up the file's row order.
_TRAITS = "list_contains(['identify', 'group'], __type)"


def timestamp_sql(source: Source, column: str, fmt: str | None) -> str:
    """SQL for the column as a naive UTC TIMESTAMP, NULL when it cannot be read."""
    col = ident(column) if isinstance(source, TableSource) else source.text(column)
    kind = source.type_of(column).upper()
    if fmt in UNIX_FORMATS:
        # Past year 9999 DuckDB would raise instead of returning NULL.
        us = f"(TRY_CAST({col} AS DOUBLE) * {UNIX_FORMATS[fmt]})"
        return f"CASE WHEN abs({us}) < 253402300800e6 THEN make_timestamp(CAST({us} AS BIGINT)) END"
    if kind == "TIMESTAMP WITH TIME ZONE":
        return _naive_utc(col)
    if kind in TIMESTAMP_TYPES:
        return f"CAST({col} AS TIMESTAMP)"
    if fmt is not None:
        parsed = f"try_strptime(CAST({col} AS VARCHAR), {literal(fmt)})"
        return _naive_utc(parsed) if "%z" in fmt or "%Z" in fmt else parsed
    # TIMESTAMPTZ honours a zone in the text (+02:00, Z, UTC, CET); the session runs in UTC, so
    # text without one is read as UTC. (A TIMESTAMP cast would silently drop the offset.)
    return _naive_utc(f"TRY_CAST(CAST({col} AS VARCHAR) AS TIMESTAMPTZ)")


def _naive_utc(tstz: str) -> str:
    # A TIMESTAMPTZ holds UTC microseconds: re-reading them is 2.5× cheaper than timezone().
    return f"make_timestamp(epoch_us({tstz}))"


def select_sql(source: Source, m: ColumnMapping, *, hashes: bool = True) -> str:
    """The query for the mapped rows: INCOMING_SCHEMA columns plus _code, _reason, _raw and
    _pos (refused rows only) and, with ``hashes``, _fh.

    Columns that would be constant (type track, empty ids, NULL context…) are left out; the
    caller fills them in Arrow, which is cheaper than carrying them through DuckDB.
    """
    assert m.timestamp is not None and m.properties is not None  # resolved mappings have them
    inner = fields_sql(source, m)
    checks = row_checks(source, m)
    content = content_id_sql(
        "__type",
        "__user",
        "__anon",
        "__event",
        "CAST(epoch_us(__ts) AS VARCHAR)",
        "__channel",
        "__props",
    )
    columns = [
        f"CASE WHEN __code IS NULL THEN coalesce(__mid, {content}) END AS message_id",
        "__event AS event",
        "__ts AS timestamp",
    ]
    optional = {"user_id": "__user", "anonymous_id": "__anon", "channel": "__channel"}
    columns += [f"{sql} AS {name}" for name, sql in optional.items() if getattr(m, name)]
    if m.type is None:
        columns.append("__props AS properties")
    else:  # identify and group rows carry traits, not properties, as in the Segment spec
        columns += [
            "__type AS type",
            f"CASE WHEN {_TRAITS} THEN NULL ELSE __props END AS properties",
            f"CASE WHEN {_TRAITS} THEN __props END AS traits",
        ]
    columns += [
        "__code AS _code",
        f"CASE WHEN __code IS NOT NULL THEN {reason_sql(checks)} END AS _reason",
        f"CASE WHEN __code IS NOT NULL THEN {source.raw()} END AS _raw",
        "CASE WHEN __code IS NOT NULL THEN __pos END AS _pos",
    ]
    if hashes:
        columns.append("CASE WHEN __mid IS NULL AND __code IS NULL THEN __fh END AS _fh")
    listed = ",\n    ".join(columns)
    return f"""
SELECT
    {listed}
FROM (SELECT *, {code_sql(checks)} AS __code FROM ({inner}))
"""


def candidates_sql(source: Source, m: ColumnMapping) -> str:
    """Hashes of rows that occur more than once, and the number of rows (pass one)."""
    return f"""
WITH h AS (SELECT {source.fast_hash(content_columns(m))} AS fh FROM {source.relation}),
g AS (SELECT fh, count(*) AS n FROM h GROUP BY fh)
SELECT coalesce(sum(n), 0)::BIGINT, coalesce(list(fh) FILTER (WHERE n > 1), [])
FROM g
"""


def content_columns(m: ColumnMapping) -> tuple[str, ...]:
    """The source columns a row's content (and so its id) depends on."""
    fields = m.mapped()
    fields.pop("message_id", None)
    return tuple(dict.fromkeys([*fields.values(), *(m.properties or ())]))


def fields_sql(source: Source, m: ColumnMapping) -> str:
    assert m.timestamp is not None and m.properties is not None

    def text(column: str | None) -> str:
        return source.text(column) if column is not None else "NULL::VARCHAR"

    kind = f"lower({text(m.type)})" if m.type else "NULL"
    event = text(m.event)
    drop = tuple(m.mapped().values())
    if isinstance(source, JsonSource):
        props = source.properties(m.properties, drop)
    else:
        props = source.properties(m.properties)
    position = source.position or "NULL::BIGINT"
    return f"""
SELECT src.*,
    {position} AS __pos,
    {source.fast_hash(content_columns(m))} AS __fh,
    {text(m.message_id)} AS __mid,
    coalesce({kind}, 'track') AS __type,
    {text(m.user_id)} AS __user,
    {text(m.anonymous_id)} AS __anon,
    coalesce({event}, CASE WHEN __type <> 'track' THEN __type END) AS __event,
    lower({text(m.channel)}) AS __channel,
    {timestamp_sql(source, m.timestamp, m.timestamp_format)} AS __ts,
    {text(m.timestamp)} AS __ts_text,
    {props} AS __props
FROM {source.relation} AS src
"""


def row_checks(source: Source, m: ColumnMapping) -> list[tuple[str, str, str]]:
    """(condition, code, reason SQL) in the order they are tried; the first that holds wins."""
    assert m.timestamp is not None
    ts = f"column {m.timestamp!r}"
    fmt = m.timestamp_format
    expected = f"format {fmt!r}" if fmt else "ISO 8601, or set timestamp_format"
    who = " or ".join(f"column {c!r}" for c in (m.user_id, m.anonymous_id) if c)
    event = f" (column {m.event!r} is empty)" if m.event else ""
    n = MAX_ID_LENGTH
    types = ", ".join(literal(t) for t in EVENT_TYPES)
    checks = list(source.checks()) if isinstance(source, JsonSource) else []
    return [
        *checks,
        (
            # CASE, not AND: DuckDB computes both sides of an AND for every row, and the text
            # of the timestamp is only needed (and costly) where it could not be read.
            "CASE WHEN __ts IS NULL THEN __ts_text IS NULL ELSE false END",
            "missing_timestamp",
            literal(f"no timestamp in {ts}"),
        ),
        (
            "__ts IS NULL",
            "bad_timestamp",
            f"{literal('cannot read ')} || to_json(__ts_text) || "
            f"{literal(f' in {ts} as a date-time ({expected})')}",
        ),
        (
            "__user IS NULL AND __anon IS NULL",
            "missing_id",
            literal(f"no user id or anonymous id ({who} is empty)"),
        ),
        ("__event IS NULL", "missing_event", literal(f"no event name{event}")),
        (
            f"NOT list_contains([{types}], __type)",
            "bad_type",
            f"'type ' || to_json(__type) || {literal(' is not one of ' + ', '.join(EVENT_TYPES))}",
        ),
        (
            f"length(__user) > {n} OR length(__anon) > {n} OR length(__event) > {n} "
            f"OR length(__mid) > {n}",
            "too_long",
            literal(f"an id or the event name is longer than {n} characters"),
        ),
    ]


def code_sql(checks: list[tuple[str, str, str]]) -> str:
    whens = "\n".join(f"    WHEN {cond} THEN {literal(code)}" for cond, code, _ in checks)
    return f"CASE\n{whens}\nEND"


def reason_sql(checks: list[tuple[str, str, str]]) -> str:
    whens = "\n".join(f"    WHEN {literal(code)} THEN {reason}" for _, code, reason in checks)
    return f"CASE __code\n{whens}\nEND"
