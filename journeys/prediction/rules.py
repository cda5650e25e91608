"""Validation rules of prediction input, each with a stable code, and the target's SQL.

| code | refused when |
|---|---|
| `model_name_invalid` | a model name is not 1–60 letters, digits, `-` or `_` |
| `target_kind_invalid` | the target is neither `churn` nor `propensity` |
| `target_step_missing` | a propensity target names no step |
| `horizon_invalid` | the horizon is not a positive number of days |
| `split_overlap` | the training labels' horizon reaches past the test date |
| `split_beyond_data` | the test date's horizon ends after the log does |
| `stage_unknown` | a `stage J/S` step names no stage with a recognisable touchpoint |
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from journeys.analytics.common import Step, fail, matcher_sql
from journeys.analytics.touchpoints import mapped_touchpoints
from journeys.maps.model import Journey
from journeys.prediction.builder import activity_sql
from journeys.prediction.query import TARGET_KINDS, FeatureSpec, ModelSpec, TargetSpec

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


def check_name(name: str) -> str:
    """A model name usable as a folder name (``model_name_invalid``)."""
    if not _NAME.match(name):
        fail(
            "model_name_invalid",
            "name",
            f"model name {name!r}: use 1–60 letters, digits, - or _",
            name,
        )
    return name


def target(kind: str, horizon_days: int, step: str | None) -> TargetSpec:
    """A target from its parts (``target_kind_invalid``, ``target_step_missing``, …)."""
    if kind not in TARGET_KINDS:
        fail("target_kind_invalid", "target", f"target {kind!r}: use churn or propensity", kind)
    if horizon_days <= 0:
        fail("horizon_invalid", "horizon", "the horizon must be a positive number of days")
    step = step.strip() if step and step.strip() else None
    if kind == "propensity" and step is None:
        fail(
            "target_step_missing",
            "event",
            "a propensity target needs the step to predict: --event purchase, "
            "'touchpoint JOURNEY/TOUCHPOINT' or 'stage JOURNEY/STAGE'",
        )
    return TargetSpec(kind=kind, horizon_days=horizon_days, step=step)  # type: ignore[arg-type]


def model_spec(
    name: str,
    target_spec: TargetSpec,
    features: FeatureSpec,
    train_date: datetime | None = None,
    test_date: datetime | None = None,
) -> ModelSpec:
    """A checked model spec."""
    return ModelSpec(
        name=check_name(name),
        target=target_spec,
        features=features,
        train_date=train_date,
        test_date=test_date,
    )


def split_dates(spec: ModelSpec, data_end: datetime) -> tuple[datetime, datetime]:
    """The training and test dates: given, else test = end − horizon, train = test − horizon."""
    horizon = timedelta(days=spec.target.horizon_days)
    test = spec.test_date or _day(data_end - horizon)
    train = spec.train_date or test - horizon
    if train + horizon > test:
        fail(
            "split_overlap",
            "train_date",
            f"training labels run until {train + horizon:%Y-%m-%d}, past the test date "
            f"{test:%Y-%m-%d}: the held-out period must come after them",
            str(train),
        )
    if test + horizon > data_end + timedelta(days=1):
        fail(
            "split_beyond_data",
            "test_date",
            f"the test date's horizon ends {test + horizon:%Y-%m-%d}, after the log does "
            f"({data_end:%Y-%m-%d}): the labels would be incomplete",
            str(test),
        )
    return train, test


def _day(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day)


def target_condition(spec: TargetSpec, journeys: dict[str, Journey]) -> str:
    """SQL on an event row that holds when the event is the target's step (or activity)."""
    if spec.step is None:
        return activity_sql()
    if spec.step.startswith("stage "):
        return _stage_condition(spec.step.removeprefix("stage ").strip(), journeys)
    return Step.parse(spec.step).sql(journeys)


def _stage_condition(ref: str, journeys: dict[str, Journey]) -> str:
    journey_id, _, stage_id = ref.partition("/")
    journey = journeys.get(journey_id)
    touchpoints = [t for t in mapped_touchpoints(journey) if t.stage == stage_id] if journey else []
    if not touchpoints:
        fail(
            "stage_unknown",
            "event",
            f"stage {ref!r}: no journey/stage with a recognisable touchpoint; write "
            "'stage JOURNEY/STAGE'",
            ref,
        )
    return "(" + " OR ".join(matcher_sql(t.matcher) for t in touchpoints) + ")"
