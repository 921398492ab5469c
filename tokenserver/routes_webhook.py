"""`POST /api/livekit/webhook`: what LiveKit tells us about rooms and egress.

Verified with livekit-api's `WebhookReceiver` (a JWT signed with our API secret carrying the
body's SHA-256): unsigned or tampered deliveries get 401. LiveKit retries deliveries, so
every effect is idempotent: an egress is stored once per egress id, and `room_finished` only
moves an interview that is still created or live.

A room that closes while its interview is `live` either raced the agent's own end (the agent
is writing its summary, then `ended`) or outlived an agent that died (kill -9, OOM: nothing
ran its finalize). The handler waits up to AGENT_FINALIZE_GRACE_SECONDS for the agent; a
record still live without the agent's `summary` note after that is `failed` with
`FailureReason.AGENT_STOPPED` as its reason (the evals worker still reports on its partial
transcript).
LiveKit's webhook client has no overall timeout, so waiting in the request is safe, and a
token server restarted mid-wait gets the retried delivery.
"""

from __future__ import annotations

import asyncio
import logging
import time

from google.protobuf.json_format import ParseError
from livekit import api
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store import (
    EventKind,
    FailureReason,
    InterviewEvent,
    InterviewNotFound,
    InterviewRecord,
    InterviewStatus,
    InvalidTransition,
    Recording,
    RecordingKind,
)

from . import prometheus_metrics
from .app_context import AppContext
from .errors import ApiError

logger = logging.getLogger("tokenserver.webhook")

_GRACE_POLL_S = 0.25

_FAILED_EGRESS = {
    api.EgressStatus.EGRESS_FAILED,
    api.EgressStatus.EGRESS_ABORTED,
}


def routes(ctx: AppContext) -> list[BaseRoute]:
    receiver = api.WebhookReceiver(
        api.TokenVerifier(
            ctx.settings.livekit_api_key, ctx.settings.livekit_api_secret.get_secret_value()
        )
    )

    async def webhook(request: Request) -> Response:
        prometheus_metrics.webhook_received()
        auth = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not auth:
            prometheus_metrics.webhook_failed("signature")
            raise ApiError(401, "Missing webhook signature (Authorization header).")
        raw = await request.body()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            prometheus_metrics.webhook_failed("bad_body")
            raise ApiError(400, "The webhook body is not UTF-8 JSON.") from None
        try:
            event = receiver.receive(body, auth)
        except ParseError:
            prometheus_metrics.webhook_failed("bad_body")
            raise ApiError(400, "The webhook body is not a LiveKit event.") from None
        except Exception:  # jwt errors, "hash mismatch", missing sha256
            prometheus_metrics.webhook_failed("signature")
            logger.warning("webhook signature rejected")
            raise ApiError(401, "Invalid webhook signature.") from None
        try:
            outcome = await _handle(ctx, event)
        except Exception:
            prometheus_metrics.webhook_failed("handler_error")
            raise
        logger.info(
            "webhook",
            extra={"event": event.event, "event_id": event.id, "outcome": outcome},
        )
        return JSONResponse({"ok": True, "outcome": outcome})

    return [Route("/livekit/webhook", webhook, methods=["POST"])]


async def _handle(ctx: AppContext, event: api.WebhookEvent) -> str:
    if event.event == "egress_ended":
        return await _egress_ended(ctx, event.egress_info)
    if event.event == "room_finished":
        return await _room_finished(ctx, event.room.name)
    return "ignored"


async def _egress_ended(ctx: AppContext, info: api.EgressInfo) -> str:
    record = await ctx.store.get_by_room(info.room_name)
    if record is None:
        return "unknown_room"
    if any(r.egress_id == info.egress_id for r in record.recordings):
        return "duplicate"
    files = list(info.file_results) or ([info.file] if info.HasField("file") else [])
    if info.status in _FAILED_EGRESS or not files:
        recording = Recording(
            kind=RecordingKind.EGRESS,
            status="failed",
            egress_id=info.egress_id,
            error=info.error or f"{api.EgressStatus.Name(info.status)} without a file",
        )
    else:
        # EGRESS_LIMIT_REACHED still leaves a usable (truncated) file: keep it, note why
        file = files[0]
        recording = Recording(
            kind=RecordingKind.EGRESS,
            status="complete",
            egress_id=info.egress_id,
            location=file.location or file.filename,
            duration_s=file.duration / 1e9 if file.duration else None,
            error=info.error or None,
        )
    try:
        await ctx.store.add_recording(record.id, recording)
    except InterviewNotFound:
        return "unknown_room"  # deleted meanwhile
    return f"recording_{recording.status}"


async def _room_finished(ctx: AppContext, room_name: str) -> str:
    record = await ctx.store.get_by_room(room_name)
    if record is None:
        return "unknown_room"
    if record.status == InterviewStatus.LIVE:
        record = await _await_agent_end(ctx, record)
        if record is None:
            return "unknown_room"  # deleted meanwhile
    agent_died = record.status == InterviewStatus.LIVE and not _agent_summarized(record)
    status = InterviewStatus.FAILED if agent_died else InterviewStatus.ENDED
    try:  # the store owns which statuses may end; the agent may have got there first
        await ctx.store.set_status(
            record.id, status, reason=FailureReason.AGENT_STOPPED if agent_died else None
        )
    except InvalidTransition as e:
        return "already_" + e.current.value
    except InterviewNotFound:
        return "unknown_room"  # deleted meanwhile
    await ctx.store.append_event(
        record.id,
        InterviewEvent(
            kind=EventKind.NOTE,
            at=time.time(),
            data={"note": "room_finished", "by": "livekit_webhook"},
        ),
    )
    if agent_died:
        logger.warning(
            "live interview's agent never finished it", extra={"interview_id": record.id}
        )
    return status.value


def _agent_summarized(record: InterviewRecord) -> bool:
    """The agent's finalize writes its `summary` note first and `ended` last."""
    return any(e.kind == EventKind.NOTE and e.data.get("note") == "summary" for e in record.events)


async def _await_agent_end(ctx: AppContext, record: InterviewRecord) -> InterviewRecord | None:
    """Re-read a live record until the agent ended it or the grace runs out (the latest
    read is returned; None when it was deleted meanwhile)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.settings.agent_finalize_grace_seconds
    current: InterviewRecord | None = record
    while current is not None and current.status == InterviewStatus.LIVE:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await asyncio.sleep(min(_GRACE_POLL_S, remaining))
        current = await ctx.store.get(record.id)
    return current
