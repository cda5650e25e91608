"""Pure shaping of a funnel result: table rows for the CLI and web, chart options for ECharts."""

from __future__ import annotations

from typing import Any

from journeys.analytics.common import elapsed_text
from journeys.analytics.funnels.result import FunnelResult, StepResult

HEADERS = ("step", "customers", "from previous", "from first", "dropped", "avg time", "median time")


def percent(value: float | None) -> str:
    """``0.4567`` as ``45.7%``; an empty cell without a value."""
    return "" if value is None else f"{value * 100:.1f}%"


def step_row(s: StepResult) -> list[str]:
    """One step as table cells, in the order of HEADERS."""
    return [
        f"{s.step}. {s.label}",
        f"{s.customers:,}",
        percent(s.conversion_from_previous) if s.step > 1 else "",
        percent(s.conversion_from_first),
        f"{s.dropped:,}" if s.step > 1 else "",
        elapsed_text(s.avg_seconds_to_convert),
        elapsed_text(s.median_seconds_to_convert),
    ]


def tables(result: FunnelResult) -> list[tuple[str, list[list[str]]]]:
    """(title, rows) for the whole funnel and, when broken down, for each value."""
    out = [("All customers", [step_row(s) for s in result.steps])]
    for b in result.breakdown or []:
        out.append((f"{result.query.breakdown} = {b.value}", [step_row(s) for s in b.steps]))
    return out


def chart_options(result: FunnelResult) -> dict[str, Any]:
    """ECharts options: a bar per step (a series per breakdown value when broken down)."""
    labels = [f"{s.step}. {s.label}" for s in result.steps]
    groups = [(b.value, b.steps) for b in result.breakdown or []] or [("customers", result.steps)]
    series = [
        {
            "name": name,
            "type": "bar",
            "data": [s.customers for s in steps],
            "label": {"show": len(groups) == 1, "position": "top"},
        }
        for name, steps in groups
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"show": len(groups) > 1},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "name": "customers"},
        "series": series,
    }
