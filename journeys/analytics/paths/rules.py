"""Validation rules of a paths query, each with a stable code."""

from __future__ import annotations

from journeys.analytics.common import Step
from journeys.analytics.paths.query import PathsQuery
from journeys.errors import InvalidInput

MAX_LENGTH = 20
MAX_TOP = 1000


def one_anchor(query: PathsQuery) -> None:
    """Exactly one of ``start`` and ``end`` (code ``anchor_missing`` / ``anchor_twice``)."""
    if query.start is None and query.end is None:
        raise InvalidInput(
            "give where the paths start (start) or where they end (end)",
            details={"code": "anchor_missing", "field": "start"},
        )
    if query.start is not None and query.end is not None:
        raise InvalidInput(
            "give start or end, not both: paths either start at a step or end at one",
            details={"code": "anchor_twice", "field": "end"},
        )


def length_in_range(query: PathsQuery) -> None:
    """``length`` is between 2 and 20 (code ``length_out_of_range``)."""
    if not 2 <= query.length <= MAX_LENGTH:
        raise InvalidInput(
            f"length must be between 2 and {MAX_LENGTH}, not {query.length}",
            details={"code": "length_out_of_range", "field": "length"},
        )


def top_in_range(query: PathsQuery) -> None:
    """``top`` is between 1 and 1000 (code ``top_out_of_range``)."""
    if not 1 <= query.top <= MAX_TOP:
        raise InvalidInput(
            f"top must be between 1 and {MAX_TOP}, not {query.top}",
            details={"code": "top_out_of_range", "field": "top"},
        )


RULES = (one_anchor, length_in_range, top_in_range)


def validate(query: PathsQuery) -> None:
    """Apply every rule; the first broken one raises InvalidInput."""
    for rule in RULES:
        rule(query)


def parse_step(text: str, field: str) -> Step:
    """A step in its text form; InvalidInput about ``field`` (code ``invalid_step``)."""
    try:
        return Step.parse(text)
    except InvalidInput as exc:
        raise InvalidInput(
            f"{field}: {exc.message}", details={"code": "invalid_step", "field": field}
        ) from exc
