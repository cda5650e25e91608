"""The translation of the analyses' DuckDB SQL into Spark SQL, and choosing the engine.

Whether the translated queries give the same answers is for ``test_spark_parity.py``, which
runs them on Spark; here the rules are checked on the text, without starting Spark.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from journeys.analytics.common import analytics_reader
from journeys.analytics.spark_sql import to_spark
from journeys.errors import InvalidInput
from journeys.workspace import Workspace


def spark(sql: str) -> str:
    return " ".join(to_spark(sql).split())


def test_list_indexes_stay_one_based_whatever_the_index() -> None:
    out = spark("SELECT (['a', 'b'])[(CASE WHEN x THEN 1 END) + 1] AS v, l[2] AS w FROM t")
    assert "ELEMENT_AT((ARRAY('a', 'b')), (CASE WHEN x THEN 1 END) + 1) AS v" in out
    assert "ELEMENT_AT(l, 2) AS w" in out
    assert spark("SELECT s['key'] FROM t") == "SELECT s['key'] FROM t"  # a field, not an index


def test_an_ordered_list_keeps_its_order_and_its_filter() -> None:
    out = spark("SELECT list(st ORDER BY t, s) FILTER (WHERE p) AS l FROM r GROUP BY c")
    assert "COLLECT_LIST(STRUCT(t AS k0, s AS k1, st AS v)) FILTER(WHERE p)" in out
    assert out.count("ARRAY_SORT") == 1 and "x -> x.v" in out


def test_union_by_name_lists_every_column_in_every_branch() -> None:
    out = spark("SELECT 1 AS a, 2 AS b UNION ALL BY NAME SELECT 3 AS c, 4 AS a")
    assert out == ("SELECT 1 AS a, 2 AS b, NULL AS c UNION ALL SELECT 4 AS a, NULL AS b, 3 AS c")


def test_json_paths_become_variant_paths() -> None:
    out = spark("""SELECT json_extract(e.properties, '$."plan"."a b"') FROM e""")
    assert out == """SELECT VARIANT_GET(e.properties, '$["plan"]["a b"]') FROM e"""
    kind = spark("SELECT json_type(json_extract(p, '$.\"x\"')) FROM e")
    assert "SCHEMA_OF_VARIANT(VARIANT_GET(p, '$[\"x\"]'))" in kind
    assert "WHEN 'STRING' THEN 'VARCHAR'" in kind and "WHEN 'DECIMAL' THEN 'DOUBLE'" in kind


def test_json_equality_compares_canonical_text() -> None:
    out = spark("""SELECT CAST(v AS JSON) = CAST('"EUR"' AS JSON) FROM e""")
    assert out == """SELECT TO_JSON(v) = TO_JSON(PARSE_JSON('"EUR"')) FROM e"""


def test_arg_min_skips_null_values_as_duckdb_does() -> None:
    out = spark("SELECT arg_min(x, (t, s)) FROM r")
    assert out == "SELECT MIN_BY(x, IF(x IS NULL, NULL, STRUCT(t, s))) FROM r"


def test_duckdb_only_syntax_is_rewritten() -> None:
    out = spark(
        "WITH a AS MATERIALIZED (SELECT hash(c) AS h, CAST(n AS HUGEINT) * 2 AS big, "
        "epoch_us(ts) AS us, lead(t) OVER w - t AS gap FROM r WINDOW w AS (ORDER BY t)) "
        "SELECT greatest(h) FROM a"
    )
    assert "MATERIALIZED" not in out
    assert "XXHASH64(c) AS h" in out  # 64 bits, as DuckDB's hash (Spark's hash has 32)
    assert "CAST(n AS DECIMAL(38, 0)) * 2" in out
    assert "UNIX_MICROS(CAST(ts AS TIMESTAMP)) AS us" in out
    assert "(LEAD(t) OVER w) - t AS gap" in out
    assert out.endswith("SELECT h FROM a")


def test_grouping_sets_keep_their_tuples() -> None:
    out = spark("SELECT a, b, count(*) FROM t GROUP BY GROUPING SETS ((a, b), ())")
    assert "GROUPING SETS ((a, b), ())" in out


@pytest.fixture
def clean_env() -> Iterator[None]:
    names = (
        "JOURNEYS_ANALYTICS_ENGINE",
        "JOURNEYS_SPARK_EVENTS_DIR",
        "JOURNEYS_PARQUET_EXPORT_DIR",
    )
    saved = {n: os.environ.pop(n, None) for n in names}
    yield
    for name, value in saved.items():
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


def write_settings(ws: Workspace, text: str) -> None:
    marker = ws.root / "workspace.yaml"
    marker.write_text(marker.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_workspace_setting_is_read_from_workspace_yaml_and_the_environment_wins(
    ws: Workspace, clean_env: None
) -> None:
    assert ws.setting("analytics_engine") == "duckdb"  # the default
    write_settings(ws, "settings:\n  analytics_engine: spark\n  spark_master: local[1]\n")
    assert (ws.setting("analytics_engine"), ws.setting("spark_master")) == ("spark", "local[1]")
    os.environ["JOURNEYS_ANALYTICS_ENGINE"] = "duckdb"
    assert ws.setting("analytics_engine") == "duckdb"


def test_an_unknown_setting_in_workspace_yaml_is_named(ws: Workspace, clean_env: None) -> None:
    write_settings(ws, "settings:\n  analytics_engin: spark\n")
    with pytest.raises(InvalidInput, match=r"unknown setting.*analytics_engin"):
        ws.setting("analytics_engine")


def test_an_unknown_engine_is_refused_with_the_choices(ws: Workspace, clean_env: None) -> None:
    os.environ["JOURNEYS_ANALYTICS_ENGINE"] = "presto"
    with pytest.raises(InvalidInput, match=r"unknown analytics engine 'presto'.*duckdb, spark"):
        analytics_reader(ws)


def test_spark_needs_an_export_to_read(ws: Workspace, clean_env: None) -> None:
    os.environ["JOURNEYS_ANALYTICS_ENGINE"] = "spark"
    with pytest.raises(InvalidInput, match="set spark_events_dir"):
        analytics_reader(ws)
    os.environ["JOURNEYS_SPARK_EVENTS_DIR"] = "export"  # inside the workspace; nothing there
    with pytest.raises(InvalidInput, match=r"export at .*export holds no events yet"):
        analytics_reader(ws)


def test_a_subquery_in_double_parentheses_stays_a_list_of_rows() -> None:
    out = spark("SELECT 1 FROM e WHERE c IN ((SELECT a FROM b))")
    assert out == "SELECT 1 FROM e WHERE c IN (SELECT a FROM b)"


def test_spark_conf_is_read_as_key_value_pairs() -> None:
    from journeys.analytics.spark import extra_conf

    assert extra_conf(" spark.driver.memory=6g; a.b = c ;") == {
        "spark.driver.memory": "6g",
        "a.b": "c",
    }
    with pytest.raises(InvalidInput, match="spark_conf: cannot read 'memory'"):
        extra_conf("memory")
