"""Run a conformance analysis: validate, build, execute, add up, shape the result."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import pyarrow as pa

from journeys.analytics.common import EVENTS, Connection, analytics_reader, run_query
from journeys.analytics.conformance.builder import (
    build_conformance,
    build_sequences,
    group_sources,
    measured_stages,
)
from journeys.analytics.conformance.query import ConformanceQuery
from journeys.analytics.conformance.result import (
    ChannelSwitch,
    ConformanceResult,
    Deviation,
    LoopBack,
    SkippedStage,
    UndesignedEvent,
)
from journeys.analytics.conformance.rules import validate
from journeys.analytics.conformance.tally import (
    KINDS,
    Tally,
    group_rows,
    share,
    tally,
    top_variants,
)
from journeys.analytics.segments import segment_relation
from journeys.analytics.touchpoints import measurable
from journeys.maps.model import Journey
from journeys.workspace import Workspace

BREAKING = ("skipped_stage", "went_back")


def conformance(workspace: Workspace, query: ConformanceQuery) -> ConformanceResult:
    """How far customers follow a journey's designed stage order, and how the rest deviate."""
    validate(query)
    journey = workspace.journey(query.journey)
    with closing(analytics_reader(workspace)) as con:
        events = segment_relation(workspace, con, query.segment)
        return run_conformance(con, query, journey, events)


def stage_sequences(workspace: Workspace, journey_id: str) -> pa.Table:
    """Per customer the stages of a journey they visited, in order, repeats collapsed."""
    touchpoints = measurable(workspace.journey(journey_id))
    with closing(analytics_reader(workspace)) as con:
        return run_query(con, build_sequences(touchpoints), what="the stage sequences")


def run_conformance(
    con: Connection,
    query: ConformanceQuery,
    journey: Journey,
    relation: str = EVENTS,
) -> ConformanceResult:
    """The analysis on an open connection; ``relation`` has the columns of stitched_events."""
    validate(query)
    touchpoints = measurable(journey)
    stages = measured_stages(touchpoints)
    by = query.by or ("persona" if journey.personas else None)
    sources = group_sources(query.by) if by else None
    found = run_query(
        con, build_conformance(touchpoints, sources, relation), what="the conformance analysis"
    ).to_pylist()
    parts: dict[str, list[dict[str, Any]]] = {"variant": [], "switch": [], "undesigned": []}
    for row in found:
        parts[row["part"]].append(row)
    overall, groups = tally(parts["variant"], len(stages))
    switches, undesigned = parts["switch"], parts["undesigned"]
    stage_ids = [s for s, _ in stages]
    return ConformanceResult(
        query=query,
        stages=stage_ids,
        unmeasured_stages=[s.id for s in journey.stages if s.id not in stage_ids],
        customers=overall.customers,
        conforming=overall.conforming,
        conforming_share=share(overall.conforming, overall.customers),
        statuses={
            k: overall.statuses[k] for k in ("complete", "incomplete", "entered_late", "deviating")
        },
        deviations=_deviations(overall, switches, undesigned),
        skipped_stages=_skipped(overall, stages),
        loops_back=_loops(overall, stage_ids),
        channel_switches=_switches(switches),
        undesigned=_undesigned(undesigned, overall.customers, query.top),
        variant_count=len(overall.variants),
        variants=top_variants(overall, stage_ids, len(stages), query.top),
        by=by,
        groups=group_rows(groups) if by else [],
    )


def _skipped(t: Tally, stages: list[tuple[str, str]]) -> list[SkippedStage]:
    return [
        SkippedStage(stage=stages[i][0], name=stages[i][1], customers=n)
        for i, n in sorted(t.skipped.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _loops(t: Tally, stage_ids: list[str]) -> list[LoopBack]:
    return [
        LoopBack(
            from_stage=stage_ids[a],
            to_stage=stage_ids[b],
            customers=n,
            times=t.back_times[(a, b)],
        )
        for (a, b), n in sorted(t.backs.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _total(rows: list[dict[str, Any]], key: str, column: str) -> int:
    # The grouping set () gives the row whose grouping columns are all NULL: the total.
    return next((int(r[column]) for r in rows if r[key] is None), 0)


def _deviations(
    t: Tally, switches: list[dict[str, Any]], undesigned: list[dict[str, Any]]
) -> list[Deviation]:
    occurrences = {
        "skipped_stage": t.skips,
        "went_back": sum(t.back_times.values()),
        "undesigned_touchpoint": _total(undesigned, "event", "events"),
        "channel_switch": _total(switches, "a", "switches"),
    }
    return [
        Deviation(
            kind=kind,
            customers=t.kinds[kind],
            share=share(t.kinds[kind], t.customers),
            occurrences=occurrences[kind],
            breaks_conformance=kind in BREAKING,
        )
        for kind in KINDS
    ]


def _switches(rows: list[dict[str, Any]]) -> list[ChannelSwitch]:
    found = [
        ChannelSwitch(
            from_channel=r["a"], to_channel=r["b"], switches=r["switches"], customers=r["customers"]
        )
        for r in rows
        if r["a"] is not None
    ]
    return sorted(found, key=lambda s: (-s.switches, s.from_channel, s.to_channel))


def _undesigned(rows: list[dict[str, Any]], customers: int, top: int) -> list[UndesignedEvent]:
    found = [
        UndesignedEvent(
            event=r["event"],
            events=r["events"],
            customers=r["customers"],
            share=share(r["customers"], customers),
        )
        for r in rows
        if r["event"] is not None
    ]
    return sorted(found, key=lambda u: (-u.customers, -u.events, u.event))[:top]
