"""Loyalty pages: the programme with its members, and one member with a redeem button.

The redeem form posts to a route that calls the same service function as the API and the
CLI; a refused redemption shows the member's page again with the reason.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from journeys.api.deps import workspace_of
from journeys.errors import JourneysError
from journeys.loyalty import members, service
from journeys.loyalty.contracts import LoyaltyStats
from journeys.loyalty.files import load_program_or_none, program_path
from journeys.loyalty.stats import loyalty_stats
from journeys.web.routes import _page
from journeys.workspace import Workspace

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/loyalty", response_class=HTMLResponse)
def programme(request: Request, page: int = Query(1, ge=1, le=10_000_000)) -> Response:
    """The programme: its figures, members by balance, rules, tiers and rewards."""
    ws = workspace_of(request)
    program = load_program_or_none(ws)
    context: dict[str, Any] = {"program": program, "path": program_path(ws), "page": page}
    if program is not None:
        found = members.list_members(ws, PAGE, (page - 1) * PAGE)
        context.update(found=found, stats=_stats(ws))
        context["next_page"] = page + 1 if found.offset + len(found.items) < found.total else None
    return _page(request, "loyalty/index.html", "loyalty", **context)


@router.get("/loyalty/members/{customer_id}", response_class=HTMLResponse)
async def member_page(request: Request, customer_id: str) -> Response:
    """One member: balance, tier and benefits, the rewards they may redeem, their ledger."""
    return await _member(request, customer_id)


@router.post("/loyalty/members/{customer_id}/redeem", response_class=HTMLResponse)
async def post_redeem(
    request: Request,
    customer_id: str,
    reward_id: Annotated[str, Form()],
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """Redeem a reward, then show the member again (with the reason when refused)."""
    ws = workspace_of(request)
    key = idempotency_key or f"web-{uuid.uuid4().hex}"
    try:
        await run_in_threadpool(service.redeem, ws, customer_id, reward_id, key)
    except JourneysError as exc:
        if exc.status >= 500:
            raise
        return await _member(request, customer_id, error=exc.message, status_code=exc.status)
    return RedirectResponse(
        f"/loyalty/members/{quote(customer_id, safe='')}?redeemed={quote(reward_id)}",
        status_code=303,
    )


async def _member(
    request: Request, customer_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    ws = workspace_of(request)
    member = await run_in_threadpool(members.get_member, ws, customer_id)
    context: dict[str, Any] = {
        "m": member,
        "status": await run_in_threadpool(members.loyalty_status, ws, customer_id),
        "catalogue": await run_in_threadpool(members.catalogue, ws, customer_id),
        "entries": await run_in_threadpool(members.ledger_entries, ws, customer_id, 200),
        "program": load_program_or_none(ws),
        "error": error,
        "redeemed": request.query_params.get("redeemed"),
        "form_key": f"web-{uuid.uuid4().hex}",  # a double click redeems once
    }
    return _page(request, "loyalty/member.html", "loyalty", status_code=status_code, **context)


def _stats(ws: Workspace) -> LoyaltyStats | None:
    try:
        return loyalty_stats(ws)
    except JourneysError:  # the event log is held elsewhere: the page still shows members
        return None
