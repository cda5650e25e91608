"""Features in plain words: "no visit in 45 days", "last NPS 3", "1 ticket past its SLA"."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from journeys.prediction.query import Reason

TOP = 4  # reasons kept per score


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _days(value: float) -> str:
    days = round(value)
    return "1 day" if days == 1 else f"{days:,} days"


def _plural(value: float, one: str, many: str) -> str:
    return f"1 {one}" if round(value) == 1 else f"{_n(value)} {many}"


def _recency(v: float) -> str:
    return "active today" if v < 1 else f"no visit in {_days(v)}"


def _trend(v: float) -> str:
    if v > 0.5:
        return "activity rising over the last 30 days"
    if v < -0.5:
        return "activity falling over the last 30 days"
    return "activity steady over the last 30 days"


def _sentiment(v: float) -> str:
    mood = "negative" if v < -0.05 else "positive" if v > 0.05 else "neutral"
    return f"{mood} survey comments"


_WORDS: dict[str, Callable[[float], str]] = {
    "recency_days": _recency,
    "tenure_days": lambda v: f"customer for {_days(v)}",
    "events": lambda v: _plural(v, "event", "events") + " so far",
    "active_days": lambda v: f"active on {_plural(v, 'day', 'days')}",
    "events_30d": lambda v: _plural(v, "event", "events") + " in the last 30 days",
    "trend": _trend,
    "channels": lambda v: f"uses {_plural(v, 'channel', 'channels')}",
    "purchases": lambda v: "no purchase yet" if v == 0 else _plural(v, "purchase", "purchases"),
    "monetary": lambda v: f"spent {v:,.2f} so far",
    "purchase_recency_days": lambda v: f"last purchase {_days(v)} ago",
    "stage_days": lambda v: f"{_days(v)} since reaching that stage",
    "surveys": lambda v: f"answered {_plural(v, 'survey', 'surveys')}",
    "last_nps": lambda v: f"last NPS {v:.0f}",
    "satisfaction": lambda v: f"survey satisfaction {v * 100:.0f} %",
    "sentiment": _sentiment,
    "tickets": lambda v: _plural(v, "ticket", "tickets"),
    "open_tickets": lambda v: _plural(v, "open ticket", "open tickets"),
    "tickets_breached": lambda v: _plural(v, "ticket", "tickets") + " past its SLA",
    "tier_points": lambda v: f"{_n(v)} points in the tier window",
    "loyalty_balance": lambda v: f"loyalty balance {_n(v)} points",
}
_MISSING = {
    "recency_days": "no activity yet",
    "purchase_recency_days": "never purchased",
    "furthest_stage": "no journey stage reached",
    "stage_days": "no journey stage reached",
    "last_nps": "no NPS answer",
    "satisfaction": "no survey answer",
    "sentiment": "no survey comment",
    "tier_points": "no loyalty tier",
    "loyalty_balance": "not a loyalty member",
}


def phrase(feature: str, value: float | None, stage_names: list[str] | None = None) -> str:
    """The feature's value as people say it."""
    if value is None or math.isnan(value):
        return _MISSING.get(feature, f"no {feature.replace('_', ' ')}")
    if feature == "furthest_stage":
        names = stage_names or []
        index = int(value)
        name = names[index] if 0 <= index < len(names) else f"stage {index + 1}"
        return f"reached {name}"
    words = _WORDS.get(feature)
    return words(value) if words else f"{feature.replace('_', ' ')} {value:g}"


def reasons(
    features: list[str],
    values: NDArray[np.float64],
    effects: NDArray[np.float64],
    stage_names: list[str] | None = None,
    top: int = TOP,
) -> list[Reason]:
    """A customer's strongest features (by absolute effect), those raising the score first."""
    order = np.argsort(-np.abs(effects), kind="stable")[:top]
    found = []
    for j in order:
        if abs(effects[j]) < 0.005:
            continue
        value = None if math.isnan(values[j]) else float(values[j])
        found.append(
            Reason(
                feature=features[j],
                value=value,
                effect=round(float(effects[j]), 4),
                text=phrase(features[j], value, stage_names),
            )
        )
    return sorted(found, key=lambda r: (r.effect <= 0, -abs(r.effect)))
