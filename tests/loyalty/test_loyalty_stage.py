"""The loyalty stage of the measured journey map: the programme among who reached the stage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from journeys.analytics.overlay import OverlayQuery, measured_map
from journeys.analytics.overlay.runner import loyalty_stage_index
from journeys.clock import FixedClock
from journeys.loyalty.earning import run_earning
from journeys.loyalty.service import award_points
from journeys.workspace import Workspace

from scenarios import T0, D, H, journeys_for

JOURNEYS = str(Path(sys.executable).with_name("journeys"))
# The fashion journey's "Review written" touchpoint (its loyalty stage): a web review.
REVIEW = ("review_submitted", {"rating": 5}, "web")


def review(at: object) -> tuple[object, ...]:
    return (REVIEW[0], at, REVIEW[1], REVIEW[2])


def loyalty_of(ws: Workspace) -> dict[str, object]:
    measured = measured_map(ws, OverlayQuery(journey="fashion"))
    found = {s.stage: s.loyalty for s in measured.stages if s.loyalty is not None}
    assert list(found) == ["loyalty"]  # only the loyalty stage carries the figures
    return found["loyalty"].model_dump()


def test_the_loyalty_stage_shows_the_programme_among_who_reached_it(
    lws: Workspace, clock: FixedClock
) -> None:
    journeys_for(lws, {
        # Reached the loyalty stage (a review) and joined: earns 25 for the review.
        "ann": [("loyalty_joined", T0), review(T0 + H)],
        # Reached it, never joined.
        "bob": [review(T0 + H)],
        # A member who never reached the stage: not counted there.
        "cy": [("loyalty_joined", T0), ("order_completed", T0 + H, {"revenue": 300})],
    })  # fmt: skip
    clock.advance(D)
    run_earning(lws)
    figures = loyalty_of(lws)
    assert figures["reached"] == 2
    assert (figures["members"], figures["member_share"]) == (1, 0.5)
    assert (figures["points_balance"], figures["points_redeemed"]) == (25, 0)
    assert figures["active_members"] == 1
    assert sum(figures["members_by_tier"].values()) == 1  # type: ignore[attr-defined]

    # Points given without an event still show: the map's cache follows the ledger.
    award_points(lws, "ann", 40, "goodwill", "goodwill-ann-1")
    assert loyalty_of(lws)["points_balance"] == 65


def test_a_stage_is_the_loyalty_stage_by_its_id(lws: Workspace) -> None:
    fashion = lws.journey("fashion")
    assert fashion.stages[loyalty_stage_index(fashion) or 0].id == "loyalty"
    renamed = fashion.model_copy(
        update={
            "stages": [
                s.model_copy(update={"id": "loyalty-advocacy"}) if s.id == "loyalty" else s
                for s in fashion.stages
            ]
        }
    )
    assert loyalty_stage_index(renamed) == loyalty_stage_index(fashion)
    other = fashion.model_copy(update={"stages": fashion.stages[:-1]})
    assert loyalty_stage_index(other) is None


def test_without_a_programme_the_map_has_no_loyalty_figures(lws: Workspace) -> None:
    journeys_for(lws, {"ann": [review(T0)]})
    (lws.root / "loyalty" / "program.yaml").unlink()
    measured = measured_map(lws, OverlayQuery(journey="fashion"))
    assert [s.loyalty for s in measured.stages] == [None] * len(measured.stages)


def test_the_cli_prints_the_loyalty_stage(lws: Workspace, clock: FixedClock) -> None:
    journeys_for(lws, {"ann": [("loyalty_joined", T0), review(T0 + H)]})
    clock.advance(D)
    run_earning(lws)
    root = str(lws.root)
    lws.close()
    env = {**os.environ, "COLUMNS": "220"}
    args = [JOURNEYS, "analyse", "overlay", "--journey", "fashion", "-w", root]
    table = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "Loyalty stage Loyalty & advocacy: 1 of 1 customers are members (100%)" in table.stdout
    data = json.loads(
        subprocess.run([*args, "--json"], capture_output=True, text=True, timeout=120).stdout
    )
    stage = next(s for s in data["stages"] if s["stage"] == "loyalty")
    assert stage["loyalty"]["points_balance"] == 25
