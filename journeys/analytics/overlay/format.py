"""Pure formatting of the measured map for tables: numbers as people read them."""

from __future__ import annotations

from journeys.analytics.common import elapsed_text
from journeys.analytics.overlay.result import MeasuredMap, PainPoints


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
            elapsed_text(s.median_seconds_to_next_stage),
        ]
        for s in m.stages
    ]


def loyalty_line(m: MeasuredMap) -> str | None:
    """The loyalty stage's programme figures in one sentence; None without them."""
    for s in m.stages:
        if (f := s.loyalty) is not None:
            tiers = ", ".join(f"{t} {n:,}" for t, n in f.members_by_tier.items()) or "none"
            return (
                f"Loyalty stage {s.name}: {f.members:,} of {f.reached:,} customers are "
                f"members ({share(f.member_share)}), {f.active_members:,} active in "
                f"{f.active_days} days; they hold {f.points_balance:,} {f.points_name} and "
                f"spent {f.points_redeemed:,}; by tier: {tiers}."
            )
    return None


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
            elapsed_text(t.median_seconds_to_next),
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
