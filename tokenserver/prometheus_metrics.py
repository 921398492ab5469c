"""Prometheus metrics of the token server, served at `GET /metrics`.

Why a route on the app rather than a second port: the token server is one uvicorn process
(`python -m tokenserver`), so the default registry already holds everything and the port
Prometheus must reach is the one the deployment exposes anyway. The metrics carry counts
only (no interview ids, rooms or addresses); restrict `/metrics` to the monitoring network at
the proxy if the server faces the internet.

Webhook failures matter because LiveKit's webhooks are how an interview whose agent died
still ends (`room_finished`) and how the recording is attached (`egress_ended`): a rejected
signature (a rotated API secret not rolled out here) or a failing handler (database down)
silently loses both. Every label value exists from start-up (`increase()` only counts a
change between two samples, so a series born with its first error would hide that error).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

WEBHOOK_FAILURE_REASONS = ("signature", "bad_body", "handler_error")

WEBHOOKS_RECEIVED = Counter(
    "interview_webhooks_received_total",
    "LiveKit webhook deliveries received by the token server (verified or not).",
)
WEBHOOK_FAILURES = Counter(
    "interview_webhook_failures_total",
    "LiveKit webhook deliveries not applied: signature = missing or invalid signature (401), "
    "bad_body = not a LiveKit event (400), handler_error = the handler raised (500, LiveKit "
    "retries).",
    ["reason"],
)
for _reason in WEBHOOK_FAILURE_REASONS:
    WEBHOOK_FAILURES.labels(reason=_reason)


def webhook_received() -> None:
    WEBHOOKS_RECEIVED.inc()


def webhook_failed(reason: str) -> None:
    WEBHOOK_FAILURES.labels(
        reason=reason if reason in WEBHOOK_FAILURE_REASONS else "handler_error"
    ).inc()


async def _metrics(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def routes() -> list[Route]:
    return [Route("/metrics", _metrics, methods=["GET"])]
