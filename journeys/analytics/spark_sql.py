"""The analyses' SQL, written once for DuckDB, as Spark SQL.

Every analysis builds one SQL text (its ``builder.py``); on the Spark engine that text is
parsed with sqlglot's DuckDB dialect, rewritten where the two engines differ in meaning, and
printed in sqlglot's Spark dialect. sqlglot already maps the names (``arg_max`` → ``max_by``,
``list_contains`` → ``array_contains``, 1-based list indexes → 0-based); the rules here cover
what it cannot know:

- JSON. On Spark the JSON columns (``properties``, ``context``, ``traits``) are VARIANT
  values, so ``json_extract`` is ``variant_get``, ``json_type`` maps Spark's type names to
  DuckDB's, and JSON equality compares canonical JSON text (``to_json``).
- Ordered aggregates. ``list(x ORDER BY y)`` keeps its order (sqlglot drops it).
- Times. ``epoch_us``/``epoch`` and ``to_microseconds`` as Spark's micros and intervals.
- ``AS MATERIALIZED`` (a DuckDB planner hint) is dropped.

:func:`to_spark` is pure (no Spark needed), so the translation is unit-tested on its own;
the parity tests run both engines on the same data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB

from journeys.errors import InvalidInput

# DuckDB's json_type names for Spark's schema_of_variant names (the part before any '(' / '<').
_JSON_TYPES = {
    "BIGINT": "BIGINT",
    "INT": "BIGINT",
    "SMALLINT": "BIGINT",
    "TINYINT": "BIGINT",
    "DECIMAL": "DOUBLE",
    "DOUBLE": "DOUBLE",
    "FLOAT": "DOUBLE",
    "STRING": "VARCHAR",
    "BOOLEAN": "BOOLEAN",
    "VOID": "NULL",
    "ARRAY": "ARRAY",
    "OBJECT": "OBJECT",
}


class _DuckDB(DuckDB):
    """DuckDB's dialect, reading list indexes as written (sqlglot would shift the ones it
    can type to 0-based, and leave the rest)."""

    INDEX_OFFSET = 0


@lru_cache(maxsize=512)
def to_spark(sql: str) -> str:
    """The Spark SQL text of an analysis' DuckDB SQL text."""
    try:
        trees = sqlglot.parse(sql, read=_DuckDB)
    except sqlglot.errors.ParseError as exc:  # a builder bug, never user input
        raise InvalidInput(f"cannot translate the query for Spark: {exc}") from exc
    out = []
    for tree in trees:
        if tree is None:
            continue
        for rule in _RULES:
            tree = _bottom_up(tree, rule)
        out.append(tree.sql(dialect="spark"))
    return ";\n".join(out)


def _bottom_up(tree: exp.Expr, rule: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """Apply ``rule`` to every node, children before their parent (a parent sees its
    children already rewritten)."""
    for node in reversed(list(tree.walk(bfs=False))):
        new = rule(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def _call(name: str, *args: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _spark_path(path: exp.Expr) -> exp.Literal:
    """A DuckDB JSON path (``$."a"."b"`` or parsed JSONPath) as a Spark variant path."""
    if isinstance(path, exp.JSONPath):
        keys: list[str | int] = []
        for part in path.expressions:
            if isinstance(part, exp.JSONPathKey):
                keys.append(str(part.this))
            elif isinstance(part, exp.JSONPathSubscript):
                keys.append(int(part.this))
            elif not isinstance(part, exp.JSONPathRoot):
                raise InvalidInput(f"cannot translate the JSON path {path.sql()} for Spark")
        text = "$" + "".join(f"[{k}]" if isinstance(k, int) else f"[{json.dumps(k)}]" for k in keys)
        return exp.Literal.string(text)
    if isinstance(path, exp.Literal):
        return exp.Literal.string(path.this)
    raise InvalidInput(f"cannot translate the JSON path {path.sql()} for Spark")


def _json_extract(node: exp.Expr) -> exp.Expr:
    """``json_extract(x, path)`` / ``x -> path`` → ``variant_get(x, path)``; ``->>`` and
    ``json_extract_string`` → the value as text."""
    if isinstance(node, exp.JSONExtract):
        return _call("variant_get", node.this, _spark_path(node.expression))
    if isinstance(node, exp.JSONExtractScalar):
        value = _call("variant_get", node.this, _spark_path(node.expression))
        return _variant_text(value)
    return node


def _variant_text(value: exp.Expr) -> exp.Expr:
    """A variant as DuckDB's ``->>`` gives it: a string unquoted, anything else as JSON."""
    kind = _call("schema_of_variant", value)
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=kind, expression=exp.Literal.string("STRING")),
                true=exp.Cast(this=value.copy(), to=exp.DataType.build("STRING")),
            ),
            exp.If(
                this=exp.EQ(this=kind.copy(), expression=exp.Literal.string("VOID")),
                true=exp.Null(),
            ),
        ],
        default=_call("to_json", value.copy()),
    )


