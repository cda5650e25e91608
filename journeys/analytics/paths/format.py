"""Pure shaping of a paths result: table rows and the ECharts Sankey options."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from journeys.analytics.paths.result import PathsResult


def summary_text(result: PathsResult) -> str:
    """One line saying what the paths cover."""
    where = "from" if result.direction == "start" else "to"
    return (
        f"{result.customers:,} customers reached {result.anchor}; "
        f"{result.distinct_paths:,} distinct paths {where} it "
        f"(at most {result.query.length} steps)"
    )


def path_rows(result: PathsResult) -> list[tuple[str, str, str]]:
    """(path, customers, share) per path, the path written ``a → b → c``."""
    return [(" → ".join(p.steps), f"{p.customers:,}", f"{p.share:.1%}") for p in result.paths]


def next_rows(result: PathsResult) -> list[tuple[str, str, str]]:
    """(step, customers, share) per step next to the anchor."""
    return [(n.step, f"{n.customers:,}", f"{n.share:.1%}") for n in result.next_steps]


def positioned(result: PathsResult, steps: list[str]) -> list[str]:
    """Node names that carry their position, so the Sankey stays acyclic: ``1. view``.

    Paths to an end step are aligned on it: the anchor is always at position ``length``.
    """
    first = 1 if result.direction == "start" else result.query.length - len(steps) + 1
    return [f"{first + i}. {step}" for i, step in enumerate(steps)]


def sankey_options(result: PathsResult) -> dict[str, Any]:
    """ECharts options: a Sankey of the listed paths, link width by customers."""
    links: dict[tuple[str, str], int] = {}
    nodes: dict[str, None] = {}
    for path in result.paths:
        names = positioned(result, path.steps)
        nodes.update(dict.fromkeys(names))
        for a, b in pairwise(names):
            links[(a, b)] = links.get((a, b), 0) + path.customers
    return {
        "animation": False,
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "sankey",
                "data": [{"name": n} for n in nodes],
                "links": [{"source": a, "target": b, "value": v} for (a, b), v in links.items()],
                "emphasis": {"focus": "adjacency"},
                "nodeAlign": "left" if result.direction == "start" else "right",
                "lineStyle": {"color": "gradient", "curveness": 0.5},
                "label": {"fontSize": 11},
            }
        ],
    }
