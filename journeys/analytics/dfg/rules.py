"""Validation rules of a DFG query, each with a stable code."""

from __future__ import annotations

from journeys.analytics.dfg.query import DfgQuery
from journeys.errors import InvalidInput


def min_count_positive(query: DfgQuery) -> None:
    """``min_count`` is at least 1 (code ``min_count_too_small``)."""
    if query.min_count < 1:
        raise InvalidInput(
            f"min_count must be at least 1, not {query.min_count}",
            details={"code": "min_count_too_small", "field": "min_count"},
        )


def dates_in_order(query: DfgQuery) -> None:
    """``from`` is not after ``to`` (code ``dates_reversed``)."""
    if query.from_date and query.to_date and query.from_date > query.to_date:
        raise InvalidInput(
            f"from ({query.from_date}) is after to ({query.to_date})",
            details={"code": "dates_reversed", "field": "from"},
        )


RULES = (min_count_positive, dates_in_order)


def validate(query: DfgQuery) -> None:
    """Apply every rule; the first broken one raises InvalidInput."""
    for rule in RULES:
        rule(query)
