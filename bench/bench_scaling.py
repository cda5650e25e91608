"""Benchmark: how the analyses scale with the data, on DuckDB and on Spark local.

    .venv/bin/python bench/bench_scaling.py [--events 1000000,10000000,30000000]
        [--spark-master 'local[2]'] [--skip-spark] [--runs 2] [--spark-runs 2]
        [--driver-memory 6g] [--query-timeout 3600]

For each size, builds (or reuses, keyed by size, under bench/out/scaling/) a workspace holding
that many events of ``bench/analytics.py``'s five-step shop journey, exports it as Parquet
(``journeys.store.parquet_export``, timed: events/s), then times through the Python API:

* a 5-step funnel with a 7-day window (``funnel(ws, query)``) on DuckDB with the default
  ``auto`` engine (the compiled kernel from 1M events on) and with ``engine="sql"`` (the SQL
  plan, the one Spark runs), and on Spark (``JOURNEYS_ANALYTICS_ENGINE=spark`` over the
  export);
* the directly-follows graph (``dfg(ws, DfgQuery())``) the same three ways (the SQL plan on
  DuckDB through ``run_dfg(con, DfgQuery(), engine="sql")``, as ``dfg`` takes no engine).

DuckDB: one warm-up run, then the best of two. Spark: the session is started first (its
start-up is timed on its own), one warm-up run of each analysis on the smallest size, then the
best of ``--spark-runs`` runs at every size. The engines must agree (funnel step counts, DFG
node and edge counts): the script stops with the differing figures otherwise.

Where Spark's time goes, per timed run (averaged over the runs): its jobs, stages and tasks,
the seconds from submission to completion summed over its jobs (they overlap, so the sum can
exceed the wall time), and the seconds in ``SparkReader`` set-up (views over the export) and in
``execute`` (translation, planning, running, collecting as Arrow).

Prints a table per size, how each figure grows per 10× data, and on its last line one JSON
object with every figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from analytics import STEPS, build_workspace, generate, timed  # noqa: E402

from journeys.analytics.common import analytics_reader  # noqa: E402
from journeys.analytics.dfg import DfgQuery, dfg  # noqa: E402
from journeys.analytics.dfg.runner import run_dfg  # noqa: E402
from journeys.analytics.funnels import FunnelQuery, funnel  # noqa: E402
from journeys.store.parquet_export import export_parquet  # noqa: E402
from journeys.workspace import Workspace  # noqa: E402

OUT = ROOT / "bench" / "out"
HERE = OUT / "scaling"
SIZES = (1_000_000, 10_000_000, 30_000_000)
BUILT = "bench-built.json"  # written once a workspace holds all its events, stitched
ENGINES = ("duckdb auto", "duckdb sql", "spark")
ANALYSES = ("funnel", "dfg")
SPARK_FIGURES = ("jobs", "stages", "tasks", "job_s", "reader_s", "translate_s", "execute_s")
SPARK_FIGURES += ("queries",)
QUERY = FunnelQuery(steps=STEPS, window="7d")


# -- data -------------------------------------------------------------------------------------


def source_file(events: int) -> Path:
    """The generated events as Parquet: ``bench/analytics.py``'s file when there, else ours."""
    shared = OUT / f"journey_events_{events}.parquet"
    if shared.exists():
        return shared
    path = HERE / f"journey_events_{events}.parquet"
    if not path.exists():
        print(f"generating {path.name} …", flush=True)
        seconds, _ = timed(lambda: generate(path, events))
        print(f"  generated in {seconds:.1f} s", flush=True)
    return path


def workspace(events: int) -> tuple[Workspace, dict[str, float]]:
    """The workspace of ``events`` events (built once, then reused) and its build figures."""
    folder = HERE / f"ws_{events}"
    marker = folder / BUILT
    if marker.exists():
        print(f"reusing {folder.relative_to(ROOT)}", flush=True)
        return Workspace.open(folder), json.loads(marker.read_text())
    ws, built = build_workspace(source_file(events), folder)
    if built.pop("stored") != events:
        raise SystemExit(f"expected {events:,} events in {folder.relative_to(ROOT)}")
    marker.write_text(json.dumps(built))
    return ws, built


def export(ws: Workspace) -> tuple[Path, float, int]:
    """A fresh Parquet export of the whole log: its folder, seconds and events."""
    folder = ws.root / "export"
    shutil.rmtree(folder, ignore_errors=True)  # a removed folder is exported from the start
    result = export_parquet(ws, folder)
    print(f"exported {result.events:,} events in {result.seconds:.1f} s", flush=True)
    return folder, result.seconds, result.events


# -- running ----------------------------------------------------------------------------------


