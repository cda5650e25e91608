"""The ASGI application: tracking API, customer API, and the web UI, over one workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from journeys import __version__, background, config
from journeys.analytics import sequences
from journeys.api import hardening
from journeys.errors import JourneysError
from journeys.events.queue import IngestQueue, background_loader
from journeys.feedback.surveys.triggers import dispatch
from journeys.feedback.tickets.tasks import periodic_escalation
from journeys.loyalty.earning import run_earning
from journeys.orchestration.automations.tasks import tick as automations_tick
from journeys.prediction.service import score_all
from journeys.privacy.retention import apply_retention, retention_interval
from journeys.security.http import AuditMiddleware, Unauthenticated, authorise
from journeys.store.operational import OperationalStore
from journeys.store.parquet_export import export_configured, export_interval
from journeys.workspace import Workspace

STATIC = Path(__file__).parent.parent / "web" / "static"


def create_app(workspace: Workspace) -> FastAPI:
    """Build the application; the workspace's stores are opened at start-up, closed at exit."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workspace.events  # noqa: B018 - open the event log (and run its consumers) at start-up
        # While serving: overdue tickets escalate, survey triggers turn into invitations, events
        # earn points and move automations, models re-score, old events expire.
        async with (
            periodic_escalation(workspace),
            background.every(
                float(config.get("survey_dispatch_seconds")),
                "survey trigger dispatch",
                lambda: dispatch(workspace),
            ),
            background.every(
                float(config.get("loyalty_earn_seconds")),
                "loyalty earning",
                lambda: run_earning(workspace, upkeep_seconds=60),
            ),
            background.every(
                float(config.get("automation_seconds")),
                "automations",
                lambda: automations_tick(workspace),
                # New events wake the engine at once: actions follow events within moments.
                wake=background.EventWake(workspace.events),
            ),
            background.every(
                float(config.get("prediction_refresh_seconds")),
                "prediction scores",
                lambda: score_all(workspace),
            ),
            background.every(retention_interval(), "retention", lambda: apply_retention(workspace)),
            background.every(
                export_interval(workspace), "parquet export", lambda: export_configured(workspace)
            ),
            background.every(
                float(config.get("sequences_refresh_seconds")),
                "customer sequences",
                lambda: sequences.keep(workspace),
            ),
            background_loader(workspace),  # queued tracking calls, when ingest_queue is set
        ):
            yield
        workspace.close()

    app = FastAPI(
        title="Journeys",
        version=__version__,
        summary="Customer journey management: tracking API (Segment-compatible) and customers.",
        lifespan=lifespan,
        # Every route is checked against the route policy (journeys/security/policy.py).
        dependencies=[Depends(authorise)],
        # FastAPI's docs pages load Swagger UI and ReDoc from a CDN: /docs serves it from here.
        docs_url=None,
        redoc_url=None,
    )
    hardening.install(app)
    app.state.workspace = workspace
    app.add_middleware(AuditMiddleware)
    app.add_exception_handler(JourneysError, _journeys_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)

    from journeys.analytics import registry
    from journeys.analytics.risk import api as risk_api
    from journeys.api import customers, tracking
    from journeys.feedback.surveys import api as surveys_api
    from journeys.feedback.surveys import web as surveys_web
    from journeys.feedback.tickets import api as tickets_api
    from journeys.feedback.tickets import web as tickets_web
    from journeys.loyalty import api as loyalty_api
    from journeys.loyalty import web as loyalty_web
    from journeys.maps import api as journeys_api
    from journeys.orchestration import api as orchestration_api
    from journeys.orchestration.automations import api as automations_api
    from journeys.prediction import api as prediction_api
    from journeys.prediction import web as prediction_web
    from journeys.privacy import api as privacy_api
    from journeys.privacy import consent_api
    from journeys.privacy import web as privacy_web
    from journeys.security import api as security_api
    from journeys.security import web as security_web
    from journeys.web import analyse as web_analyse
    from journeys.web import customers as web_customers
    from journeys.web import routes as web

    app.include_router(tracking.router)
    app.include_router(customers.router)
    app.include_router(journeys_api.router)
    app.include_router(web.router)
    app.include_router(web_customers.router)
    app.include_router(web_analyse.router)
    app.include_router(surveys_api.router)
    app.include_router(surveys_web.router)
    app.include_router(tickets_api.router)
    app.include_router(tickets_web.router)
    app.include_router(loyalty_api.router)
    app.include_router(loyalty_web.router)
    app.include_router(orchestration_api.router)
    app.include_router(orchestration_api.pages)
    app.include_router(automations_api.router)
    app.include_router(automations_api.pages)
    app.include_router(prediction_api.router)
    app.include_router(risk_api.router)
    app.include_router(prediction_web.router)
    app.include_router(privacy_api.router)
    app.include_router(privacy_web.router)
    app.include_router(consent_api.router)
    app.include_router(security_api.router)
    app.include_router(security_web.router)
    for router in registry.api_routers() + registry.web_routers():
        app.include_router(router)
    app.add_route("/docs", _api_docs, include_in_schema=False)  # public, as /openapi.json is
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


