"""Rules an actions catalogue must follow beyond its model, each with a stable code.

The rules that name journeys and stages need the workspace's journeys; they get them as an
argument, like the survey rules, so a catalogue can be checked before it is saved.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from journeys.maps.model import Journey
from journeys.maps.rules import Finding, Loc, duplicates
from journeys.orchestration.nba.catalogue import Action, Catalogue, Conditions

CatalogueRule = Callable[[Catalogue, dict[str, Journey]], list[Finding]]

# ``{traits.first_name}``, ``{event.name|this item}``: namespace, path, optional fallback.
PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([A-Za-z0-9_.]+)(?:\|([^{}]*))?\}")
NAMESPACES = ("traits", "event", "ticket")


def check_ids(catalogue: Catalogue, journeys: dict[str, Journey]) -> list[Finding]:
    """Every action has its own id."""
    return duplicates("action", ((a.id, ("actions", i)) for i, a in enumerate(catalogue.actions)))


def check_journeys(catalogue: Catalogue, journeys: dict[str, Journey]) -> list[Finding]:
    """Journeys and stages named in conditions exist in the workspace."""
    found: list[Finding] = []
    for i, action in enumerate(catalogue.actions):
        for part in ("eligible", "exclude"):
            conditions: Conditions = getattr(action, part)
            for j, cond in enumerate(conditions.journeys):
                loc: Loc = ("actions", i, part, "journeys", j)
                journey = journeys.get(cond.journey)
                if journey is None:
                    message = _unknown("journey", cond.journey, set(journeys))
                    found.append(Finding("unknown_journey", (*loc, "journey"), message))
                    continue
                stages = {s.id for s in journey.stages}
                for k, stage in enumerate(cond.stages):
                    if stage not in stages:
                        message = f"{_unknown('stage', stage, stages)} of journey {journey.id!r}"
                        found.append(Finding("unknown_stage", (*loc, "stages", k), message))
    return found


def check_placeholders(catalogue: Catalogue, journeys: dict[str, Journey]) -> list[Finding]:
    """Placeholders in titles and messages read traits, the event or the ticket."""
    found: list[Finding] = []
    for i, action in enumerate(catalogue.actions):
        for field in ("title", "message"):
            for m in PLACEHOLDER.finditer(getattr(action, field)):
                if m[1] not in NAMESPACES:
                    message = (
                        f"placeholder {m[0]!r} reads {m[1]!r}; placeholders read "
                        f"{', '.join(n + '.…' for n in NAMESPACES)}"
                    )
                    found.append(Finding("unknown_placeholder", ("actions", i, field), message))
    return found


def check_event_placeholders(catalogue: Catalogue, journeys: dict[str, Journey]) -> list[Finding]:
    """``{event.…}`` needs an interest to take the event from."""
    return [
        Finding(
            "placeholder_without_interest",
            ("actions", i, "message"),
            "the message reads {event.…} but the action has no eligible.interests to take "
            "the event from",
        )
        for i, action in enumerate(catalogue.actions)
        if _reads_event(action) and not action.eligible.interests
    ]


def _reads_event(action: Action) -> bool:
    text = action.title + action.message
    return any(m[1] == "event" for m in PLACEHOLDER.finditer(text))


def check_scores(catalogue: Catalogue, journeys: dict[str, Journey]) -> list[Finding]:
    """A score condition gives a bound that some score can meet."""
    found: list[Finding] = []
    for i, action in enumerate(catalogue.actions):
        for part in ("eligible", "exclude"):
            conditions: Conditions = getattr(action, part)
            for j, c in enumerate(conditions.scores):
                loc: Loc = ("actions", i, part, "scores", j)
                if c.above is None and c.below is None:
                    message = "a score condition needs above, below or both"
                    found.append(Finding("score_bounds", loc, message))
                elif c.above is not None and c.below is not None and c.above >= c.below:
                    message = f"above {c.above:g} and below {c.below:g}: no score is both"
                    found.append(Finding("score_bounds", loc, message))
    return found


RULES: tuple[CatalogueRule, ...] = (
    check_ids,
    check_journeys,
    check_placeholders,
    check_event_placeholders,
    check_scores,
)
RULE_CODES = (
    "duplicate_id",
    "unknown_journey",
    "unknown_stage",
    "unknown_placeholder",
    "placeholder_without_interest",
    "score_bounds",
)


def run_rules(catalogue: Catalogue, journeys: dict[str, Journey]) -> list[Finding]:
    """Every finding of every rule."""
    return [f for rule in RULES for f in rule(catalogue, journeys)]


def _unknown(kind: str, value: str, known: set[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(value, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {value!r}{hint}; known: {', '.join(names) or 'none'}"
