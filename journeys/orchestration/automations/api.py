"""HTTP routes of the automations, and the web page.

Thin: parse, call one domain function, shape the response. A PUT takes the automation as YAML
(``application/yaml`` or ``text/plain``, refused with file, line and field like a file) or as
JSON (the model).
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from ruamel.yaml import YAML

from journeys.api.deps import workspace_of
from journeys.errors import MalformedJson
from journeys.maps.loader import ValidationIssue
from journeys.orchestration.automations import delivery, engine, files, views
from journeys.orchestration.automations.backtest import BacktestResult, backtest
from journeys.orchestration.automations.model import Automation
from journeys.store.operational import RowId

router = APIRouter(prefix="/api/automations", tags=["automations"])
pages = APIRouter(include_in_schema=False)


class CheckResult(BaseModel):
    """Whether an automation text is valid, and every problem with file, line and field."""

    valid: bool
    issues: list[ValidationIssue]


class ReplayIn(BaseModel):
    """Which dead letters to replay (all when ``ids`` is absent)."""

    ids: list[RowId] | None = Field(default=None, max_length=10_000)


class Replayed(BaseModel):
    """How many dead letters went back to the outbox."""

    replayed: int


@router.get("", response_model=list[views.AutomationSummary])
def list_automations(request: Request) -> list[views.AutomationSummary]:
    """Every automation file with customers per status and counts per step."""
    return views.summaries(workspace_of(request))


@router.post("/check", response_model=CheckResult)
async def check_automation(request: Request) -> CheckResult:
    """Check an automation (YAML or JSON body) without saving it."""
    text = await _text(request)
    checked = files.check_automation_text(workspace_of(request), text, "automations/<body>.yaml")
    return CheckResult(
        valid=checked.value is not None and not checked.issues, issues=checked.issues
    )


@router.get("/outbox", response_model=list[views.OutboxItem])
def get_outbox(
    request: Request,
    status: Annotated[str | None, Query(pattern="^(pending|delivered|dead)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[views.OutboxItem]:
    """The newest actions of the outbox with their delivery state."""
    return views.outbox(workspace_of(request), status, limit)  # type: ignore[arg-type]


@router.get("/dead-letters", response_model=list[views.DeadLetter])
def get_dead_letters(request: Request) -> list[views.DeadLetter]:
    """Actions that failed every attempt and wait for a replay."""
    return views.dead_letters(workspace_of(request))


@router.post("/dead-letters/replay", response_model=Replayed)
def replay_dead_letters(request: Request, body: ReplayIn | None = None) -> Replayed:
    """Put dead letters back in the outbox (all, or the given outbox ids)."""
    ids = body.ids if body is not None else None
    return Replayed(replayed=delivery.replay(workspace_of(request), ids))


@router.post("/run", response_model=engine.EngineResult)
def run_now(request: Request) -> engine.EngineResult:
    """Run the engine once now (the server also does it every ``automation_seconds``)."""
    return engine.run_engine(workspace_of(request))


@router.post("/deliver", response_model=delivery.DeliveryResult)
def deliver_now(request: Request) -> delivery.DeliveryResult:
    """Deliver the due actions now."""
    return delivery.deliver_due(workspace_of(request))


@router.get("/{automation_id}", response_model=Automation)
def get_automation(request: Request, automation_id: str) -> Automation:
    """One automation as its model."""
    return files.get_automation(workspace_of(request), automation_id)


@router.put("/{automation_id}", response_model=Automation)
async def put_automation(request: Request, automation_id: str) -> Automation:
    """Write ``automations/<id>.yaml`` after the checks; a changed definition needs a new
    version (``version_not_raised``)."""
    ws = workspace_of(request)
    text = await _text(request)
    seen = await run_in_threadpool(engine.known_versions, ws, automation_id)
    return await run_in_threadpool(files.save_automation_text, ws, text, automation_id, seen)


@router.get("/{automation_id}/backtest", response_model=BacktestResult)
def get_backtest(
    request: Request,
    automation_id: str,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
) -> BacktestResult:
    """What the automation would have done over past events, without side effects."""
    return backtest(workspace_of(request), automation_id, date_from, date_to)


@pages.get("/automations", response_class=HTMLResponse)
def automations_page(request: Request) -> Response:
    """Automations with counts per step, the outbox and the dead letters."""
    from journeys.web.routes import _page

    ws = workspace_of(request)
    return _page(
        request,
        "automations.html",
        "automations",
        automations=views.summaries(ws),
        outbox=views.outbox(ws, None, 50),
        dead=views.dead_letters(ws),
    )


@pages.post("/automations/replay")
def automations_replay_page(request: Request) -> Response:
    """The page's replay button: every dead letter back in the outbox."""
    delivery.replay(workspace_of(request))
    return RedirectResponse("/automations", status_code=303)


async def _text(request: Request) -> str:
    body = await request.body()
    text = body.decode("utf-8", errors="replace")
    if "json" not in request.headers.get("content-type", ""):
        return text
    try:
        data = Automation.model_validate_json(text).model_dump(mode="json", exclude_defaults=True)
    except ValidationError:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, huge numbers, deep nests
            raise MalformedJson(f"the body is not JSON this server reads: {exc}") from exc
    buffer = io.StringIO()
    YAML().dump(data, buffer)
    return buffer.getvalue()
