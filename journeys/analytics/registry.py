"""The insights, and how the CLI, the HTTP API and the web app find them.

Each insight package under ``journeys.analytics`` offers up to three thin entry points:

- ``commands.py`` with ``register(analyse: typer.Typer) -> None`` (``journeys analyse …``);
- ``api.py`` with ``router`` (an APIRouter under ``/api/analytics/…``);
- ``web.py`` with ``router`` (pages under ``/analyse/…``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from fastapi import APIRouter


@dataclass(frozen=True)
class Insight:
    """One insight as the analyse index page lists it."""

    package: str  # sub-package of journeys.analytics
    title: str
    href: str  # its web page
    summary: str


INSIGHTS: tuple[Insight, ...] = (
    Insight(
        "funnels",
        "Funnels",
        "/analyse/funnel",
        "How many customers go from one step to the next within a window, and who drops.",
    ),
    Insight(
        "paths",
        "Paths",
        "/analyse/paths",
        "The most common paths from or to an event or touchpoint, as a Sankey chart.",
    ),
    Insight(
        "dfg",
        "Process discovery",
        "/analyse/dfg",
        "The directly-follows graph of events or touchpoints, with counts and times.",
    ),
    Insight(
        "conformance",
        "Conformance",
        "/analyse/conformance",
        "How far real journeys follow the designed stage order, and how the rest deviate.",
    ),
    Insight(
        "retention",
        "Retention and churn",
        "/analyse/retention",
        "Cohorts by first event and how many return; customers gone quiet.",
    ),
    Insight(
        "overlay",
        "Pain points",
        "/analyse/painpoints",
        "Touchpoints ranked by drop-off and time, with the customers behind them; the measured "
        "journey map is on each journey's page.",
    ),
    Insight(
        "segments",
        "Segments",
        "/analyse/segments",
        "Saved filters over traits and behaviour, usable in every analysis.",
    ),
)


def _module(insight: Insight, name: str) -> ModuleType | None:
    full = f"journeys.analytics.{insight.package}.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name is not None and full.startswith(exc.name):
            return None  # this insight has no such entry point (yet)
        raise


def available() -> list[Insight]:
    """The insights that have a web page."""
    return [i for i in INSIGHTS if _module(i, "web") is not None]


def register_commands(analyse: object) -> None:
    """Add every insight's ``journeys analyse`` commands."""
    for insight in INSIGHTS:
        module = _module(insight, "commands")
        if module is not None:
            module.register(analyse)


def api_routers() -> list[APIRouter]:
    """The HTTP API routers of the insights."""
    modules = (_module(i, "api") for i in INSIGHTS)
    return [m.router for m in modules if m is not None]


def web_routers() -> list[APIRouter]:
    """The web page routers of the insights."""
    modules = (_module(i, "web") for i in INSIGHTS)
    return [m.router for m in modules if m is not None]
