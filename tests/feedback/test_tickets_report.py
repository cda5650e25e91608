"""The closed-loop report: detractors, ticketed, contacted within SLA, promoters later."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from journeys.errors import InvalidInput
from journeys.feedback.tickets import StatusChange, TicketOpen, change_status, open_ticket
from journeys.feedback.tickets.report import closed_loop_report
from journeys.workspace import Workspace

from scenarios import D, H, M
from test_tickets_support import NOW, answer, fixed_workspace, record_answers

# Answers a day before the clock starts; tickets are opened from NOW on.
A = NOW - D


@pytest.fixture
def closed_loop(tmp_path: Path) -> Iterator[Workspace]:
    """Alice: detractor, contacted in time, promoter later. Bob: detractor contacted late, and
    a promoter only before. Cy: detractor without ticket, promoter later. Dan: passive. Eve:
    an unhappy CSAT (not NPS). Fay: detractor on NPS+, long before, no ticket."""
    ws, clock = fixed_workspace(tmp_path)
    record_answers(
        ws,
        answer("alice", "r-alice", 3, A),
        answer("alice", "r-alice-2", 9, A + 10 * D),
        answer("bob", "r-bob-0", 10, A - 5 * D),
        answer("bob", "r-bob", 6, A + H),
        answer("cy", "r-cy", 5, A + 2 * H),
        answer("cy", "r-cy-2", 10, A + 20 * D),
        answer("dan", "r-dan", 7, A + 3 * H),
        answer("eve", "r-eve", 1, A + 4 * H, kind="csat"),
        answer("fay", "r-fay", 2, A - 30 * D, kind="nps_plus", root_cause="price"),
    )

    def opened(customer: str, response: str, score: int) -> str:
        spec = TicketOpen(
            customer_id=customer,
            reason="detractor",
            summary="unhappy",
            response_id=response,
            score=score,
        )
        return open_ticket(ws, spec).id

    alice = opened("alice", "r-alice", 3)  # high: 4 hours
    bob = opened("bob", "r-bob", 6)  # normal: 24 hours
    clock.advance(4 * H)
    change_status(ws, alice, StatusChange(status="contacted"))  # exactly on time
    clock.advance(20 * H + M)
    change_status(ws, bob, StatusChange(status="contacted"))  # a minute late
    yield ws
    ws.close()


def test_the_report_counts_each_step_of_the_loop(closed_loop: Workspace) -> None:
    r = closed_loop_report(closed_loop)
    assert (r.detractors, r.ticketed, r.contacted, r.contacted_within_sla) == (4, 2, 2, 1)
    assert r.became_promoters == 2  # alice and cy; bob's promoter answer came before
    assert (r.promoters_when_contacted, r.promoters_when_not_contacted) == (1, 1)
    assert (r.ticketed_share, r.contacted_share, r.contacted_within_sla_share) == (0.5, 0.5, 0.25)
    assert r.became_promoters_share == 0.5
    assert (r.promoters_when_contacted_share, r.promoters_when_not_contacted_share) == (0.5, 0.5)


def test_the_window_limits_the_detractor_answers_not_the_later_ones(
    closed_loop: Workspace,
) -> None:
    r = closed_loop_report(closed_loop, since=A - D, until=A + 90 * M)
    assert (r.detractors, r.ticketed, r.contacted_within_sla) == (2, 2, 1)  # alice, bob
    assert r.became_promoters == 1  # alice, whose promoter answer is after `until`
    empty = closed_loop_report(closed_loop, since=A + 30 * D)
    assert empty.detractors == 0 and empty.ticketed_share is None


def test_a_later_passive_answer_is_not_a_promoter(tmp_path: Path) -> None:
    ws, _ = fixed_workspace(tmp_path)
    with ws:
        record_answers(ws, answer("gus", "g1", 4, A), answer("gus", "g2", 8, A + D))
        r = closed_loop_report(ws)
    assert (r.detractors, r.became_promoters, r.promoters_when_not_contacted_share) == (1, 0, 0.0)


def test_since_must_come_before_until(closed_loop: Workspace) -> None:
    with pytest.raises(InvalidInput):
        closed_loop_report(closed_loop, since=A, until=A - timedelta(seconds=1))
