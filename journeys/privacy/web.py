"""The privacy page for admins: export a customer, erase them, and the privacy audit."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from journeys.api.deps import workspace_of
from journeys.errors import InvalidInput, JourneysError
from journeys.privacy.api import record_erasure
from journeys.privacy.audit import audit_log
from journeys.privacy.erase import erase_customer
from journeys.privacy.export import export_customer, export_zip
from journeys.security.http import actor_of
from journeys.web.routes import _page

router = APIRouter(include_in_schema=False)


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(request: Request) -> Response:
    """Forms for an export and an erasure, and the privacy audit."""
    return _privacy(request)


@router.get("/privacy/export")
def privacy_export(
    request: Request,
    customer: str = Query(min_length=1, max_length=200),
    fmt: Literal["json", "csv"] = Query("json", alias="format"),
) -> Response:
    """Everything held about one customer, as a JSON file or a zip of CSV files."""
    export = export_customer(workspace_of(request), customer)
    if fmt == "csv":
        headers = {"Content-Disposition": 'attachment; filename="customer-export.zip"'}
        return Response(export_zip(export), media_type="application/zip", headers=headers)
    headers = {"Content-Disposition": 'attachment; filename="customer-export.json"'}
    return Response(
        export.model_dump_json(indent=2), media_type="application/json", headers=headers
    )


@router.post("/privacy/erase", response_class=HTMLResponse)
async def privacy_erase(
    request: Request,
    customer: Annotated[str, Form(min_length=1, max_length=200)],
    reason: Annotated[str, Form(max_length=500)] = "",
    confirm: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Erase a customer once the id is typed twice, with a reason for the audit."""
    ws = workspace_of(request)
    try:
        if not reason.strip():
            raise InvalidInput("give a reason: it is kept in the audit")
        if confirm != customer:
            raise InvalidInput("type the customer's id a second time to confirm the erasure")
        receipt = await run_in_threadpool(erase_customer, ws, customer, reason.strip())
    except JourneysError as exc:
        return _privacy(request, error=exc.message, status_code=exc.status)
    await run_in_threadpool(record_erasure, ws, actor_of(request), receipt)
    if not receipt.found:
        return _privacy(request, message="Nothing was held about that id.")
    return _privacy(request, message=f"Erased: {receipt.events} events and every other record.")


def _privacy(request: Request, status_code: int = 200, **context: object) -> Response:
    entries = audit_log(workspace_of(request), 50, 0)
    return _page(
        request, "privacy.html", "admin", status_code=status_code, entries=entries, **context
    )
