"""HTTP hardening: security headers, a body-size limit and a request rate per write key.

``install(app)`` wraps the whole application (outside Starlette's error middleware, so error
pages get the headers too) in one pure ASGI middleware that

* adds security headers to every response: a strict Content-Security-Policy (no inline
  scripts, nothing from other origins), ``X-Content-Type-Options``, ``X-Frame-Options``,
  ``Referrer-Policy``, ``Cross-Origin-Opener-Policy``, ``Permissions-Policy``;
  ``Strict-Transport-Security`` when the request came over https; ``Cache-Control: no-store``
  on ``/api/``. The hosted survey form (``/s/…``) may be framed by the sites listed in
  ``survey_frame_ancestors``. The API docs page (``/docs``) is held to the same policy: its
  Swagger UI is installed at set-up like every other front-end library;
* refuses bodies over ``max_request_bytes`` (413) on every route but the tracking API, which
  has its own limits: at once when Content-Length says so, else as soon as the streamed body
  passes the limit.

The tracking API asks ``throttle`` before it reads a body: a token bucket per write key
(``ingest_rate_per_second``, ``ingest_burst``) answers 429 with ``Retry-After`` when empty.
Settings are read once, when the application is built.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from journeys import config
from journeys.errors import JourneysError, PayloadTooLarge

Headers = list[tuple[bytes, bytes]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = (b"strict-transport-security", b"max-age=31536000")
NO_STORE = (b"cache-control", b"no-store")
TRACKING_PREFIX = "/v1/"


class RateLimited(JourneysError):
    """Too many requests for one write key; ``retry_after`` whole seconds to wait."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class TokenBuckets:
    """A token bucket per key: ``rate`` tokens a second, at most ``burst``; thread-safe.

    A key seen for the first time starts with a full bucket. Memory stays bounded: past
    ``max_keys`` buckets, the full ones (as good as absent) are dropped; if that many keys are
    all busy at once, the first half seen is forgotten (their buckets start full again).
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, time of last refill]
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 if there was one, else the seconds until there is."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._max_keys:
                    self._prune(now)
                self._buckets[key] = [self.burst - 1.0, now]
                return 0.0
            tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
            if tokens >= 1.0:
                bucket[0] = tokens - 1.0
                return 0.0
            bucket[0] = tokens
            return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = [
            k
            for k, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate >= self.burst
        ]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self._max_keys:  # that many keys busy at once: forget half
            for k in list(self._buckets)[: len(self._buckets) - self._max_keys // 2]:
                del self._buckets[k]


def throttle(request: Request, write_key: str) -> None:
    """Count one request of ``write_key``; raise ``RateLimited`` when its bucket is empty."""
    limiter: TokenBuckets | None = getattr(request.app.state, "ingest_limiter", None)
    if limiter is None:
        return
    wait = limiter.take(write_key)
    if wait > 0.0:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(
            f"too many requests for this write key (at most {limiter.rate:g} a second, "
            f"bursts of {limiter.burst:g}); retry in {seconds} s",
            seconds,
        )


def install(app: FastAPI) -> None:
    """Harden ``app``: the middleware outermost, the write-key limiter, the 429 response."""
    rate = float(config.get("ingest_rate_per_second"))
    app.state.ingest_limiter = (
        TokenBuckets(rate, float(config.get("ingest_burst"))) if rate > 0 else None
    )
    app.add_exception_handler(RateLimited, _rate_limited)  # type: ignore[arg-type]
    limit = config.get_int("max_request_bytes")
    ancestors = config.get("survey_frame_ancestors")
    build = app.build_middleware_stack

    def hardened_stack() -> ASGIApp:
        return Hardening(build(), max_request_bytes=limit, survey_frame_ancestors=ancestors)

    # Outside Starlette's ServerErrorMiddleware, so the 500 page carries the headers as well.
    setattr(app, "build_middleware_stack", hardened_stack)  # noqa: B010 - mypy: no method assign


async def _rate_limited(request: Request, exc: RateLimited) -> Response:
    return JSONResponse(
        exc.to_dict(), status_code=exc.status, headers={"Retry-After": str(exc.retry_after)}
    )


def _headers(csp: str, frame_deny: bool) -> Headers:
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", PERMISSIONS.encode()),
    ]
    if frame_deny:
        headers.append((b"x-frame-options", b"DENY"))
    return headers


class _TooLarge(Exception):
    """The streamed request body passed the limit (raised from ``receive``)."""


class Hardening:
    """The ASGI middleware: security headers on every response, a body-size limit."""

    def __init__(self, app: ASGIApp, max_request_bytes: int, survey_frame_ancestors: str) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.pages = _headers(CSP, frame_deny=True)
        self.api = [*self.pages, NO_STORE]
        # "*" leaves frame-ancestors out: a CSP "*" would still refuse pages of opaque origin.
        survey_csp = CSP.replace(
            "; frame-ancestors 'none'",
            ""
            if survey_frame_ancestors.strip() == "*"
            else f"; frame-ancestors {survey_frame_ancestors}",
        )
        self.survey = _headers(survey_csp, frame_deny=False)
        self.names = frozenset(name for name, _ in [*self.api, HSTS])

    def headers_for(self, scope: Scope) -> Headers:
        """The headers a response to this request gets."""
        path: str = scope["path"]
        if path.startswith("/api/"):
            headers = self.api
        elif path.startswith("/s/"):
            headers = self.survey
        else:
            headers = self.pages
        return [*headers, HSTS] if scope.get("scheme") == "https" else headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope)
        started = False

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                own = [h for h in message.get("headers", ()) if h[0].lower() not in self.names]
                message["headers"] = own + extra
            await send(message)

        if scope["path"].startswith(TRACKING_PREFIX):  # the tracking API limits its own bodies
            await self.app(scope, receive, secured_send)
            return
        limit = self.max_request_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(
                scope, f"the body is {declared} bytes; the limit is {limit}", secured_send
            )
            return
        received = 0
        over = False

        async def counted_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if not over:  # once the body is refused, the app's own answer is dropped
                await secured_send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _TooLarge:
            pass
        except Exception:
            if not over:
                raise
        if over and not started:
            await _too_large(scope, f"the body is over the limit of {limit} bytes", secured_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _too_large(scope: Scope, message: str, send: Send) -> None:
    """Answer 413 in the project's error shape (a page for a browser, JSON for a client)."""
    from journeys.api.app import wants_html
    from journeys.web.routes import status_page

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    request = Request(scope, nothing)
    error = PayloadTooLarge(message)
    response: Response
    if wants_html(request):
        response = status_page(request, error.status, error.code, error.message)
    else:
        response = JSONResponse(error.to_dict(), status_code=error.status)
    response.headers["connection"] = "close"  # the rest of the body is not read
    await response(scope, nothing, send)
