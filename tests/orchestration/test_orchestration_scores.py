"""Prediction scores in orchestration, written through the prediction store: a score condition
and a score trigger in the real engine, and scores as a factor of the next best action."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyarrow as pa
from automation_support import enrolments, fixed_workspace, minutes, write_automation
from nba_support import identify as nba_identify
from nba_support import scenario

from journeys.clock import FixedClock
from journeys.orchestration import next_best_actions
from journeys.orchestration.automations.engine import run_engine
from journeys.orchestration.automations.files import check_automation_text
from journeys.orchestration.nba.files import check_actions_text
from journeys.prediction.store import store_scores
from journeys.workspace import Workspace

from factories import T0, identify, send, track

GUARDED = """\
id: rescue
name: Rescue customers at risk
version: 1
trigger:
  event:
    event: signed_up
conditions:
  - score: {model: churn, above: 0.7}
steps:
  - id: points
    add_points: {points: 10}
"""

CROSSING = """\
id: at-risk
name: Customers turning at risk
version: 1
trigger:
  score_above: {model: churn, threshold: 0.7}
reentry:
  allowed: true
steps:
  - id: call
    create_ticket: {summary: Call a customer at risk}
"""

RETENTION = """\
actions:
  - id: retention-offer
    title: Offer a loyalty discount
    message: Ten percent off the next order, {traits.first_name|dear customer}.
    channels: [phone, email]
    priority: 10
    eligible:
      scores:
        - {model: churn, above: 0.7}
    weights: {scores: {churn: 100}}
  - id: newsletter
    title: Invite to the newsletter
    message: Our monthly news.
    channels: [phone, email]
    priority: 60
    exclude:
      scores:
        - {model: churn, above: 0.7}
"""


def _score(ws: Workspace, at: datetime, **scores: float) -> None:
    """Store a scoring run of the churn model through the prediction store."""
    names = sorted(scores)
    rows = pa.table(
        {
            "model": pa.array(["churn"] * len(names), pa.string()),
            "customer_id": pa.array(names, pa.string()),
            "score": pa.array([scores[n] for n in names], pa.float64()),
            "as_of": pa.array([at] * len(names), pa.timestamp("us")),
            "scored_at": pa.array([at] * len(names), pa.timestamp("us")),
            "reasons": pa.array(["[]"] * len(names), pa.string()),
        }
    )
    store_scores(ws, "churn", rows)


def _started(tmp_path: Path, text: str, name: str) -> tuple[Workspace, FixedClock]:
    ws, clock = fixed_workspace(tmp_path / "ws", start=T0 + minutes(5))
    send(ws.events, *(identify(user, 1) for user in ("ann", "bob", "cat")))
    write_automation(ws, text, name)
    assert run_engine(ws).started
    return ws, clock


def test_a_score_condition_reads_the_stored_scores(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, GUARDED, "rescue")
    _score(ws, T0, ann=0.91, bob=0.3)
    send(ws.events, *(track({"userId": u}, "signed_up", 6) for u in ("ann", "bob", "cat")))
    clock.advance(minutes(5))
    result = run_engine(ws)
    assert result.entered == 1  # bob scores low, cat has no score
    assert [r.customer_id for r in enrolments(ws)] == ["ann"]
    ws.close()


def test_a_score_trigger_lets_in_once_per_crossing(tmp_path: Path) -> None:
    ws, clock = _started(tmp_path, CROSSING, "at-risk")

    def run(**scores: float) -> list[str]:
        clock.advance(minutes(60))
        if scores:
            _score(ws, clock.now(), **scores)
        before = {r.id for r in enrolments(ws)}
        run_engine(ws)
        return sorted(r.customer_id for r in enrolments(ws) if r.id not in before)

    assert run(ann=0.9, bob=0.2) == []  # the first run seen is the baseline
    assert run(ann=0.95, bob=0.8) == ["bob"]  # bob crossed; ann was above already
    assert run() == []  # no new scoring run, nothing to compare
    assert run(ann=0.5, bob=0.85, cat=0.75) == ["cat"]  # a first score above counts
    assert run(ann=0.9, bob=0.9, cat=0.8) == ["ann"]  # ann fell below and rose again
    ws.close()

    reopened = Workspace.open(ws.root, clock=clock)  # the state is in the store
    clock.advance(minutes(60))
    _score(reopened, clock.now(), ann=0.9, bob=0.9, cat=0.8)
    before = len(enrolments(reopened))
    run_engine(reopened)
    assert len(enrolments(reopened)) == before
    reopened.close()


def test_score_conditions_and_triggers_are_checked(ws: Workspace) -> None:
    bounds = GUARDED.replace("{model: churn, above: 0.7}", "{model: churn}")
    issues = check_automation_text(ws, bounds, "automations/rescue.yaml").issues
    assert [(i.field, i.code, i.line) for i in issues] == [
        ("conditions[0].score", "score_bounds", 8)
    ]
    high = CROSSING.replace("threshold: 0.7", "threshold: 7")
    issues = check_automation_text(ws, high, "automations/at-risk.yaml").issues
    assert [(i.field, i.line) for i in issues] == [("trigger.score_above.threshold", 5)]
    bare = "{model: churn}\n    weights"
    empty = RETENTION.replace("{model: churn, above: 0.7}\n    weights", bare)
    issues = check_actions_text(ws, empty).issues
    assert [(i.field, i.code) for i in issues] == [
        ("actions[0].eligible.scores[0]", "score_bounds")
    ]


def test_the_next_best_action_weighs_the_churn_score(tmp_path: Path) -> None:
    ws, _clock = fixed_workspace(tmp_path / "ws", start=T0 + minutes(5))
    (ws.root / "actions.yaml").write_text(RETENTION, encoding="utf-8")
    send(ws.events, identify("ann", 1, first_name="Ann"), identify("bob", 2))
    assert [a.id for a in next_best_actions(ws, "ann").actions] == ["newsletter"]  # no scores
    _score(ws, T0, ann=0.82, bob=0.4)
    [offer] = next_best_actions(ws, "ann").actions
    assert (offer.id, offer.score) == ("retention-offer", 92.0)
    assert offer.reason == "churn score 0.82 (above 0.7); churn score 0.82 (+82)"
    assert offer.message == "Ten percent off the next order, Ann."
    assert [a.id for a in next_best_actions(ws, "bob").actions] == ["newsletter"]
    ws.close()


def test_the_churn_score_over_the_http_api(ws: Workspace, server: str, api: httpx.Client) -> None:
    (ws.root / "actions.yaml").write_text(RETENTION, encoding="utf-8")
    now = datetime.now(UTC).replace(tzinfo=None)
    scenario(ws, {"dan": [nba_identify(5, first_name="Dan")]}, now=now)
    _score(ws, now, dan=0.9)
    r = api.get(f"{server}/api/customers/dan/next-best-action?channel=phone")
    assert r.status_code == 200, r.text
    [offer] = r.json()["actions"]
    assert offer["id"] == "retention-offer" and "churn score 0.90" in offer["reason"]
