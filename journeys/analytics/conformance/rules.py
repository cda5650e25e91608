"""Validation rules of a conformance query, each with a stable code."""

from __future__ import annotations

import re

from journeys.analytics.conformance.query import ConformanceQuery
from journeys.errors import InvalidInput

MAX_TOP = 1000
PROPERTY = re.compile(r"^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)*$")


def top_in_range(query: ConformanceQuery) -> None:
    """``top`` is between 1 and 1000 (code ``top_out_of_range``)."""
    if not 1 <= query.top <= MAX_TOP:
        raise InvalidInput(
            f"top must be between 1 and {MAX_TOP}, not {query.top}",
            details={"code": "top_out_of_range", "field": "top"},
        )


def by_is_a_property(query: ConformanceQuery) -> None:
    """``by`` is a trait or property path like ``segment`` or ``plan.name`` (``by_invalid``)."""
    if query.by is not None and not PROPERTY.match(query.by):
        raise InvalidInput(
            f"by: {query.by!r} is not a trait or property name (e.g. segment or plan.name)",
            details={"code": "by_invalid", "field": "by"},
        )


RULES = (top_in_range, by_is_a_property)


def validate(query: ConformanceQuery) -> None:
    """Apply every rule; the first broken one raises InvalidInput."""
    for rule in RULES:
        rule(query)
