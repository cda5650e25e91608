"""Customer and identity routes: the profile with its timeline, merges and unmerges."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from journeys.api.deps import workspace_of
from journeys.events import identity
from journeys.events.profiles import CustomerProfile, customer_profile

router = APIRouter(prefix="/api", tags=["customers"])


@router.get("/customers/{customer_id}", response_model=CustomerProfile)
def get_customer(
    request: Request,
    customer_id: str,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> CustomerProfile:
    """One customer by any of its ids: traits, ids, channels and the newest-first timeline."""
    return customer_profile(workspace_of(request).events.fresh_reader(), customer_id, limit, offset)


@router.get("/identity/merges", response_model=list[identity.Merge])
def list_merges(request: Request) -> list[identity.Merge]:
    """Every merge of two known customers, oldest first."""
    return identity.merges(workspace_of(request).events.fresh_reader())


@router.get("/identity/conflicts", response_model=list[identity.IdentityConflict])
def list_conflicts(request: Request) -> list[identity.IdentityConflict]:
    """Anonymous ids seen with a second known customer (never moved), oldest first."""
    return identity.conflicts(workspace_of(request).events.fresh_reader())


class UnmergeRequest(BaseModel):
    reason: str | None = None


@router.post("/identity/merges/{merge_id}/unmerge", response_model=identity.Merge)
async def unmerge(
    request: Request, merge_id: str, body: UnmergeRequest | None = None
) -> identity.Merge:
    """Undo a merge; the identity graph is rebuilt without it."""
    reason = body.reason if body else None
    return await run_in_threadpool(identity.unmerge, workspace_of(request).events, merge_id, reason)
