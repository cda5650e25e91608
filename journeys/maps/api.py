"""``/api/journeys``: read the journeys, and publish a journey file over HTTP.

A journey is a YAML file in the workspace's ``journeys/`` folder (journeys as code). ``PUT``
checks the text like ``journeys validate`` does, refuses it with the line and field of every
problem, and replaces the file in one atomic rename; the change goes to the audit log with
the caller's name (see docs/security.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from journeys.api.deps import workspace_of
from journeys.errors import InvalidInput, JourneyFileInvalid
from journeys.maps.loader import load_journey, load_journey_text
from journeys.maps.model import Journey
from journeys.workspace import Workspace

router = APIRouter(prefix="/api/journeys", tags=["journeys"])
MAX_FILE_BYTES = 1_000_000


class JourneySummary(BaseModel):
    id: str
    name: str
    stages: int
    touchpoints: int


@router.get("", response_model=list[JourneySummary])
def list_journeys(request: Request) -> list[JourneySummary]:
    """Every journey of the workspace."""
    return [
        JourneySummary(
            id=j.id, name=j.name, stages=len(j.stages), touchpoints=len(list(j.touchpoints()))
        )
        for j in workspace_of(request).journeys()
    ]


@router.get("/{journey_id}", response_model=Journey)
def get_journey(request: Request, journey_id: str) -> Journey:
    """One journey, validated, as JSON."""
    return workspace_of(request).journey(journey_id)


@router.put("/{journey_id}", response_model=Journey)
async def put_journey(request: Request, journey_id: str) -> Journey:
    """Publish a journey file (YAML in the body): checked first, then written atomically."""
    body = await request.body()
    if len(body) > MAX_FILE_BYTES:
        raise InvalidInput(f"a journey file may have at most {MAX_FILE_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the journey file is not UTF-8: {exc}") from exc
    return await run_in_threadpool(save_journey_text, workspace_of(request), journey_id, text)


def save_journey_text(ws: Workspace, journey_id: str, text: str) -> Journey:
    """Check a journey's YAML and write it to the file that holds that id (or ``<id>.yaml``)."""
    journey = load_journey_text(text, f"{journey_id}.yaml")
    if journey.id != journey_id:
        raise InvalidInput(f"the file's id is {journey.id!r}, but it was sent to {journey_id!r}")
    target = _file_of(ws, journey_id) or ws.journeys_dir / f"{journey_id}.yaml"
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
    return journey


def _file_of(ws: Workspace, journey_id: str) -> Path | None:
    for path in ws.journey_files():
        try:
            if load_journey(path).id == journey_id:
                return path
        except JourneyFileInvalid:
            continue
    return None