def _json_functions(node: exp.Expr) -> exp.Expr:
    """DuckDB JSON functions sqlglot passes through by name."""
    if isinstance(node, exp.JSONType):
        return _json_type(node.this)
    if not isinstance(node, exp.Anonymous):
        return node
    name = str(node.this).lower()
    args = node.expressions
    if name == "json_type":
        return _json_type(args[0])
    if name == "json_contains":
        return _json_contains(args[0], args[1])
    if name == "json_group_object":
        entries = exp.ArrayAgg(this=_call("struct", args[0], args[1]))
        return _call("parse_json", _call("to_json", _call("map_from_entries", entries)))
    if name == "json_keys":
        return _call("map_keys", _call("variant_get", args[0], exp.Literal.string("$"), _map()))
    if name == "epoch_us":
        return _call("unix_micros", _timestamp(args[0]))
    if name == "to_microseconds":
        return _call("make_dt_interval", *_zeros(3), exp.Div(this=args[0], expression=_million()))
    if name == "list_slice":
        start, end = args[1], args[2]
        length = exp.Add(this=exp.Sub(this=end, expression=start), expression=exp.Literal.number(1))
        return _call("slice", args[0], start, length)
    return node


def _json_type(value: exp.Expr) -> exp.Expr:
    schema = _call("schema_of_variant", value)
    head = _call("regexp_extract", schema, exp.Literal.string("^[A-Z]+"), exp.Literal.number(0))
    return exp.Case(
        this=head,
        ifs=[
            exp.If(this=exp.Literal.string(k), true=exp.Literal.string(v))
            for k, v in _JSON_TYPES.items()
        ],
    )


def _json_contains(haystack: exp.Expr, needle: exp.Expr) -> exp.Expr:
    """Whether a JSON array holds the needle (DuckDB's json_contains, for arrays)."""
    items = _call("try_variant_get", haystack, exp.Literal.string("$"), _array())
    wanted = _canonical(needle)
    x = exp.to_identifier("x")
    same = exp.EQ(this=_call("to_json", exp.column("x")), expression=wanted)
    return _call("exists", items, exp.Lambda(this=same, expressions=[x]))


def _map() -> exp.Literal:
    return exp.Literal.string("map<string, variant>")


def _array() -> exp.Literal:
    return exp.Literal.string("array<variant>")


def _zeros(n: int) -> list[exp.Expr]:
    return [exp.Literal.number(0) for _ in range(n)]


def _million() -> exp.Expr:
    return exp.Literal.number("1000000.0")


def _timestamp(value: exp.Expr) -> exp.Expr:
    return exp.Cast(this=value, to=exp.DataType.build("TIMESTAMP"))


def _canonical(value: exp.Expr) -> exp.Expr:
    """JSON text in Spark's canonical form: literals parsed, variants printed."""
    if isinstance(value, exp.Literal) and value.is_string:
        return _call("to_json", _call("parse_json", value))
    return _call("to_json", value)


def _casts(node: exp.Expr) -> exp.Expr:
    """Casts to and from JSON, 128-bit integers, and times to epochs."""
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.JSON):
        if isinstance(node.this, exp.Null):
            return exp.Cast(this=exp.Null(), to=exp.DataType.build("VARIANT"))
        return _canonical(node.this)
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.UBIGINT):
        return exp.Cast(this=node.this, to=exp.DataType.build("BIGINT"))  # hashes: xxhash64
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.INT128):
        return exp.Cast(this=node.this, to=exp.DataType.build("DECIMAL(38, 0)"))
    if isinstance(node, exp.TimeToUnix):  # DuckDB epoch(): seconds with their fraction
        return exp.Div(this=_call("unix_micros", _timestamp(node.this)), expression=_million())
    return node


def _ordered_lists(node: exp.Expr) -> exp.Expr:
    """``list(x ORDER BY y) [FILTER (WHERE …)]`` → the values of
    ``collect_list(struct(y, x)) [FILTER (WHERE …)]`` sorted by y."""
    where = None
    if isinstance(node, exp.Filter):
        where, node = node, node.this
    elif isinstance(node.parent, exp.Filter):
        return node  # rewritten with its filter
    if not (isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order)):
        return node if where is None else where
    order = node.this
    keys = [o.this for o in order.expressions]
    if any(o.args.get("desc") for o in order.expressions):
        raise InvalidInput("cannot translate a descending ordered list for Spark")
    fields: list[Any] = [exp.alias_(k.copy(), f"k{i}") for i, k in enumerate(keys)]
    fields.append(exp.alias_(order.this.copy(), "v"))
    collected: exp.Expr = exp.ArrayAgg(this=_call("struct", *fields))
    if where is not None:
        collected = exp.Filter(this=collected, expression=where.expression.copy())
    x = exp.to_identifier("x")
    value = exp.Dot(this=exp.column("x"), expression=exp.to_identifier("v"))
    return _call(
        "transform", _call("array_sort", collected), exp.Lambda(this=value, expressions=[x])
    )


