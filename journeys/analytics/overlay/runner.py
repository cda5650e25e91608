"""Measure a journey against the event log: the map overlay, pain points, dropped customers."""

from __future__ import annotations

from collections import OrderedDict
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from journeys.analytics.common import EVENTS, Connection, analytics_reader, elapsed_text, run_query
from journeys.analytics.overlay import builder, rules
from journeys.analytics.overlay.feedback import PlaceFeedback, place_feedback
from journeys.analytics.overlay.query import OverlayQuery
from journeys.analytics.overlay.result import (
    DroppedCustomers,
    FeedbackMeasure,
    MeasuredMap,
    PainPoint,
    PainPoints,
    Signal,
    StageMeasure,
    TouchpointMeasure,
    UnmappedEvent,
)
from journeys.analytics.segments import segment_filter
from journeys.analytics.touchpoints import MappedTouchpoint
from journeys.loyalty.contracts import StageLoyalty
from journeys.loyalty.files import has_program
from journeys.loyalty.stats import ledger_version, stage_loyalty
from journeys.maps.model import Journey
from journeys.workspace import Workspace

# How a pain score weighs its signals (time alone is often just reading). A journey without
# comments or tickets is scored on the signals it has, the weights scaled to add up to 1: then
# drop-off counts 0.6 and time 0.4.
WEIGHTS = {"drop_off": 0.3, "time": 0.2, "sentiment": 0.25, "tickets": 0.25}


@dataclass(frozen=True)
class _Prepared:
    journey: Journey
    touchpoints: list[MappedTouchpoint]
    relation: str  # the events in the range
    undated: str  # the events of every day (the segment still applies)
    last_stage: int


def measured_map(workspace: Workspace, query: OverlayQuery) -> MeasuredMap:
    """The journey's stages and touchpoints with customers reached, conversion, drop-off,
    median times, the worst touchpoints, and the behaviour no touchpoint matches.

    The result is kept until an event arrives or a journey file changes (not with a segment,
    whose definition may change): every journey page asks for it.
    """
    key = _cache_key(workspace, query)
    if key is not None and key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key].model_copy(deep=True)
    result = _measure(workspace, query)
    if key is not None:
        _CACHE[key] = result.model_copy(deep=True)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


CACHE_SIZE = 32
_CACHE: OrderedDict[tuple[object, ...], MeasuredMap] = OrderedDict()


def _cache_key(workspace: Workspace, query: OverlayQuery) -> tuple[object, ...] | None:
    if query.segment is not None or workspace.setting("analytics_engine") != "duckdb":
        return None  # the Parquet export Spark reads changes without the event log's seq
    files = workspace.journey_files_key()
    # Ledger writes change the loyalty stage's figures without an event.
    ledger = ledger_version(workspace) if has_program(workspace) else None
    return (str(workspace.root), workspace.events.last_seq, files, ledger, query.model_dump_json())


def _measure(workspace: Workspace, query: OverlayQuery) -> MeasuredMap:
    with closing(analytics_reader(workspace)) as con:
        p = _prepare(workspace, con, query)
        totals = _rows(con, builder.totals_sql(p.last_stage))[0]
        by_index = {r["i"]: r for r in _rows(con, builder.touchpoints_sql(p.last_stage))}
        stage_indexes = sorted({tp.stage_index for tp in p.touchpoints})
        by_stage = {r["st"]: r for r in _rows(con, builder.stages_sql(stage_indexes))}
        unmapped = _rows(con, builder.unmapped_sql(p.touchpoints, p.relation, query.unmapped))
        said = place_feedback(con, p.journey, query, p.undated)
        loyal = _loyalty_stage(workspace, con, p)
    touchpoints = [_touchpoint(p.journey, tp, by_index.get(tp.index), said) for tp in p.touchpoints]
    for _, tp in _ranked(touchpoints, totals["customers"], query.min_reach)[: query.worst]:
        tp.worst = True
    return MeasuredMap(
        journey=p.journey.id,
        name=p.journey.name,
        customers=totals["customers"],
        completed=totals["completed"],
        mapped_events=int(totals["events"]),
        unmapped_events=int(unmapped[0]["total"]) if unmapped else 0,
        stages=_stages(p, by_stage, said, loyal),
        touchpoints=touchpoints,
        unmapped=[
            UnmappedEvent(event=r["event"], events=r["events"], customers=r["customers"])
            for r in unmapped[: query.unmapped]
        ],
        unmatched_touchpoints=[tp.id for _, tp in p.journey.touchpoints() if tp.match is None],
        feedback=said.journey,
        unmatched_feedback={
            tp.id: said.touchpoints[tp.id]
            for _, tp in p.journey.touchpoints()
            if tp.match is None and tp.id in said.touchpoints
        },
    )