async def _api_docs(request: Request) -> Response:
    """The API docs page: Swagger UI, installed at set-up, over ``/openapi.json``."""
    from journeys.web.routes import templates

    context = {"openapi_url": request.app.openapi_url}
    return templates.TemplateResponse(request, "api_docs.html", context)


def create_tracking_app(operational: OperationalStore, queue: IngestQueue) -> FastAPI:
    """The tracking API alone (``/v1``), appending to the ingest queue: no workspace folder,
    no event log. Write keys come from ``operational``, shared by every process."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        queue.close()
        operational.close()

    from journeys.api import tracking

    app = FastAPI(
        title="Journeys tracking",
        version=__version__,
        summary="The Segment-compatible tracking API, in front of the ingest queue.",
        lifespan=lifespan,
        dependencies=[Depends(authorise)],  # every route is /v1, public by the route policy
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    hardening.install(app)
    app.state.operational = operational
    app.state.ingest_queue = queue
    # API clients only: every error is JSON (the web UI's error page needs a workspace).
    app.add_exception_handler(JourneysError, _tracking_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _tracking_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _tracking_unexpected)
    app.include_router(tracking.queue_router)
    return app


async def _tracking_error(request: Request, exc: JourneysError) -> Response:
    return JSONResponse(exc.to_dict(), status_code=exc.status)


async def _tracking_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    phrase = _phrase(exc.status_code)
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    message = f"{request.method} {request.url.path}: {phrase} (this server takes /v1 only)"
    body = {"error": {"code": code, "message": message, "details": None}}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _tracking_unexpected(request: Request, exc: Exception) -> Response:
    body = {"error": {"code": "internal", "message": "internal error", "details": None}}
    return JSONResponse(body, status_code=500)


def wants_html(request: Request) -> bool:
    """Whether the caller is a browser asking for a page rather than an API client."""
    path = request.url.path
    if path.startswith(("/api/", "/v1/")):
        return False
    return "text/html" in request.headers.get("accept", "")


async def _journeys_error(request: Request, exc: JourneysError) -> Response:
    if isinstance(exc, Unauthenticated):
        if wants_html(request):  # a browser goes to the sign-in page and comes back after
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        challenge = {"WWW-Authenticate": 'Bearer realm="journeys"'}
        return _error(request, exc.status, exc.code, exc.message, exc.details, challenge)
    return _error(request, exc.status, exc.code, exc.message, exc.details)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    # Raised by Starlette's routing (no such path, wrong method), so not a JourneysError.
    status, path = exc.status_code, request.url.path
    phrase = _phrase(status)
    code = phrase.lower().replace(" ", "_").replace("-", "_")  # not_found, method_not_allowed
    ours = {404: f"there is nothing at {path}", 405: f"{request.method} is not allowed on {path}"}
    message = str(exc.detail) if exc.detail != phrase else ours.get(status, phrase)
    return _error(request, status, code, message, None, exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    details = [
        {"field": ".".join(str(p) for p in e["loc"][1:]) or e["loc"][0], "message": e["msg"]}
        for e in exc.errors()
    ]
    message = "the request is not valid: " + "; ".join(
        f"{d['field']}: {d['message']}" for d in details
    )
    return _error(request, 422, "invalid_input", message, details)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Never a stack trace to a client: the server's log has it.
    return _error(request, 500, "internal", "internal error", None)


def _error(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The one error shape: an HTML page for a browser, ``{"error": ...}`` for an API client."""
    if wants_html(request):
        from journeys.web.routes import status_page

        return status_page(request, status, code, message, details, headers)
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"
