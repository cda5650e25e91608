"""One definition, two engines: every analysis gives the same answer on DuckDB and on Spark.

Each data set is loaded into a workspace's event log and exported as Parquet
(``journeys export parquet``); the analyses then run through their Python API twice, once on
the event log and once with ``analytics_engine=spark`` (Spark ``local[2]`` reading the export).
The results must be equal, field by field; floating-point figures to 9 significant digits
(the engines add in different orders).

The data: the funnel scenario table of ``test_funnels.py`` and the segment people of
``test_segments.py`` (all in one log), a generated demo shop (300 customers, with survey
answers and tickets), and the real event logs in ../shared/data (receipt.xes,
running-example.xes, helpdesk.xes.gz).
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from pydantic import BaseModel
from test_funnels import SCENARIOS
from test_segments import PEOPLE

from journeys.analytics.common import Step
from journeys.analytics.conformance import ConformanceQuery, conformance
from journeys.analytics.dfg import DfgQuery, dfg
from journeys.analytics.funnels import FunnelQuery, funnel
from journeys.analytics.kpis import board_query, kpi_board, kpi_query, kpis
from journeys.analytics.overlay import OverlayQuery, measured_map, pain_points
from journeys.analytics.paths import PathsQuery, paths
from journeys.analytics.retention import churn, churn_query, retention, retention_query
from journeys.analytics.segments import SegmentDefinition, evaluate, parse_condition, save
from journeys.demo.build import build_demo
from journeys.errors import QueryTimeout
from journeys.events.importing import import_file
from journeys.store.parquet_export import export_parquet
from journeys.workspace import Workspace

from factories import identify, send
from scenarios import T0, journeys_for
from serving import admin_headers

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "event_logs"
S = Step.parse
pytestmark = pytest.mark.slow


def spark_engine(ws: Workspace) -> AbstractContextManager[Any]:
    """Run the analyses on Spark over the workspace's export while in it (the environment
    overrides)."""
    spark = {
        "JOURNEYS_ANALYTICS_ENGINE": "spark",
        "JOURNEYS_SPARK_EVENTS_DIR": str(ws.root / "export"),
    }
    return mock.patch.dict(os.environ, spark)


def assert_same(duck: Any, spark: Any, where: str = "result") -> None:
    """Equal, field by field; floats to 1e-9 relative (or 1e-6 absolute: DuckDB's ``epoch``
    differences of two instants are doubles good to about 0.2 µs)."""
    if isinstance(duck, float) or isinstance(spark, float):
        assert isinstance(duck, int | float) and isinstance(spark, int | float), where
        assert math.isclose(duck, spark, rel_tol=1e-9, abs_tol=1e-6), (where, duck, spark)
    elif isinstance(duck, dict) and isinstance(spark, dict):
        assert duck.keys() == spark.keys(), where
        for key in duck:
            assert_same(duck[key], spark[key], f"{where}.{key}")
    elif isinstance(duck, list) and isinstance(spark, list):
        assert len(duck) == len(spark), (where, duck, spark)
        for n, (a, b) in enumerate(zip(duck, spark, strict=True)):
            assert_same(a, b, f"{where}[{n}]")
    else:
        assert duck == spark, (where, duck, spark)


def same_on_both(ws: Workspace, run: Callable[[], BaseModel]) -> dict[str, Any]:
    """Run an analysis on DuckDB and on Spark; assert equal results and return DuckDB's."""
    on_duckdb = run().model_dump(mode="json")
    with spark_engine(ws):
        on_spark = run().model_dump(mode="json")
    assert_same(on_duckdb, on_spark)
    return on_duckdb


def exported(ws: Workspace) -> Workspace:
    export_parquet(ws, ws.root / "export")
    return ws


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The funnel scenarios (each person renamed by scenario) and the segment people."""
    ws = Workspace.init(tmp_path_factory.mktemp("parity") / "scenarios")
    people: dict[str, list[Any]] = {}
    for n, scenario in enumerate(SCENARIOS):
        for person, events in scenario.people.items():
            anon = person.startswith("anon:")
            name = f"s{n}-{person.removeprefix('anon:')}"
            people[f"anon:{name}" if anon else name] = [
                (*e[:2], {"plan": ["pro", "free"][n % 2], "price": n * 10}, *e[3:]) for e in events
            ]
    journeys_for(ws, people)
    journeys_for(ws, PEOPLE)
    send(
        ws.events,
        identify("ann", 1, plan="pro"),
        identify("bob", 2, plan="free"),
        identify("bob", 3, plan="pro"),
        identify("cid", 4, plan="free", tags=["vip", "early"]),
        identify("s1-al", 5, anon="s2-al"),  # stitching: one anonymous visitor logs in
    )
    yield exported(ws)
    ws.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A generated shop: the example journeys' touchpoints, channels, surveys, tickets."""
    ws, _ = build_demo(tmp_path_factory.mktemp("parity") / "demo", customers=300, seed=7)
    yield exported(ws)
    ws.close()