def pain_points(workspace: Workspace, query: OverlayQuery, top: int = 10) -> PainPoints:
    """The journey's touchpoints ranked by drop-off and time, each with its evidence."""
    # The same query as the journey page's, so one measurement (and its cache) serves both.
    measured = measured_map(workspace, query)
    ranked = _ranked(measured.touchpoints, measured.customers, query.min_reach)
    points = []
    for rank, (score, tp) in enumerate(ranked[:top], start=1):
        points.append(
            PainPoint(
                rank=rank,
                touchpoint=tp.touchpoint,
                name=tp.name,
                stage=tp.stage,
                channel=tp.channel,
                score=round(score, 4),
                reached=tp.reached,
                dropped=tp.dropped,
                signals=signals(tp),
                customers_url=f"/analyse/painpoints/{measured.journey}/{tp.touchpoint}",
            )
        )
    return PainPoints(
        journey=measured.journey,
        name=measured.name,
        customers=measured.customers,
        pain_points=points,
    )


def dropped_customers(
    workspace: Workspace, query: OverlayQuery, touchpoint: str, limit: int = 50, offset: int = 0
) -> DroppedCustomers:
    """The customers whose journey ended at a touchpoint before the last stage (sorted)."""
    with closing(analytics_reader(workspace)) as con:
        p = _prepare(workspace, con, query)
        tp = rules.touchpoint_of(p.touchpoints, touchpoint)
        row = _rows(con, builder.dropped_sql(tp.index, p.last_stage, limit, offset))[0]
    return DroppedCustomers(
        journey=p.journey.id,
        touchpoint=tp.touchpoint,
        total=row["total"],
        customers=list(row["customers"]),
        limit=limit,
        offset=offset,
    )


def _prepare(workspace: Workspace, con: Connection, q: OverlayQuery) -> _Prepared:
    rules.check_dates(q)
    journey = workspace.journey(q.journey)
    touchpoints = rules.measured_touchpoints(journey)
    segment = segment_filter(workspace, con, q.segment)
    relation = builder.events_relation(q.from_date, q.to_date, segment)
    undated = f"(SELECT * FROM {EVENTS} e WHERE {segment})"
    run_query(con, builder.mapped_sql(touchpoints, relation), what="the journey's events")
    last_stage = max(tp.stage_index for tp in touchpoints)
    return _Prepared(journey, touchpoints, relation, undated, last_stage)


