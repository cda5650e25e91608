"""Rules a survey file must follow beyond its model, each with a stable code.

Some rules need the workspace's journeys (the touchpoint a survey is attached to must exist);
they get them as an argument, so the rules also check surveys sent over the API.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from journeys.feedback.surveys.model import Survey
from journeys.maps.model import Journey
from journeys.maps.rules import Finding, duplicates

SurveyRule = Callable[[Survey, dict[str, Journey]], list[Finding]]


def check_attachment(survey: Survey, journeys: dict[str, Journey]) -> list[Finding]:
    """The journey and touchpoint the survey is attached to exist."""
    journey = journeys.get(survey.journey)
    if journey is None:
        return [
            Finding("unknown_journey", ("journey",), _unknown("journey", survey.journey, journeys))
        ]
    touchpoints = {tp.id for stage in journey.stages for tp in stage.touchpoints}
    if survey.touchpoint not in touchpoints:
        message = _unknown("touchpoint", survey.touchpoint, touchpoints)
        return [
            Finding("unknown_touchpoint", ("touchpoint",), f"{message} of journey {journey.id!r}")
        ]
    return []


def check_root_causes(survey: Survey, journeys: dict[str, Journey]) -> list[Finding]:
    """NPS+ needs a pick-list of at least two root causes, each id once; others need none."""
    if survey.kind != "nps_plus":
        if survey.root_causes:
            message = (
                f"a {survey.kind} survey asks no root cause; remove root_causes or use nps_plus"
            )
            return [Finding("root_causes_unused", ("root_causes",), message)]
        return []
    if len(survey.root_causes) < 2:
        message = "an nps_plus survey needs a pick-list of at least two root_causes"
        return [Finding("root_causes_missing", ("root_causes",), message)]
    return duplicates(
        "root cause", ((c.id, ("root_causes", i)) for i, c in enumerate(survey.root_causes))
    )


def check_texts(survey: Survey, journeys: dict[str, Journey]) -> list[Finding]:
    """Texts are only given for languages the survey is offered in."""
    return [
        Finding(
            "text_language_unused",
            ("texts", lang),
            f"texts are given in {lang!r}, which is not among languages "
            f"({', '.join(survey.languages)})",
        )
        for lang in survey.texts
        if lang not in survey.languages
    ]


RULES: tuple[SurveyRule, ...] = (check_attachment, check_root_causes, check_texts)
RULE_CODES = (
    "unknown_journey",
    "unknown_touchpoint",
    "root_causes_unused",
    "root_causes_missing",
    "duplicate_id",
    "text_language_unused",
)


def run_rules(survey: Survey, journeys: dict[str, Journey]) -> list[Finding]:
    """Every finding of every rule."""
    return [f for rule in RULES for f in rule(survey, journeys)]


def _unknown(kind: str, value: str, known: object) -> str:
    names = sorted(known) if isinstance(known, set | dict) else []
    close = difflib.get_close_matches(value, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {value!r}{hint}; known: {', '.join(names) or 'none'}"
