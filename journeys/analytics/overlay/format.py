"""Pure formatting of the measured map for tables: numbers as people read them."""

from __future__ import annotations

from journeys.analytics.overlay.result import MeasuredMap, PainPoints


def duration(seconds: float | None) -> str:
    """``3.2 d``, ``4.0 h``, ``12 min``, ``40 s``; empty when unknown."""
    if seconds is None:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def share(value: float | None) -> str:
    """A ratio as a percentage; empty when there is none."""
    return "" if value is None else f"{value:.0%}"


def stage_rows(m: MeasuredMap) -> list[list[str]]:
    """stage, reached, moved on, conversion, dropped, median time to a later stage."""
    return [
        [
            s.name,
            f"{s.reached:,}",
            f"{s.continued:,}",
            share(s.conversion),
            f"{s.dropped:,}",
            duration(s.median_seconds_to_next_stage),
        ]
        for s in m.stages
    ]


def touchpoint_rows(m: MeasuredMap) -> list[list[str]]:
    """touchpoint, stage, reached, events, dropped, drop-off, median time to next, worst."""
    return [
        [
            t.name,
            t.stage,
            f"{t.reached:,}",
            f"{t.events:,}",
            f"{t.dropped:,}",
            share(t.drop_off_rate),
            duration(t.median_seconds_to_next),
            "worst" if t.worst else "",
        ]
        for t in m.touchpoints
    ]


def pain_rows(p: PainPoints) -> list[list[str]]:
    """rank, touchpoint, stage, score, evidence."""
    return [
        [str(x.rank), x.name, x.stage, f"{x.score:.2f}", "; ".join(s.text for s in x.signals)]
        for x in p.pain_points
    ]
