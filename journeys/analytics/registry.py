"""The insights, and how the CLI, the HTTP API and the web app find them.

Each insight package under ``journeys.analytics`` offers three thin entry points:

- ``commands.py`` with ``register(analyse: typer.Typer) -> None`` (``journeys analyse …``);
- ``api.py`` with ``router`` (an APIRouter under ``/api/analytics/…``);
- ``web.py`` with ``router`` (pages under ``/analyse/…``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

import typer
from fastapi import APIRouter


@dataclass(frozen=True)
class Insight:
    """One insight as the analyse index page lists it."""

    package: str  # sub-package of journeys.analytics
    title: str
    href: str  # its web page
    summary: str
    commands: bool = True  # False: its commands are not under ``journeys analyse``


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
        "kpis",
        "KPIs",
        "/analyse/kpis",
        "NPS, CSAT, CES and sentiment per touchpoint, stage, journey, persona or segment over "
        "time; response time, first-contact resolution and SLA; the board of the three levels.",
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
        commands=False,  # `journeys segments …`, a command group of its own
    ),
)


def _module(insight: Insight, name: str) -> ModuleType:
    return importlib.import_module(f"journeys.analytics.{insight.package}.{name}")


def available() -> list[Insight]:
    """The insights, as the analyse page lists them."""
    return list(INSIGHTS)


def register_commands(analyse: typer.Typer) -> None:
    """Add every insight's ``journeys analyse`` commands."""
    for insight in INSIGHTS:
        if insight.commands:
            _module(insight, "commands").register(analyse)


def api_routers() -> list[APIRouter]:
    """The HTTP API routers of the insights."""
    return [_module(i, "api").router for i in INSIGHTS]


def web_routers() -> list[APIRouter]:
    """The web page routers of the insights."""
    return [_module(i, "web").router for i in INSIGHTS]
