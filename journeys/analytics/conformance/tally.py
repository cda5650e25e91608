"""Adding up the per-variant rows of the database into the conformance figures: pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from journeys.analytics.conformance.result import DeviationKind, GroupConformance, Variant
from journeys.analytics.conformance.variants import Status, VariantFacts, classify

KINDS: tuple[DeviationKind, ...] = (
    "skipped_stage",
    "went_back",
    "undesigned_touchpoint",
    "channel_switch",
)


@dataclass
class Tally:
    """Counts over customers; one per breakdown value and one for everyone."""

    customers: int = 0
    statuses: Counter[Status] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)  # customers per deviation kind
    skipped: Counter[int] = field(default_factory=Counter)  # customers per skipped stage
    skips: int = 0  # stages skipped, all customers together
    backs: Counter[tuple[int, int]] = field(default_factory=Counter)  # customers per (from, to)
    back_times: Counter[tuple[int, int]] = field(default_factory=Counter)
    variants: Counter[tuple[int, ...]] = field(default_factory=Counter)

    def add(self, row: dict[str, Any], facts: VariantFacts) -> None:
        """Count ``row['customers']`` customers who share one variant and flags."""
        n = row["customers"]
        self.customers += n
        self.statuses[facts.status] += n
        self.variants[tuple(row["stages"])] += n
        flags = {
            "skipped_stage": bool(facts.skipped),
            "went_back": bool(facts.backs),
            "undesigned_touchpoint": row["undesigned"],
            "channel_switch": row["switched"],
        }
        for kind, present in flags.items():
            self.kinds[kind] += n if present else 0
        self.skips += n * len(facts.skipped)
        for stage in set(facts.skipped):
            self.skipped[stage] += n
        for pair in set(facts.backs):
            self.backs[pair] += n
        for pair in facts.backs:
            self.back_times[pair] += n

    @property
    def conforming(self) -> int:
        """Customers whose stage order follows the design."""
        return self.customers - self.statuses["deviating"]


def tally(rows: list[dict[str, Any]], stage_count: int) -> tuple[Tally, dict[str | None, Tally]]:
    """The overall tally and one per breakdown value."""
    overall = Tally()
    groups: defaultdict[str | None, Tally] = defaultdict(Tally)
    for row in rows:
        facts = classify(row["stages"], stage_count)
        overall.add(row, facts)
        groups[row["grp"]].add(row, facts)
    return overall, dict(groups)


def share(part: int, whole: int) -> float:
    """part / whole, 0 for an empty whole, rounded for reading."""
    return round(part / whole, 4) if whole else 0.0


def top_variants(t: Tally, stage_ids: list[str], stage_count: int, top: int) -> list[Variant]:
    """The most common variants with their share and status."""
    ranked = sorted(t.variants.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    found = []
    for stages, n in ranked:
        facts = classify(list(stages), stage_count)
        found.append(
            Variant(
                stages=[stage_ids[s] for s in stages],
                customers=n,
                share=share(n, t.customers),
                status=facts.status,
                conforming=facts.conforming,
            )
        )
    return found


def group_rows(groups: dict[str | None, Tally]) -> list[GroupConformance]:
    """Per breakdown value, most customers first."""
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1].customers, str(kv[0])))
    return [
        GroupConformance(
            value=value,
            customers=t.customers,
            conforming=t.conforming,
            conforming_share=share(t.conforming, t.customers),
            complete=t.statuses["complete"],
            deviations={kind: t.kinds[kind] for kind in KINDS},
        )
        for value, t in ordered
    ]