def _tuples(node: exp.Expr) -> exp.Expr:
    """A row value ``(a, b)`` (DuckDB orders it field by field) → ``struct(a, b)``."""
    kept = exp.In | exp.GroupingSets | exp.Cube | exp.Rollup | exp.Values
    if isinstance(node, exp.Tuple) and not isinstance(node.parent, kept):
        return _call("struct", *node.expressions)
    return node


def _arg_extremes(node: exp.Expr) -> exp.Expr:
    """DuckDB's ``arg_min``/``arg_max`` skip rows whose value is NULL; Spark's
    ``min_by``/``max_by`` skip only NULL orderings, so the ordering is NULLed with the value."""
    if isinstance(node, exp.ArgMin | exp.ArgMax):
        value, ordering = node.this, node.expression
        if isinstance(value, exp.Struct) or _is_struct(value):
            return node  # a struct value is never NULL
        guarded = exp.If(
            this=exp.Is(this=value.copy(), expression=exp.Null()),
            true=exp.Null(),
            false=ordering.copy(),
        )
        node.set("expression", guarded)
    return node


def _is_struct(value: exp.Expr) -> bool:
    return isinstance(value, exp.Anonymous) and str(value.this).lower() == "struct"


def _list_indexes(node: exp.Expr) -> exp.Expr:
    """``list[i]`` is 1-based in DuckDB and 0-based in Spark; ``element_at`` is 1-based on
    Spark too (out of range: NULL on both). The parser keeps DuckDB's indexes as written
    (``_DuckDB``), so every index is 1-based here."""
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if not (isinstance(index, exp.Literal) and index.is_string):
            return _call("element_at", node.this, index)
    return node


def _single_greatest(node: exp.Expr) -> exp.Expr:
    """``greatest(x)`` of one value is that value (Spark wants two or more)."""
    if isinstance(node, exp.Greatest | exp.Least) and not node.expressions:
        only: exp.Expr = node.this
        return only
    return node


def _hashes(node: exp.Expr) -> exp.Expr:
    """``hash(x)`` groups and joins rows by a hash inside one query: Spark's ``hash`` has
    32 bits (customers would collide), ``xxhash64`` has 64 like DuckDB's."""
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hash":
        return _call("xxhash64", *node.expressions)
    return node


def _window_operands(node: exp.Expr) -> exp.Expr:
    """``lead(t) OVER w - t``: Spark's parser needs the window call in parentheses."""
    named = not node.args.get("partition_by") and not node.args.get("order")
    if isinstance(node, exp.Window) and isinstance(node.parent, exp.Binary) and named:
        return exp.Paren(this=node.copy())
    return node


def _union_by_name(node: exp.Expr) -> exp.Expr:
    """``UNION ALL BY NAME`` → a plain UNION ALL whose branches list every column of every
    branch in one order, NULL where a branch lacks one (what DuckDB does)."""
    if not (isinstance(node, exp.Union) and node.args.get("by_name")):
        return node
    branches = _branches(node)
    names: list[str] = []
    for branch in branches:
        for name in branch.named_selects:
            if name not in names:
                names.append(name)
    for branch in branches:
        by_name = {e.alias_or_name: e for e in branch.expressions}
        branch.set(
            "expressions",
            [by_name[n] if n in by_name else exp.alias_(exp.Null(), n) for n in names],
        )
    node.set("by_name", None)
    return node


def _branches(node: exp.Expr) -> list[exp.Select]:
    """The SELECTs of a chain of UNIONs (which nest to the left)."""
    if isinstance(node, exp.Union):
        return _branches(node.left) + _branches(node.right)
    if isinstance(node, exp.Subquery | exp.Paren):
        return _branches(node.this)
    if not isinstance(node, exp.Select) or any(isinstance(e, exp.Star) for e in node.expressions):
        raise InvalidInput(f"cannot translate UNION BY NAME for Spark near {node.sql()[:80]}")
    return [node]


def _nested_subqueries(node: exp.Expr) -> exp.Expr:
    """``x IN ((SELECT …))``: Spark reads the inner parentheses as a scalar subquery (one
    row); one pair of parentheses means the same to both engines."""
    inner = node.this if isinstance(node, exp.Subquery) else None
    if isinstance(inner, exp.Subquery) and not inner.alias and not node.alias:
        node.set("this", inner.this)
    return node


def _materialized(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    return node


_RULES: tuple[Callable[[exp.Expr], exp.Expr], ...] = (
    _materialized,
    _nested_subqueries,
    _union_by_name,
    _hashes,
    _arg_extremes,
    _list_indexes,
    _single_greatest,
    _window_operands,
    _ordered_lists,
    _json_extract,
    _json_functions,
    _casts,
    _tuples,
)