def _rows(con: Connection, sql: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = run_query(con, sql, what="the measured map").to_pylist()
    return rows


def _touchpoint(
    journey: Journey, tp: MappedTouchpoint, row: dict[str, Any] | None, said: PlaceFeedback
) -> TouchpointMeasure:
    designed = next(t for _, t in journey.touchpoints() if t.id == tp.touchpoint)
    reached = row["reached"] if row else 0
    dropped = row["dropped"] if row else 0
    return TouchpointMeasure(
        touchpoint=tp.touchpoint,
        name=tp.name,
        stage=tp.stage,
        channel=tp.channel,
        designed_emotion=designed.emotion,
        reached=reached,
        events=row["events"] if row else 0,
        dropped=dropped,
        drop_off_rate=round(dropped / reached, 4) if reached else None,
        median_seconds_to_next=row["median_seconds"] if row else None,
        feedback=said.touchpoints.get(tp.touchpoint, FeedbackMeasure()),
    )


def loyalty_stage_index(journey: Journey) -> int | None:
    """The journey's loyalty stage: the first whose id is ``loyalty`` or begins ``loyalty-``."""
    return next(
        (
            i
            for i, stage in enumerate(journey.stages)
            if stage.id == "loyalty" or stage.id.startswith("loyalty-")
        ),
        None,
    )


def _loyalty_stage(
    workspace: Workspace, con: Connection, p: _Prepared
) -> tuple[int, StageLoyalty] | None:
    index = loyalty_stage_index(p.journey)
    if index is None or not has_program(workspace):
        return None
    customers = [r["c"] for r in _rows(con, builder.stage_customers_sql(index))]
    figures = stage_loyalty(workspace, customers)
    return None if figures is None else (index, figures)


def _stages(
    p: _Prepared,
    by_stage: dict[int, dict[str, Any]],
    said: PlaceFeedback,
    loyal: tuple[int, StageLoyalty] | None = None,
) -> list[StageMeasure]:
    measured = sorted({tp.stage_index for tp in p.touchpoints})
    stages = []
    for index in measured:
        stage = p.journey.stages[index]
        row = by_stage.get(index, {"reached": 0, "continued": 0, "median_seconds": None})
        last = index == p.last_stage
        reached, continued = row["reached"], 0 if last else row["continued"]
        stages.append(
            StageMeasure(
                stage=stage.id,
                name=stage.name,
                reached=reached,
                continued=continued,
                conversion=None if last or not reached else round(continued / reached, 4),
                dropped=0 if last else reached - continued,
                median_seconds_to_next_stage=None if last else row["median_seconds"],
                feedback=said.stages.get(stage.id, FeedbackMeasure()),
                loyalty=loyal[1] if loyal is not None and loyal[0] == index else None,
            )
        )
    return stages


def signals(tp: TouchpointMeasure) -> list[Signal]:
    """The evidence behind a touchpoint's rank: drop-off and time, and what customers said and
    the tickets opened about it when there are any."""
    rate, seconds = tp.drop_off_rate or 0.0, tp.median_seconds_to_next or 0.0
    found = [
        Signal(
            kind="drop_off",
            value=rate,
            text=f"{tp.dropped:,} of {tp.reached:,} customers ({rate:.0%}) ended their "
            "journey here before its last stage",
        ),
        Signal(
            kind="time",
            value=seconds,
            text=f"median {elapsed_text(seconds)} until their next touchpoint",
        ),
    ]
    f = tp.feedback
    if f.comments:
        negative = f.negative_comments / f.comments
        mean = f.sentiment or 0.0
        found.append(
            Signal(
                kind="sentiment",
                value=round(negative, 4),
                text=f"{f.negative_comments:,} of {f.comments:,} comments ({negative:.0%}) "
                f"negative; mean sentiment {mean:+.2f}",
            )
        )
    if f.tickets:
        load = _ticket_load(tp)
        escalated = f", {f.escalated:,} escalated" if f.escalated else ""
        found.append(
            Signal(
                kind="tickets",
                value=round(load, 4),
                text=f"{f.tickets:,} tickets opened about it ({load:.2f} per customer "
                f"reached){escalated}",
            )
        )
    return found


def _ticket_load(tp: TouchpointMeasure) -> float:
    return tp.feedback.tickets / tp.reached if tp.reached else 0.0


def _ranked(
    touchpoints: list[TouchpointMeasure], customers: int, min_reach: int
) -> list[tuple[float, TouchpointMeasure]]:
    """Touchpoints reached by enough customers to judge, with their scores, worst first."""
    floor = max(min_reach, customers // 100)
    judged = [t for t in touchpoints if t.reached >= floor]
    values = {kind: [(t, _value(kind, t)) for t in judged] for kind in WEIGHTS}
    # A signal nobody has data for (no comments, no tickets) is left out of the score.
    present = {k: v for k, v in values.items() if any(x is not None for _, x in v)}
    total = sum(WEIGHTS[k] for k in present)
    scores = {id(t): 0.0 for t in judged}
    for kind, pairs in present.items():
        worst = max((x or 0.0 for _, x in pairs), default=0.0) or 1.0
        for t, x in pairs:
            scores[id(t)] += WEIGHTS[kind] / total * (x or 0.0) / worst
    scored = [(scores[id(t)], t) for t in judged]
    return sorted(scored, key=lambda pair: (-pair[0], pair[1].touchpoint))


def _value(kind: str, tp: TouchpointMeasure) -> float | None:
    """A touchpoint's raw value of one signal; None when it has no data for it."""
    f = tp.feedback
    if kind == "drop_off":
        return tp.drop_off_rate or 0.0
    if kind == "time":
        return tp.median_seconds_to_next or 0.0
    if kind == "sentiment":
        return f.negative_comments / f.comments if f.comments else None
    return _ticket_load(tp) if f.tickets else None
