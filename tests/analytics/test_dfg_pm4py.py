"""Our directly-follows graph against pm4py's ``discover_dfg`` on the same XES files.

pm4py is AGPL: it is used here, in tests, and in the benchmark, never by ``journeys``.
"""

from __future__ import annotations

import random
import shutil
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from journeys.analytics import sequences
from journeys.analytics.dfg import DfgQuery, DfgResult, dfg
from journeys.analytics.dfg.runner import run_dfg
from journeys.events.importing import import_file
from journeys.workspace import Workspace

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "event_logs"
NOW = datetime(2026, 5, 1, 12, 0)


def pm4py_dfg(path: Path) -> tuple[dict[Any, int], dict[str, int], dict[str, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pm4py warns about optional speed-ups
        import pm4py

        log = pm4py.read_xes(str(path))
        # pm4py orders each case by time (stable: ties keep file order) for the edges, but
        # takes start and end activities from the first and last rows as they stand; on a log
        # sorted by case and time, as pm4py.format_dataframe leaves it, the two agree.
        log = log.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
        found: tuple[dict[Any, int], dict[str, int], dict[str, int]] = pm4py.discover_dfg(log)
        return found


def ours(ws: Workspace, path: Path) -> DfgResult:
    summary = import_file(ws.events, path, received_at=NOW, rejects=path.with_suffix(".rej"))
    assert summary.refused == 0
    return dfg(ws)


def assert_same(result: DfgResult, path: Path) -> None:
    edges, starts, ends = pm4py_dfg(path)
    assert {(e.from_, e.to): e.count for e in result.edges} == dict(edges)
    assert {n.name: n.starts for n in result.nodes if n.starts} == dict(starts)
    assert {n.name: n.ends for n in result.nodes if n.ends} == dict(ends)


@pytest.mark.slow
def test_receipt_gives_pm4pys_directly_follows_graph(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "receipt.xes"
    shutil.copyfile(DATA / "receipt.xes", path)
    result = ours(ws, path)
    assert (result.customers, result.events, len(result.edges)) == (1434, 8577, 99)
    assert_same(result, path)
    # The compiled pass over the kept customer sequences gives the same graph.
    assert_same(run_dfg(ws.events.fresh_reader(), DfgQuery(), engine="kernel"), path)
    assert sequences.last_refresh[str(ws.events.path)] == "read"


def _xes(cases: dict[str, list[tuple[str, datetime]]]) -> str:
    traces = []
    for case, events in cases.items():
        body = "".join(
            f'<event><string key="concept:name" value="{a}"/>'
            f'<date key="time:timestamp" value="{t.isoformat()}.000+00:00"/></event>'
            for a, t in events
        )
        traces.append(f'<trace><string key="concept:name" value="{case}"/>{body}</trace>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">'
        '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>'
        '<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>'
        + "".join(traces)
        + "</log>\n"
    )


def test_ties_and_unsorted_traces_are_ordered_as_pm4py_orders_them(
    ws: Workspace, tmp_path: Path
) -> None:
    # Timestamps from a handful of minutes, written out of order: many ties within a case,
    # which both sides break by file order (pm4py's sort is stable; we order by seq).
    rng = random.Random(5)
    t0 = datetime(2024, 1, 1, 9, 0)
    cases = {
        f"case-{n}": [
            (rng.choice("ABCDE"), t0 + timedelta(minutes=rng.randrange(4)))
            for _ in range(rng.randrange(1, 9))
        ]
        for n in range(60)
    }
    path = tmp_path / "ties.xes"
    path.write_text(_xes(cases), encoding="utf-8")
    result = ours(ws, path)
    assert result.events == sum(len(v) for v in cases.values())
    assert_same(result, path)