@pytest.fixture(scope="module", params=["receipt.xes", "running-example.xes", "helpdesk.xes.gz"])
def event_log(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    """A real process-mining event log from ../shared/data, imported."""
    name: str = request.param
    root = tmp_path_factory.mktemp("parity")
    path = root / name.removesuffix(".gz")
    if name.endswith(".gz"):
        path.write_bytes(gzip.decompress((DATA / name).read_bytes()))
    else:
        shutil.copyfile(DATA / name, path)
    ws = Workspace.init(root / "ws", examples=False)
    import_file(ws.events, path, received_at=T0, rejects=root / "rejects.jsonl")
    ws.events.sync()
    yield exported(ws)
    ws.close()


# -- funnels ------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["ordered", "strict", "any"])
@pytest.mark.parametrize("engine", ["sql", "kernel"])
def test_funnels_of_the_scenario_table_agree(scenarios: Workspace, order: str, engine: str) -> None:
    query = FunnelQuery(steps=[S("a"), S("b"), S("c")], window="1d", order=order, dropped_at=2)
    result = same_on_both(scenarios, lambda: funnel(scenarios, query, engine=engine))  # type: ignore[arg-type]
    assert result["steps"][0]["customers"] > 10  # the scenarios are all there


def test_funnel_exclusions_breakdown_and_filters_agree(scenarios: Workspace) -> None:
    query = FunnelQuery.model_validate(
        {
            "steps": ["a where price >= 20", "b", "c"],
            "window": "2d",
            "exclude": [{"step": S("x"), "from_step": 1, "to_step": 2}],
            "breakdown": "plan",
            "dropped_at": 3,
        }
    )
    result = same_on_both(scenarios, lambda: funnel(scenarios, query, engine="sql"))
    assert {b["value"] for b in result["breakdown"]} == {"pro", "free"}


def test_funnels_over_touchpoints_agree(demo: Workspace) -> None:
    steps = [S("touchpoint fashion/product-page"), S("touchpoint fashion/add-to-cart"),
             S("touchpoint fashion/order-placed")]  # fmt: skip
    query = FunnelQuery(steps=steps, window="14d", breakdown="context.channel", dropped_at=2)
    result = same_on_both(demo, lambda: funnel(demo, query, engine="sql"))
    assert result["steps"][0]["customers"] > 0


def test_funnels_over_real_event_logs_agree(event_log: Workspace) -> None:
    nodes = dfg(event_log, DfgQuery()).nodes
    names = [n.name for n in sorted(nodes, key=lambda n: (-n.events, n.name))[:3]]
    query = FunnelQuery(steps=[S(n) for n in names], window="30d", dropped_at=2)
    same_on_both(event_log, lambda: funnel(event_log, query, engine="sql"))


# -- paths, the directly-follows graph, conformance ---------------------------------------


def test_paths_agree(scenarios: Workspace, demo: Workspace) -> None:
    same_on_both(scenarios, lambda: paths(scenarios, PathsQuery(start=S("a"), length=4)))
    same_on_both(scenarios, lambda: paths(scenarios, PathsQuery(end=S("c"), length=3)))
    query = PathsQuery(start=S("touchpoint fashion/product-page"), journey="fashion")
    result = same_on_both(demo, lambda: paths(demo, query))
    assert result["paths"]


def test_directly_follows_graphs_agree(scenarios: Workspace, demo: Workspace) -> None:
    same_on_both(scenarios, lambda: dfg(scenarios, DfgQuery()))
    result = same_on_both(demo, lambda: dfg(demo, DfgQuery(journey="fashion")))
    assert result["edges"]


def test_directly_follows_graphs_of_real_event_logs_agree(event_log: Workspace) -> None:
    result = same_on_both(event_log, lambda: dfg(event_log, DfgQuery()))
    assert len(result["edges"]) > 5


def test_conformance_agrees(demo: Workspace) -> None:
    result = same_on_both(demo, lambda: conformance(demo, ConformanceQuery(journey="fashion")))
    assert result["customers"] > 0


# -- retention, churn, the measured map, KPIs, segments ------------------------------------


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_retention_agrees(scenarios: Workspace, demo: Workspace, period: str) -> None:
    same_on_both(scenarios, lambda: retention(scenarios, retention_query(start="a", period=period)))
    query = retention_query(start="product_viewed", returning="order_completed", period=period)
    same_on_both(demo, lambda: retention(demo, query))


def test_churn_agrees(scenarios: Workspace, demo: Workspace) -> None:
    same_on_both(scenarios, lambda: churn(scenarios, churn_query(inactive="2d")))
    result = same_on_both(demo, lambda: churn(demo, churn_query(inactive="14d")))
    assert result["customers"]


def test_measured_maps_and_pain_points_agree(demo: Workspace) -> None:
    result = same_on_both(demo, lambda: measured_map(demo, OverlayQuery(journey="fashion")))
    assert result["stages"]
    same_on_both(demo, lambda: pain_points(demo, OverlayQuery(journey="fashion")))


def test_kpis_agree(demo: Workspace) -> None:
    same_on_both(demo, lambda: kpis(demo, kpi_query(by="touchpoint", grain="week")))
    same_on_both(demo, lambda: kpi_board(demo, board_query()))


@pytest.mark.parametrize(
    "conditions",
    [
        ["did purchase at least 2 times in 7d"],
        ["did purchase where total in [20, 500]"],
        ["did not view"],
        ["trait plan = 'pro'", "did purchase where total > 100"],
        ["trait plan exists"],
        ["trait tags contains 'vip'"],
        ["did a where plan = 'pro'"],
    ],
)
def test_segments_agree(scenarios: Workspace, conditions: list[str]) -> None:
    segment = SegmentDefinition.model_validate(
        {"name": "s", "conditions": [parse_condition(c) for c in conditions]}
    )
    result = same_on_both(scenarios, lambda: evaluate(scenarios, segment, limit=100))
    assert result["size"] == len(result["customers"])


def test_a_segment_narrows_an_analysis_on_both_engines(scenarios: Workspace) -> None:
    save(
        scenarios.operational,
        SegmentDefinition(name="pro", conditions=[parse_condition("trait plan = 'pro'")]),
    )
    query = FunnelQuery(steps=[S("purchase"), S("view")], window="60d", segment="pro")
    result = same_on_both(scenarios, lambda: funnel(scenarios, query, engine="sql"))
    assert result["steps"][0]["customers"] == 2  # ann and bob


def test_stitching_matches_the_event_log(scenarios: Workspace) -> None:
    """The anonymous visitor who logged in is one customer on both engines."""
    query = FunnelQuery(steps=[S("a")], window="1d", dropped_at=None)
    both = same_on_both(scenarios, lambda: funnel(scenarios, query, engine="sql"))
    with spark_engine(scenarios):
        from journeys.analytics.common import analytics_reader

        con = analytics_reader(scenarios)
        try:
            rows = con.execute(
                "SELECT DISTINCT customer_id FROM stitched_events WHERE anonymous_id = 's2-al'"
            ).fetchall()
        finally:
            con.close()
    assert rows == [("s1-al",)]
    assert both["steps"][0]["customers"] > 0


# -- the entry points and the time limit ------------------------------------------------------


def test_the_cli_runs_an_analysis_on_spark_when_the_workspace_says_so(scenarios: Workspace) -> None:
    """``journeys analyse dfg --json`` on a workspace whose workspace.yaml picks Spark."""
    journeys = str(Path(sys.executable).parent / "journeys")
    command = [journeys, "analyse", "dfg", "-w", str(scenarios.root), "--json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")}
    scenarios.close()  # the command opens the event log itself (it reopens here when needed)
    on_duckdb = json.loads(subprocess.run(command, check=True, capture_output=True, env=env).stdout)
    marker = scenarios.root / "workspace.yaml"
    before = marker.read_text(encoding="utf-8")
    marker.write_text(before + "settings:\n  analytics_engine: spark\n  spark_events_dir: export\n")
    try:
        done = subprocess.run(command, capture_output=True, env=env, text=True)
    finally:
        marker.write_text(before, encoding="utf-8")
    assert done.returncode == 0, done.stderr[-2000:]
    assert_same(on_duckdb, json.loads(done.stdout))
    assert on_duckdb["edges"]