def spark_engine(folder: Path, master: str) -> AbstractContextManager[Any]:
    """The analyses run on Spark over ``folder`` while in it (the environment overrides)."""
    wanted = {
        "JOURNEYS_ANALYTICS_ENGINE": "spark",
        "JOURNEYS_SPARK_EVENTS_DIR": str(folder),
        "JOURNEYS_SPARK_MASTER": master,
    }
    return mock.patch.dict(os.environ, wanted)


def runner(ws: Workspace, analysis: str, engine: str) -> Callable[[], Any]:
    """One analysis on one engine, as a call (Spark's engine is set by the caller)."""
    if analysis == "dfg" and engine == "duckdb sql":
        return lambda: dfg_sql(ws)
    if analysis == "dfg":
        return lambda: dfg(ws, DfgQuery())
    kind = "auto" if engine == "duckdb auto" else "sql"
    return lambda: funnel(ws, QUERY, engine=kind)  # type: ignore[arg-type]


def dfg_sql(ws: Workspace) -> Any:
    """``dfg(ws, DfgQuery())`` on the SQL plan (the API call picks the kernel from 1M events)."""
    with closing(analytics_reader(ws)) as con:
        return run_dfg(con, DfgQuery(), engine="sql")


def best_of(fn: Callable[[], Any], runs: int, warm_up: bool) -> tuple[float, list[float], Any]:
    """The fastest of ``runs`` timed runs (after one untimed run when ``warm_up``)."""
    if warm_up:
        fn()
    times: list[float] = []
    value: Any = None
    for _ in range(runs):
        seconds, value = timed(fn)
        times.append(seconds)
        print(f"    {seconds:8.2f} s", flush=True)
    return min(times), times, value


def figures_of(analysis: str, result: Any) -> dict[str, Any]:
    """What must be equal on every engine: step counts, or node and edge counts."""
    if analysis == "funnel":
        return {"counts": [s.customers for s in result.steps]}
    return {
        "nodes": {n.name: n.events for n in result.nodes},
        "edges": {f"{e.from_} -> {e.to}": e.count for e in result.edges},
        "medians": {f"{e.from_} -> {e.to}": e.median_seconds for e in result.edges},
    }


def check_same(events: int, analysis: str, results: dict[str, dict[str, Any]]) -> None:
    """Stop with the differing figures when two engines disagree on counts."""
    reference = results["duckdb auto"]
    for engine, got in results.items():
        for key, value in got.items():
            if key == "medians":
                continue
            if value != reference[key]:
                diff = _diff(reference[key], value)
                raise SystemExit(
                    f"MISMATCH at {events:,} events, {analysis} {key}: duckdb auto vs {engine}: "
                    f"{diff}"
                )
        if "medians" in got:
            off = {
                k: (reference["medians"][k], v)
                for k, v in got["medians"].items()
                if not math.isclose(v, reference["medians"].get(k, math.nan), abs_tol=1e-6)
            }
            if off:
                print(f"  WARNING: DFG medians differ on {engine}: {off}", flush=True)


