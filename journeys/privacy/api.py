"""``/api/gdpr``: export a customer (JSON or a zip of CSV), erase them, and the audit."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from journeys.api.deps import workspace_of
from journeys.privacy.audit import audit_log
from journeys.privacy.erase import erase_customer
from journeys.privacy.export import export_customer, export_zip
from journeys.privacy.model import AuditRecord, CustomerExport, EraseIn, ErasureReceipt
from journeys.security import audit
from journeys.security.http import actor_of
from journeys.workspace import Workspace

router = APIRouter(prefix="/api/gdpr", tags=["privacy"])


@router.get("/customers/{customer_id}", response_model=CustomerExport)
def get_export(request: Request, customer_id: str) -> CustomerExport:
    """Everything held about one customer, found by any of their ids."""
    return export_customer(workspace_of(request), customer_id)


@router.get("/customers/{customer_id}/export.zip", response_class=Response)
def get_export_zip(request: Request, customer_id: str) -> Response:
    """The same export as a zip with one CSV file per section."""
    data = export_zip(export_customer(workspace_of(request), customer_id))
    headers = {"Content-Disposition": 'attachment; filename="customer-export.zip"'}
    return Response(data, media_type="application/zip", headers=headers)


@router.post("/customers/{customer_id}/erase", response_model=ErasureReceipt)
def post_erase(request: Request, customer_id: str, body: EraseIn) -> ErasureReceipt:
    """Remove the customer from every store; the receipt holds counts, no personal data."""
    ws = workspace_of(request)
    receipt = erase_customer(ws, customer_id, body.reason)
    record_erasure(ws, actor_of(request), receipt)
    return receipt


def record_erasure(ws: Workspace, actor: str, receipt: ErasureReceipt) -> None:
    """Who erased whom (as the privacy audit's salted hash) goes to the audit log too."""
    target = f"customer:{receipt.id_hash}"
    detail = {"reason": receipt.reason, "events": receipt.events, "found": receipt.found}
    audit.record(ws, actor, "gdpr.erase", target, detail)


@router.get("/audit", response_model=list[AuditRecord])
def get_audit(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
) -> list[AuditRecord]:
    """The privacy audit, newest first."""
    return audit_log(workspace_of(request), limit, offset)
