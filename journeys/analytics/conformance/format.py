"""Pure shaping of a conformance result: table rows and the ECharts bar chart options."""

from __future__ import annotations

from typing import Any

from journeys.analytics.conformance.result import ConformanceResult

KIND_LABELS = {
    "skipped_stage": "Skipped a stage",
    "went_back": "Went back a stage",
    "undesigned_touchpoint": "Used undesigned touchpoints",
    "channel_switch": "Switched channel",
}
STATUS_LABELS = {
    "complete": "complete",
    "incomplete": "stopped early",
    "entered_late": "entered mid-journey",
    "deviating": "deviating",
}
NO_VALUE = "(unknown)"


def summary_text(result: ConformanceResult) -> str:
    """One line: how many customers, how many follow the designed order."""
    statuses = ", ".join(f"{n:,} {STATUS_LABELS[status]}" for status, n in result.statuses.items())
    return (
        f"{result.customers:,} customers on {result.query.journey}: "
        f"{result.conforming:,} ({result.conforming_share:.1%}) follow the designed stage "
        f"order ({statuses})"
    )


def deviation_rows(result: ConformanceResult) -> list[tuple[str, str, str, str, str]]:
    """(deviation, customers, share, occurrences, breaks the order) per kind."""
    return [
        (
            KIND_LABELS[d.kind],
            f"{d.customers:,}",
            f"{d.share:.1%}",
            f"{d.occurrences:,}",
            "yes" if d.breaks_conformance else "no",
        )
        for d in result.deviations
    ]


def variant_rows(result: ConformanceResult) -> list[tuple[str, str, str, str]]:
    """(stages, customers, share, status) per top variant."""
    return [
        (" → ".join(v.stages), f"{v.customers:,}", f"{v.share:.1%}", STATUS_LABELS[v.status])
        for v in result.variants
    ]


def group_rows(result: ConformanceResult) -> list[tuple[str, ...]]:
    """(value, customers, conforming share, complete, customers per deviation kind) per group."""
    return [
        (
            g.value if g.value is not None else NO_VALUE,
            f"{g.customers:,}",
            f"{g.conforming_share:.1%}",
            f"{g.complete:,}",
            *(f"{g.deviations[kind]:,}" for kind in KIND_LABELS),
        )
        for g in result.groups
    ]


def bar_options(result: ConformanceResult) -> dict[str, Any]:
    """ECharts options: customers per deviation kind; the kinds that break the order in red."""
    return {
        "animation": False,
        "grid": {"left": 190, "right": 40, "top": 20, "bottom": 30},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "name": "customers"},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [KIND_LABELS[d.kind] for d in result.deviations],
        },
        "series": [
            {
                "type": "bar",
                "name": "customers",
                "label": {"show": True, "position": "right"},
                "data": [
                    {
                        "value": d.customers,
                        "itemStyle": {"color": "#dc2626" if d.breaks_conformance else "#f59e0b"},
                    }
                    for d in result.deviations
                ],
            }
        ],
    }