def _diff(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {
            k: (a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)
        }
    return (a, b)


class SparkProbe:
    """Counts of the Spark jobs, stages and tasks the session ran (the UI is off: its store)."""

    def __init__(self) -> None:
        from journeys.analytics.spark import session

        self.master = ""
        self.spent: dict[str, float] = {}
        self._session = session

    def start(self, master: str) -> float:
        """Start the session on ``master``: the seconds it took."""
        self.master = master
        seconds, _ = timed(lambda: self._session(master))
        return seconds

    def timers(self) -> None:
        """Time the reader's set-up (views over the export), the SQL translation and the
        queries (planning, running and collecting), by wrapping them."""
        from journeys.analytics import spark

        self.spent |= {"reader_s": 0.0, "translate_s": 0.0, "execute_s": 0.0, "queries": 0.0}

        def wrap(owner: Any, name: str, key: str, count: bool = False) -> None:
            inner = getattr(owner, name)

            def timed_call(*a: Any, **k: Any) -> Any:
                started = time.perf_counter()
                try:
                    return inner(*a, **k)
                finally:
                    self.spent[key] += time.perf_counter() - started
                    if count:
                        self.spent["queries"] += 1

            setattr(owner, name, timed_call)

        wrap(spark.SparkReader, "__init__", "reader_s")
        wrap(spark, "to_spark", "translate_s")
        wrap(spark.SparkReader, "execute", "execute_s", count=True)

    def counts(self) -> dict[str, float]:
        """Over the jobs retained so far: the highest id, and their stages, tasks and seconds
        (submission to completion)."""
        store = self._session(self.master).sparkContext._jsc.sc().statusStore()  # type: ignore[union-attr]
        jobs = store.jobsList(None)
        listed = [jobs.apply(i) for i in range(jobs.size())]
        return {
            "jobs": max((j.jobId() for j in listed), default=-1),
            "stages": sum(j.stageIds().size() - j.numSkippedStages() for j in listed),
            "tasks": sum(j.numTasks() - j.numSkippedTasks() for j in listed),
            "job_s": sum(_job_seconds(j) for j in listed),
            **self.spent,
        }

    def delta(self, before: dict[str, float]) -> dict[str, float]:
        """Jobs, stages and tasks run since ``before``."""
        now = self.counts()
        return {k: now[k] - before[k] for k in now}


def _job_seconds(job: Any) -> float:
    """A finished job's seconds from submission to completion (0 while it runs)."""
    start, end = job.submissionTime(), job.completionTime()
    if start.isEmpty() or end.isEmpty():
        return 0.0
    return (end.get().getTime() - start.get().getTime()) / 1000


def measure(
    events: int,
    args: argparse.Namespace,
    probe: SparkProbe | None,
    spark_warm: bool,
) -> dict[str, Any]:
    """Every figure of one size."""
    ws, built = workspace(events)
    try:
        folder, export_s, exported = export(ws)
        if exported != events:
            raise SystemExit(f"exported {exported:,} events of {events:,}")
        size: dict[str, Any] = {
            "events": events,
            "build": built,
            "export_s": export_s,
            "load": os.getloadavg()[0],
        }
        for analysis in ANALYSES:
            results: dict[str, dict[str, Any]] = {}
            timing: dict[str, Any] = {}
            for engine in ENGINES:
                if engine == "spark" and probe is None:
                    continue
                print(f"  {analysis} on {engine} (load {os.getloadavg()[0]:.2f})", flush=True)
                fn = runner(ws, analysis, engine)
                if engine == "spark":
                    with spark_engine(folder, args.spark_master):
                        warm = None
                        if not spark_warm:
                            warm, _ = timed(fn)
                            print(f"    warm-up {warm:.2f} s", flush=True)
                        before = probe.counts() if probe else {}
                        seconds, runs, value = best_of(fn, args.spark_runs, warm_up=False)
                        work = probe.delta(before) if probe else {}
                    per_run = {k: v / max(1, args.spark_runs) for k, v in work.items()}
                    timing[engine] = {"s": seconds, "runs": runs, "warm_up_s": warm, **per_run}
                else:
                    seconds, runs, value = best_of(fn, args.runs, warm_up=True)
                    timing[engine] = {"s": seconds, "runs": runs}
                timing[engine]["load"] = os.getloadavg()[0]
                results[engine] = figures_of(analysis, value)
            check_same(events, analysis, results)
            reference = results["duckdb auto"]
            size[analysis] = {
                "timing": timing,
                **(
                    {"counts": reference["counts"]}
                    if analysis == "funnel"
                    else {"edges": len(reference["edges"]), "nodes": len(reference["nodes"])}
                ),
            }
        return size
    finally:
        ws.close()


# -- reporting --------------------------------------------------------------------------------


def growth(sizes: list[dict[str, Any]], pick: Callable[[dict[str, Any]], float | None]) -> list:
    """Between consecutive sizes: the ratio of the times, and that ratio per 10× data."""
    out = []
    for a, b in itertools.pairwise(sizes):
        ta, tb = pick(a), pick(b)
        if not ta or not tb:
            out.append(None)
            continue
        per_10x = (tb / ta) ** (1 / math.log10(b["events"] / a["events"]))
        out.append({"from": a["events"], "to": b["events"], "ratio": tb / ta, "per_10x": per_10x})
    return out


def report(figures: dict[str, Any]) -> None:
    sizes = figures["sizes"]
    if figures.get("spark_start_s") is not None:
        print(
            f"\nSpark session start ({figures['spark_master']}): {figures['spark_start_s']:.2f} s"
        )
    print(f"\n{'events':>12} {'export s':>9} {'events/s':>12}  load")
    for s in sizes:
        print(
            f"{s['events']:>12,} {s['export_s']:>9.2f} {s['events'] / s['export_s']:>12,.0f}"
            f"  {s['load']:.2f}"
        )
    print(f"\n{'analysis':8} {'engine':12} {'events':>12} {'best s':>9} {'events/s':>12}  load"
          "  Spark per run: jobs tasks, s in jobs / reader set-up / execute (queries)")  # fmt: skip
    for analysis in ANALYSES:
        for engine in ENGINES:
            for s in sizes:
                t = s[analysis]["timing"].get(engine)
                if t is None:
                    continue
                spark = (
                    f"   {t['jobs']:.0f} {t['tasks']:.0f}, {t['job_s']:.2f} / {t['reader_s']:.2f}"
                    f" / {t['execute_s']:.2f} ({t['queries']:.0f})"
                    if "reader_s" in t
                    else ""
                )
                print(
                    f"{analysis:8} {engine:12} {s['events']:>12,} {t['s']:>9.2f} "
                    f"{s['events'] / t['s']:>12,.0f}  {t['load']:.2f}{spark}"
                )
    print("\ngrowth of the time per 10× data (1.0 = constant time, 10.0 = linear)")
    rows: list[tuple[str, Callable[[dict[str, Any]], float | None]]] = [
        ("export", lambda s: s["export_s"])
    ]
    for analysis in ANALYSES:
        for engine in ENGINES:
            rows.append(
                (
                    f"{analysis} {engine}",
                    lambda s, a=analysis, e=engine: s[a]["timing"].get(e, {}).get("s"),
                )
            )
    summary_growth: dict[str, Any] = {}
    for label, pick in rows:
        steps = growth(sizes, pick)
        summary_growth[label] = [
            None
            if g is None
            else {k: round(v, 2) if isinstance(v, float) else v for k, v in g.items()}
            for g in steps
        ]
        text = "  ".join(
            "-"
            if g is None
            else f"{g['from'] // 1_000_000}M→{g['to'] // 1_000_000}M "
            f"×{g['ratio']:.2f} (×{g['per_10x']:.2f} per 10×)"
            for g in steps
        )
        print(f"{label:22} {text}")
    print(json.dumps(summary(figures, summary_growth)))


def summary(figures: dict[str, Any], grown: dict[str, Any]) -> dict[str, Any]:
    """The last line: every figure, rounded."""
    out: dict[str, Any] = {
        "spark_master": figures["spark_master"],
        "spark_start_s": _r(figures.get("spark_start_s")),
        "driver_memory": figures.get("driver_memory"),
        "sizes": [],
        "growth": grown,
    }
    for s in figures["sizes"]:
        n = s["events"]
        row: dict[str, Any] = {
            "events": n,
            "load": round(s["load"], 2),
            "build": {k: _r(v) for k, v in s["build"].items()},
            "export": {"seconds": _r(s["export_s"]), "events_per_s": round(n / s["export_s"])},
        }
        for analysis in ANALYSES:
            entry: dict[str, Any] = {k: v for k, v in s[analysis].items() if k != "timing"}
            for engine, t in s[analysis]["timing"].items():
                entry[engine.replace(" ", "_")] = {
                    "seconds": _r(t["s"]),
                    "runs": [_r(x) for x in t["runs"]],
                    "events_per_s": round(n / t["s"]),
                    "load": round(t["load"], 2),
                    **{k: _r(v) for k, v in t.items() if k in SPARK_FIGURES},
                    **({"warm_up_s": _r(t["warm_up_s"])} if t.get("warm_up_s") else {}),
                }
            row[analysis] = entry
        out["sizes"].append(row)
    return out


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--events",
        "--sizes",
        dest="events",
        default=",".join(str(n) for n in SIZES),
        help="comma-separated sizes (default 1000000,10000000,30000000)",
    )
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--skip-spark", action="store_true", help="DuckDB only")
    parser.add_argument("--runs", type=int, default=2, help="timed DuckDB runs (best counts)")
    parser.add_argument("--spark-runs", type=int, default=2, help="timed Spark runs")
    parser.add_argument(
        "--driver-memory",
        help="Spark driver memory (e.g. 8g), passed as PYSPARK_SUBMIT_ARGS; Spark's default is 1g",
    )
    parser.add_argument(
        "--query-timeout",
        default="3600",
        help="seconds an analysis may run (the setting query_timeout, 60 s by default)",
    )
    args = parser.parse_args()
    os.environ["JOURNEYS_QUERY_TIMEOUT"] = args.query_timeout
    sizes = sorted(int(x.replace("_", "")) for x in args.events.split(",") if x.strip())
    HERE.mkdir(parents=True, exist_ok=True)
    if args.driver_memory and "PYSPARK_SUBMIT_ARGS" not in os.environ:
        os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {args.driver_memory} pyspark-shell"
    figures: dict[str, Any] = {
        "spark_master": None if args.skip_spark else args.spark_master,
        "driver_memory": None if args.skip_spark else (args.driver_memory or "1g (default)"),
        "sizes": [],
    }
    probe = None
    if not args.skip_spark:
        probe = SparkProbe()
        probe.timers()
        figures["spark_start_s"] = probe.start(args.spark_master)
        print(f"Spark session started in {figures['spark_start_s']:.2f} s", flush=True)
    for k, events in enumerate(sizes):
        print(f"\n== {events:,} events (load {os.getloadavg()[0]:.2f})", flush=True)
        figures["sizes"].append(measure(events, args, probe, spark_warm=k > 0))
        # A partial result per size, in case a larger one does not finish.
        (HERE / "partial.json").write_text(json.dumps(figures, default=str))
    report(figures)


if __name__ == "__main__":
    main()
