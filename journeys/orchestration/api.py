"""HTTP routes of the next best action and the agent view, and the agent's web page.

Thin: parse, call :func:`next_best_actions` or :func:`agent_view`, shape the response. The
next best action runs on the event loop itself: it takes about 3 ms, mostly Python (the GIL
lets no thread run beside it), and handing it to the thread pool and back cost more than a
third of that. The agent view, larger, is a plain ``def`` that FastAPI runs in its pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from journeys.api.deps import workspace_of
from journeys.errors import CustomerNotFound, InvalidInput
from journeys.maps.model import CHANNELS, Channel
from journeys.orchestration.agent import AgentView, agent_view
from journeys.orchestration.nba.model import NextBestActions
from journeys.orchestration.nba.service import next_best_actions

router = APIRouter(prefix="/api", tags=["orchestration"])
pages = APIRouter(include_in_schema=False)

ChannelQuery = Annotated[Channel | None, Query(description="only actions offered on this channel")]


@router.get("/customers/{customer_id}/next-best-action", response_model=NextBestActions)
async def get_next_best_action(
    request: Request,
    customer_id: str,
    channel: ChannelQuery = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 3,
) -> NextBestActions:
    """The ranked actions for a customer (any id, anonymous too), each with its reason."""
    return next_best_actions(workspace_of(request), customer_id, channel, limit)


@router.get("/agent/{customer_id}", response_model=AgentView)
def get_agent_view(request: Request, customer_id: str, channel: ChannelQuery = None) -> AgentView:
    """Everything a phone or chat agent needs about a customer, found by any id."""
    return agent_view(workspace_of(request), customer_id, channel)


@pages.get("/agent", response_class=HTMLResponse)
def agent_search(request: Request, q: str = "") -> Response:
    """A search box: a phone number, e-mail address or any id opens the customer."""
    from journeys.web.routes import _page

    query = q.strip()
    if query:
        return RedirectResponse(f"/agent/{query}", status_code=303)
    return _page(request, "agent/search.html", "agent", query=query, missing=None)


@pages.get("/agent/{customer_id}", response_class=HTMLResponse)
def agent_page(request: Request, customer_id: str, channel: str = "") -> Response:
    """The agent view of one customer, the next best actions on top."""
    from journeys.web.routes import _page

    if channel and channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}; channels: {', '.join(CHANNELS)}")
    try:
        view = agent_view(workspace_of(request), customer_id, channel or None)
    except CustomerNotFound as exc:
        return _page(
            request, "agent/search.html", "agent", 404, query=customer_id, missing=exc.message
        )
    return _page(request, "agent/view.html", "agent", view=view, channel=channel, channels=CHANNELS)
