"""Orchestration in real time: the next best action and the agent view.

    from journeys.orchestration import next_best_actions, agent_view

    next_best_actions(ws, "+31612345678", channel="phone")  # NextBestActions
    agent_view(ws, "jan@example.com")                       # AgentView

Names are loaded on first use, so importing a submodule (the event log imports the customer
event index at start-up) does not load the whole package.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "next_best_actions": "journeys.orchestration.nba.service",
    "NextBestActions": "journeys.orchestration.nba.model",
    "RankedAction": "journeys.orchestration.nba.model",
    "load_catalogue": "journeys.orchestration.nba.files",
    "agent_view": "journeys.orchestration.agent",
    "AgentView": "journeys.orchestration.agent",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
