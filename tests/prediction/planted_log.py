"""A synthetic event log with a planted signal, shared by the prediction tests.

240 customers over 120 days from T0, in three kinds (by their index modulo 3):

* loyal: a visit every 2–4 days throughout, an NPS of 9 now and then, a purchase a month;
* fading: visits every 2–4 days until a random day, then nothing;
* detractors: visits every 2–4 days, an NPS of 2 on a random day, silence from a few days
  after it.

So who churns is told by recency and by the last NPS, and a model should find it.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from journeys.prediction import rules
from journeys.prediction.query import FeatureSpec, ModelSpec

from scenarios import T0, D, H

DAYS = 120
TRAIN_DATE = T0 + 60 * D
TEST_DATE = T0 + 90 * D
HORIZON = 14


def planted_people(seed: int = 7) -> dict[str, list[tuple[Any, ...]]]:
    """The scenario of the planted log."""
    rng = random.Random(seed)
    people: dict[str, list[tuple[Any, ...]]] = {}
    for i in range(240):
        kind = ("loyal", "fading", "detractor")[i % 3]
        stop = DAYS
        nps_day = None
        if kind == "fading":
            stop = rng.randint(20, 115)
        elif kind == "detractor":
            nps_day = rng.randint(10, 110)
            stop = nps_day + rng.randint(0, 3)
        events: list[tuple[Any, ...]] = []
        day = rng.uniform(0, 3)
        while day < stop:
            at = T0 + day * D + rng.randint(8, 20) * H
            events.append(("home", at, {}, rng.choice(["web", "app"])))
            if kind == "loyal" and rng.random() < 0.15:
                events.append(("purchase", at + H, {"revenue": rng.randint(20, 90)}, "web"))
            if kind == "loyal" and rng.random() < 0.05:
                events.append(("survey_answered", at + 2 * H, _nps(9), "web"))
            day += rng.uniform(2, 4)
        if nps_day is not None:
            events.append(("survey_answered", T0 + nps_day * D + 23 * H, _nps(2), "web"))
        people[f"c{i:03d}"] = events
    return people


def _nps(score: int) -> dict[str, Any]:
    return {
        "survey_kind": "nps",
        "score": score,
        "survey": "nps",
        "sentiment": -0.5 if score < 7 else 0.6,
    }


def churn_spec(name: str = "churn") -> ModelSpec:
    """14-day churn, trained on day 60 and held out on day 90."""
    return rules.model_spec(
        name,
        rules.target("churn", HORIZON, None),
        FeatureSpec(),
        train_date=TRAIN_DATE,
        test_date=TEST_DATE,
    )


def at_day(day: float) -> datetime:
    """T0 plus a number of days."""
    return T0 + day * D
