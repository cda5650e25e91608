"""Rules a programme file must follow beyond its model, each with a stable code."""

from __future__ import annotations

from collections.abc import Callable

from journeys.loyalty.model import Program
from journeys.maps.rules import Finding, duplicates

ProgramRule = Callable[[Program], list[Finding]]


def check_ids(program: Program) -> list[Finding]:
    """Rules, tiers, rewards and content each use an id once."""
    found = duplicates("rule", ((r.id, ("rules", i)) for i, r in enumerate(program.rules)))
    found += duplicates("reward", ((r.id, ("rewards", i)) for i, r in enumerate(program.rewards)))
    found += duplicates("content", ((c.id, ("content", i)) for i, c in enumerate(program.content)))
    if program.tiers:
        levels = program.tiers.levels
        found += duplicates("tier", ((t.id, ("tiers", "levels", i)) for i, t in enumerate(levels)))
    return found


def check_amounts(program: Program) -> list[Finding]:
    """A rule gives either fixed points or points per unit of a property, not both."""
    found = []
    for i, r in enumerate(program.rules):
        per_unit = r.points_per_unit is not None or r.amount_property is not None
        if r.points is not None and per_unit:
            message = "give either points or points_per_unit with amount_property, not both"
            found.append(Finding("points_ambiguous", ("rules", i), message))
        elif r.points is None and (r.points_per_unit is None or r.amount_property is None):
            message = (
                "a rule needs points, or points_per_unit with amount_property "
                "(e.g. points_per_unit: 1, amount_property: revenue)"
            )
            found.append(Finding("points_missing", ("rules", i), message))
    return found


def check_tiers(program: Program) -> list[Finding]:
    """Tiers go up: the first starts at 0 and every threshold is higher than the one before."""
    if program.tiers is None:
        return []
    levels, found = program.tiers.levels, []
    if levels[0].threshold != 0:
        message = f"the first tier starts at 0 points, not {levels[0].threshold}"
        found.append(Finding("tier_threshold_order", ("tiers", "levels", 0, "threshold"), message))
    for i in range(1, len(levels)):
        if levels[i].threshold <= levels[i - 1].threshold:
            message = (
                f"tier {levels[i].id!r} needs more points than {levels[i - 1].id!r} "
                f"({levels[i - 1].threshold}), not {levels[i].threshold}"
            )
            loc = ("tiers", "levels", i, "threshold")
            found.append(Finding("tier_threshold_order", loc, message))
    return found


def check_gates(program: Program) -> list[Finding]:
    """A reward or content gated by a tier names a tier of the programme."""
    known = [t.id for t in program.tiers.levels] if program.tiers else []
    gated = [("rewards", i, r.tier) for i, r in enumerate(program.rewards)]
    gated += [("content", i, c.tier) for i, c in enumerate(program.content)]
    return [
        Finding(
            "unknown_tier",
            (section, i, "tier"),
            f"unknown tier {tier!r}; the tiers are: {', '.join(known) or 'none (add tiers:)'}",
        )
        for section, i, tier in gated
        if tier is not None and tier not in known
    ]


RULES: tuple[ProgramRule, ...] = (check_ids, check_amounts, check_tiers, check_gates)
RULE_CODES = (
    "duplicate_id",
    "points_ambiguous",
    "points_missing",
    "tier_threshold_order",
    "unknown_tier",
)


def run_rules(program: Program) -> list[Finding]:
    """Every finding of every rule."""
    return [f for rule in RULES for f in rule(program)]
