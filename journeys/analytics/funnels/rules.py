"""Validation rules of a funnel query: small, named, each with a stable code.

A refused query raises InvalidInput with ``details={"code": ..., "field": ...}`` so a test
(or an API client) can tell which rule refused it.
"""

from __future__ import annotations

from collections.abc import Callable

from journeys.analytics.common import Step
from journeys.analytics.funnels.query import FunnelQuery
from journeys.errors import InvalidInput
from journeys.maps.model import Journey

MAX_STEPS = 20


def _refuse(code: str, field: str, message: str) -> InvalidInput:
    return InvalidInput(message, details={"code": code, "field": field})


def too_many_steps(q: FunnelQuery, journeys: dict[str, Journey]) -> None:
    """A funnel has at most MAX_STEPS steps (step bits and SQL stay small)."""
    if len(q.steps) > MAX_STEPS:
        raise _refuse("too_many_steps", "steps", f"a funnel has at most {MAX_STEPS} steps")


def known_touchpoints(q: FunnelQuery, journeys: dict[str, Journey]) -> None:
    """Every touchpoint step names a touchpoint with an event matcher."""
    named: list[tuple[str, Step]] = [(f"steps.{i}", s) for i, s in enumerate(q.steps)]
    named += [(f"exclude.{i}", x.step) for i, x in enumerate(q.exclude)]
    for field, step in named:
        try:
            step.sql(journeys)
        except InvalidInput as exc:
            raise _refuse("unknown_touchpoint", field, exc.message) from None


def exclusion_between_steps(q: FunnelQuery, journeys: dict[str, Journey]) -> None:
    """An exclusion sits between two steps of the funnel: 1 <= from < to <= number of steps."""
    for i, x in enumerate(q.exclude):
        if not 1 <= x.from_step < x.to_step <= len(q.steps):
            raise _refuse(
                "exclusion_range",
                f"exclude.{i}",
                f"exclusion {x.text()!r}: the steps must satisfy 1 <= from < to <= {len(q.steps)}",
            )


def exclusions_need_an_order(q: FunnelQuery, journeys: dict[str, Journey]) -> None:
    """'Between step i and j' means nothing when the steps may come in any order."""
    if q.exclude and q.order == "any":
        raise _refuse(
            "exclusion_needs_order", "exclude", "exclusions need the order ordered or strict"
        )


def distinct_steps_in_any_order(q: FunnelQuery, journeys: dict[str, Journey]) -> None:
    """In any order one event may count for several steps, so a repeated step is meaningless."""
    if q.order == "any" and len({s.text() for s in q.steps}) < len(q.steps):
        raise _refuse("duplicate_step", "steps", "with the order 'any' each step must be different")


def dates_in_order(q: FunnelQuery, journeys: dict[str, Journey]) -> None:
    """``date_from`` is not after ``date_to``."""
    if q.date_from and q.date_to and q.date_from > q.date_to:
        raise _refuse("date_range", "date_to", "date_to is before date_from")


def dropped_at_a_later_step(q: FunnelQuery, journeys: dict[str, Journey]) -> None:
    """Customers drop at step 2 … n (at step 1 nobody has entered the funnel yet)."""
    if q.dropped_at is not None and not 2 <= q.dropped_at <= len(q.steps):
        raise _refuse(
            "dropped_at_range",
            "dropped_at",
            f"dropped_at must be a step from 2 to {len(q.steps)} (customers who reached the "
            "step before it and not that one)",
        )


RULES: tuple[Callable[[FunnelQuery, dict[str, Journey]], None], ...] = (
    too_many_steps,
    known_touchpoints,
    exclusion_between_steps,
    exclusions_need_an_order,
    distinct_steps_in_any_order,
    dates_in_order,
    dropped_at_a_later_step,
)


def validate(q: FunnelQuery, journeys: dict[str, Journey]) -> None:
    """Apply every rule; the first that refuses raises InvalidInput."""
    for rule in RULES:
        rule(q, journeys)
