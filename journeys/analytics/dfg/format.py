"""Pure shaping of a DFG result: table rows for the CLI and the web page, ECharts options."""

from __future__ import annotations

import math
from typing import Any

from journeys.analytics.common import elapsed_text
from journeys.analytics.dfg.result import DfgEdge, DfgResult

CHART_EDGES = 60  # more edges than this make a hairball nobody can read


def summary_text(result: DfgResult) -> str:
    """One line saying what the graph covers."""
    what = "events" if result.level == "event" else f"touchpoints of {result.query.journey}"
    text = (
        f"{len(result.nodes):,} {what}, {len(result.edges):,} edges, "
        f"{result.customers:,} customers, {result.events:,} events"
    )
    if result.unmapped is not None:
        text += f" ({result.unmapped:,} of their events match no touchpoint)"
    return text


def edge_rows(result: DfgResult) -> list[tuple[str, str, str, str]]:
    """(from, to, count, median time) per edge."""
    return [(e.from_, e.to, f"{e.count:,}", elapsed_text(e.median_seconds)) for e in result.edges]


def node_rows(result: DfgResult) -> list[tuple[str, str, str, str, str]]:
    """(activity, stage, events, starts, ends) per node."""
    return [
        (n.name, n.stage or "", f"{n.events:,}", f"{n.starts:,}", f"{n.ends:,}")
        for n in result.nodes
    ]


def chart_edges(result: DfgResult, limit: int = CHART_EDGES) -> list[DfgEdge]:
    """The edges the chart draws: the most frequent ``limit``."""
    return result.edges[:limit]


def graph_options(result: DfgResult, limit: int = CHART_EDGES) -> dict[str, Any]:
    """ECharts options: a graph series, node size by events, edge width by count."""
    edges = chart_edges(result, limit)
    shown = {e.from_ for e in edges} | {e.to for e in edges}
    nodes = [n for n in result.nodes if n.name in shown or result.level == "touchpoint"]
    top_events = max((n.events for n in nodes), default=1)
    top_count = max((e.count for e in edges), default=1)
    stages = list(dict.fromkeys(n.stage for n in nodes if n.stage))
    rows: dict[str | None, int] = {}
    data = []
    for n in nodes:
        item: dict[str, Any] = {
            "name": n.name,
            "value": n.events,
            "symbolSize": 14 + 36 * math.sqrt(n.events / top_events),
            "tooltip": {
                "formatter": f"{n.label}: {n.events:,} events, {n.starts:,} start, {n.ends:,} end"
            },
        }
        if n.stage:
            item["category"] = stages.index(n.stage)
            item["x"], item["y"] = stages.index(n.stage) * 220, rows.get(n.stage, 0) * 90
            rows[n.stage] = rows.get(n.stage, 0) + 1
        data.append(item)
    links = [
        {
            "source": e.from_,
            "target": e.to,
            "value": e.count,
            "lineStyle": {"width": 1 + 9 * e.count / top_count},
            "tooltip": {
                "formatter": f"{e.from_} → {e.to}: {e.count:,} "
                f"(median {elapsed_text(e.median_seconds)})"
            },
        }
        for e in edges
    ]
    series: dict[str, Any] = {
        "type": "graph",
        "layout": "none" if result.level == "touchpoint" else "circular",
        "roam": True,
        "autoCurveness": True,
        "edgeSymbol": ["none", "arrow"],
        "edgeSymbolSize": 8,
        "label": {"show": True, "position": "right"},
        "lineStyle": {"opacity": 0.6, "color": "source"},
        "emphasis": {"focus": "adjacency"},
        "data": data,
        "links": links,
    }
    if stages:
        series["categories"] = [{"name": s} for s in stages]
    return {
        "animation": False,
        "tooltip": {},
        "legend": [{"data": stages}] if stages else [],
        "series": [series],
    }
