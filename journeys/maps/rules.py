"""Rules that look across a whole journey file, run once the model itself validates.

Each rule is small, named and has a stable code, so a test can assert *which* rule refused a
file. A rule sees only the validated :class:`Journey` and reports :class:`Finding` objects
whose ``loc`` is a path into the file (the same shape as a Pydantic error location); the
loader turns that path into a line and column. Rules therefore also work on journeys that
never were YAML (the HTTP API).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from journeys.maps.model import Journey, Matcher

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One problem a rule found: its code, where it is and a sentence for a human."""

    code: str
    loc: Loc
    message: str


@dataclass(frozen=True)
class Rule:
    """A named cross-file check with the stable code of the findings it reports."""

    code: str
    summary: str
    check: Callable[[Journey], list[Finding]]


def field_path(loc: Loc) -> str:
    """Render a location as ``stages[2].touchpoints[0].channel``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def duplicates(kind: str, items: Iterable[tuple[str, Loc]]) -> list[Finding]:
    """A ``duplicate_id`` finding for every id that an earlier item already has."""
    first: dict[str, Loc] = {}
    found: list[Finding] = []
    for ident, loc in items:
        if ident in first:
            where = field_path(first[ident])
            found.append(
                Finding(
                    "duplicate_id",
                    (*loc, "id"),
                    f"{kind} id {ident!r} is used twice: {where} already has it; "
                    f"each {kind} needs its own id",
                )
            )
        else:
            first[ident] = loc
    return found


def check_duplicate_ids(journey: Journey) -> list[Finding]:
    """Two goals, personas, stages, touchpoints or backlog items with the same id."""
    found = duplicates("goal", ((g.id, ("goals", i)) for i, g in enumerate(journey.goals)))
    found += duplicates(
        "persona", ((p.id, ("personas", i)) for i, p in enumerate(journey.personas))
    )
    found += duplicates("stage", ((s.id, ("stages", i)) for i, s in enumerate(journey.stages)))
    # Touchpoint ids are unique across the whole journey, not per stage: measured figures and
    # backlog items refer to a touchpoint by its id alone.
    found += duplicates("touchpoint", _touchpoint_locs(journey))
    found += duplicates(
        "backlog item", ((b.id, ("backlog", i)) for i, b in enumerate(journey.backlog))
    )
    return found


def _touchpoint_locs(journey: Journey) -> list[tuple[str, Loc]]:
    return [
        (t.id, ("stages", si, "touchpoints", ti))
        for si, s in enumerate(journey.stages)
        for ti, t in enumerate(s.touchpoints)
    ]


def check_references(journey: Journey) -> list[Finding]:
    """A backlog item whose ``touchpoint`` names no touchpoint of the journey."""
    known = [ident for ident, _ in _touchpoint_locs(journey)]
    found: list[Finding] = []
    for i, item in enumerate(journey.backlog):
        if item.touchpoint is None or item.touchpoint in known:
            continue
        close = difflib.get_close_matches(item.touchpoint, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        listed = ", ".join(known[:12]) + (", …" if len(known) > 12 else "") if known else "none"
        found.append(
            Finding(
                "unknown_reference",
                ("backlog", i, "touchpoint"),
                f"backlog item {item.id!r} refers to touchpoint {item.touchpoint!r}, which this "
                f"journey does not have{hint}; known touchpoints: {listed}",
            )
        )
    return found


def _matcher_key(m: Matcher) -> tuple[object, ...]:
    # Filters are ANDed, so their order does not change what a matcher recognises.
    return (m.event, m.type, m.channel, tuple(sorted(f.text() for f in m.where)))


def check_duplicate_matchers(journey: Journey) -> list[Finding]:
    """Two touchpoints recognised by the same matcher: their events could not be told apart."""
    first: dict[tuple[object, ...], tuple[str, Loc]] = {}
    found: list[Finding] = []
    for si, stage in enumerate(journey.stages):
        for ti, tp in enumerate(stage.touchpoints):
            if tp.match is None:
                continue
            key, loc = _matcher_key(tp.match), ("stages", si, "touchpoints", ti)
            if key not in first:
                first[key] = (tp.id, loc)
                continue
            other, other_loc = first[key]
            found.append(
                Finding(
                    "duplicate_matcher",
                    (*loc, "match"),
                    f"touchpoint {tp.id!r} has the same matcher as touchpoint {other!r} "
                    f"({field_path(other_loc)}), so their events cannot be told apart; "
                    "add a filter, a type or a channel to one of them",
                )
            )
    return found


RULES: tuple[Rule, ...] = (
    Rule("duplicate_id", "two items of one kind share an id", check_duplicate_ids),
    Rule("unknown_reference", "a backlog item names a missing touchpoint", check_references),
    Rule("duplicate_matcher", "two touchpoints share a matcher", check_duplicate_matchers),
)


def run_rules(journey: Journey, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every finding of every rule, in rule order."""
    return [finding for rule in rules for finding in rule.check(journey)]
