"""How groups are named and ordered: places by the journey files' names and designed order."""

from __future__ import annotations

from collections.abc import Iterable

from journeys.analytics.kpis.query import Grouping
from journeys.maps.model import Journey

OVERALL = "All"
MISSING = {
    "overall": OVERALL,
    "touchpoint": "(no touchpoint)",
    "stage": "(no stage)",
    "journey": "(no journey)",
    "persona": "(no persona)",
    "segment": "(no segment)",
}


def _places(by: Grouping, journeys: dict[str, Journey]) -> dict[str, str]:
    """Designed key → name, in the order of the journey files (stages, then touchpoints)."""
    names: dict[str, str] = {}
    for j in journeys.values():
        if by == "journey":
            names[j.id] = j.name
        elif by == "stage":
            names.update({f"{j.id}/{s.id}": f"{j.name} › {s.name}" for s in j.stages})
        elif by == "touchpoint":
            names.update({f"{j.id}/{t.id}": f"{j.name} › {t.name}" for _, t in j.touchpoints()})
    return names


def label(by: Grouping, key: str | None, journeys: dict[str, Journey]) -> str:
    """A group as people read it: the designed name of a place, else its key."""
    if key is None:
        return MISSING[by]
    return _places(by, journeys).get(key, key)


def ordered(
    by: Grouping, keys: Iterable[str | None], journeys: dict[str, Journey]
) -> list[str | None]:
    """Designed places in designed order, then other keys alphabetically, the missing one last."""
    design = list(_places(by, journeys))
    rank = {k: i for i, k in enumerate(design)}
    return sorted(keys, key=lambda k: (k is None, rank.get(k or "", len(rank)), k or ""))
