"""The tracking API, compatible with the Segment HTTP tracking spec.

``POST /v1/{track,identify,page,screen,group,alias}`` take one message, ``POST /v1/batch``
takes ``{"batch": [...], "sentAt", "writeKey"}``. The write key comes as HTTP Basic auth
user name (empty password), as Segment's libraries send it, or as ``writeKey`` in the body.
A call succeeds only after its events are durably committed. In a batch, bad items are
refused one by one (``errors``, each naming the item's index and field) and the good ones kept.
Each write key may make ``ingest_rate_per_second`` requests a second in bursts of
``ingest_burst`` (429 past that), counted before the body is read when the key comes in the
Authorization header.

Behind a load balancer, ``journeys serve-tracking`` serves the same calls from
``queue_router`` (``create_tracking_app``): write keys are checked in the shared operational
store and the good events are appended to the ingest queue (``events/queue.py``) instead of
the event log; a call is acknowledged once its events are committed there.
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, TypeAdapter, ValidationError

from journeys import config
from journeys.api.deps import workspace_of
from journeys.api.hardening import throttle
from journeys.errors import MalformedJson, PayloadTooLarge, Unauthorized
from journeys.events.ingest import IngestResult, ingest
from journeys.events.queue import IngestQueue
from journeys.store.operational import OperationalStore, Source

router = APIRouter(prefix="/v1", tags=["tracking"])
queue_router = APIRouter(prefix="/v1", tags=["tracking"])
MessageType = Literal["track", "identify", "page", "screen", "group", "alias"]
_SENT_AT = TypeAdapter(datetime | None)


class Health(BaseModel):
    status: str
    last_seq: int


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """Liveness, and the highest committed sequence number of the event log."""
    workspace = workspace_of(request)
    return Health(status="ok", last_seq=workspace.events.last_seq)


class QueueHealth(BaseModel):
    status: str


@queue_router.get("/health", response_model=QueueHealth)
async def queue_health(request: Request) -> QueueHealth:
    """Liveness of a tracking process: its ingest queue answers (503 if not)."""
    queue: IngestQueue = request.app.state.ingest_queue
    await run_in_threadpool(queue.ping)
    return QueueHealth(status="ok")


async def batch(request: Request) -> IngestResult:
    """Store a batch of messages; bad items are refused one by one, the good ones kept."""
    _throttle_header_key(request)
    body = await _json_body(request, config.get_int("max_batch_bytes"))
    items = body.get("batch")
    if not isinstance(items, list):
        raise MalformedJson("a batch body needs a 'batch' list of messages")
    return await _ingest(request, body, items)


async def single(request: Request, message_type: MessageType) -> IngestResult:
    """Store one message of the type named by the path."""
    _throttle_header_key(request)
    body = await _json_body(request, config.get_int("max_event_bytes"))
    body["type"] = message_type
    return await _ingest(request, body, [body])


# The same calls on both routers (added route by route: the route policy looks routes up by
# their full template, which a router included in a router does not give).
for _router in (router, queue_router):
    _router.add_api_route("/batch", batch, methods=["POST"], response_model=IngestResult)
    _router.add_api_route("/{message_type}", single, methods=["POST"], response_model=IngestResult)


async def _ingest(request: Request, body: dict[str, Any], items: list[Any]) -> IngestResult:
    queue: IngestQueue | None = getattr(request.app.state, "ingest_queue", None)
    source = _source(request, _operational(request), body)
    try:
        sent_at = _SENT_AT.validate_python(body.get("sentAt"))
    except ValidationError:
        sent_at = None  # a bad sentAt only loses the clock-skew correction
    limit = config.get_int("max_event_bytes")
    if queue is not None:
        return await run_in_threadpool(queue.accept, source, items, sent_at, limit)
    events = workspace_of(request).events
    return await run_in_threadpool(ingest, events, source, items, sent_at, limit)


def _operational(request: Request) -> OperationalStore:
    """Where write keys are looked up: the tracking process's store, else the workspace's."""
    store: OperationalStore | None = getattr(request.app.state, "operational", None)
    return store if store is not None else workspace_of(request).operational


def _throttle_header_key(request: Request) -> None:
    """The rate limit of a key sent in the Authorization header, before the body is read."""
    key = _basic_user(request.headers.get("authorization"))
    if key:
        throttle(request, key)


def _source(request: Request, operational: OperationalStore, body: dict[str, Any]) -> Source:
    key = _basic_user(request.headers.get("authorization"))
    if not key:
        key = body.get("writeKey")
        if not key or not isinstance(key, str):
            raise Unauthorized(
                "no write key: send it as the HTTP Basic auth user name or as 'writeKey'"
            )
        throttle(request, key)  # only known once the body is read
    source = operational.source_for_key(key)
    if source is None:
        raise Unauthorized("unknown write key")
    return source


def _basic_user(header: str | None) -> str | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except ValueError:
        return None
    return decoded.split(":", 1)[0] or None


async def _json_body(request: Request, limit: int) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:  # refuse before reading
        raise PayloadTooLarge(f"the body is {declared} bytes; the limit here is {limit}")
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding not in ("identity", "gzip"):
        raise MalformedJson(f"unsupported Content-Encoding {encoding!r}; send identity or gzip")
    # The limit applies to the JSON itself, so a gzip body is measured as it is inflated and
    # reading stops as soon as the limit is passed (no decompression bombs).
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    chunks, size = [], 0
    async for raw in request.stream():
        try:
            chunk = inflater.decompress(raw, limit + 1 - size) if inflater else raw
        except zlib.error as exc:
            raise MalformedJson(f"the gzip body is corrupt: {exc}") from exc
        size += len(chunk)
        if size > limit or (inflater is not None and inflater.unconsumed_tail):
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks))
    except ValueError as exc:  # not JSON, not UTF-8, or an integer of over 4,300 digits
        raise MalformedJson(f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # [[[[…]]]] nested deeper than the parser goes
        raise MalformedJson("the body is not valid JSON: nested too deeply") from exc
    if not isinstance(body, dict):
        raise MalformedJson("the body must be a JSON object")
    return body
