"""The ASGI application: tracking API, customer API, and the web UI, over one workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from journeys import __version__
from journeys.errors import JourneysError
from journeys.workspace import Workspace

STATIC = Path(__file__).parent.parent / "web" / "static"


def create_app(workspace: Workspace) -> FastAPI:
    """Build the application; the workspace's stores are opened at start-up, closed at exit."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workspace.events  # noqa: B018 - open the event log (and run its consumers) at start-up
        yield
        workspace.close()

    app = FastAPI(
        title="Journeys",
        version=__version__,
        summary="Customer journey management: tracking API (Segment-compatible) and customers.",
        lifespan=lifespan,
    )
    app.state.workspace = workspace
    app.add_exception_handler(JourneysError, _journeys_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)

    from journeys.api import customers, tracking
    from journeys.web import customers as web_customers
    from journeys.web import routes as web

    app.include_router(tracking.router)
    app.include_router(customers.router)
    app.include_router(web.router)
    app.include_router(web_customers.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def wants_html(request: Request) -> bool:
    """Whether the caller is a browser asking for a page rather than an API client."""
    path = request.url.path
    if path.startswith(("/api/", "/v1/")):
        return False
    return "text/html" in request.headers.get("accept", "")


async def _journeys_error(request: Request, exc: JourneysError) -> Response:
    if wants_html(request):
        from journeys.web.routes import error_page

        return error_page(request, exc)
    return JSONResponse(exc.to_dict(), status_code=exc.status)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    details = [
        {"field": ".".join(str(p) for p in e["loc"][1:]) or e["loc"][0], "message": e["msg"]}
        for e in exc.errors()
    ]
    err = JourneysError(
        "the request is not valid: " + "; ".join(f"{d['field']}: {d['message']}" for d in details),
        details,
    )
    body = {"error": {"code": "invalid_input", "message": err.message, "details": details}}
    return JSONResponse(body, status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Never a stack trace to a client: the log has it.
    body = {"error": {"code": "internal", "message": "internal error", "details": None}}
    return JSONResponse(body, status_code=500)