def test_a_spark_query_past_the_time_limit_stops_with_a_clear_error(demo: Workspace) -> None:
    os.environ["JOURNEYS_QUERY_TIMEOUT"] = "0.2"
    try:
        with spark_engine(demo), pytest.raises(QueryTimeout, match="query_timeout"):
            conformance(demo, ConformanceQuery(journey="fashion"))
    finally:
        del os.environ["JOURNEYS_QUERY_TIMEOUT"]
    with spark_engine(demo):  # the session is still good for the next query
        assert dfg(demo, DfgQuery()).edges


def test_the_http_api_and_the_analyse_page_follow_the_engine(scenarios: Workspace) -> None:
    from fastapi.testclient import TestClient

    from journeys.api.app import create_app

    with TestClient(create_app(scenarios), headers=admin_headers(scenarios)) as client:
        on_duckdb = client.get("/api/analytics/dfg").json()
        page = client.get("/analyse", headers={"accept": "text/html"}).text
        assert "Analyses run on DuckDB" in page
        with spark_engine(scenarios):
            answer = client.get("/api/analytics/dfg")
            page = client.get("/analyse", headers={"accept": "text/html"}).text
    assert answer.status_code == 200, answer.text
    assert_same(on_duckdb, answer.json())
    assert "Analyses run on Apache Spark (local[2]), on the Parquet export at" in page
