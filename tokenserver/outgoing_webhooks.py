"""Outgoing webhooks: `interview.completed` and `interview.evaluated` POSTed to the URLs an
admin configured, signed, retried with back-off, every attempt in the delivery log.

The events come from an outbox (`PeopleStore.enqueue_new_events`) filled from the interview
table, not from in-process callbacks: the evals worker (another process) is the one that
evaluates, and a token server that restarts mid-retry picks up where it stopped.

Signature (Stripe-style, so receivers can reuse what they know):
`X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
A receiver recomputes it over the raw body and rejects timestamps older than a few minutes
(replay). `X-Webhook-Event` names the event, `X-Webhook-Delivery` the delivery (idempotency).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from interview_store.people_store import DueDelivery, PeopleStore

logger = logging.getLogger("tokenserver.webhooks_out")

SIGNATURE_HEADER = "X-Webhook-Signature"
MAX_BACKOFF = timedelta(hours=1)


class WebhookUrlError(ValueError):
    """A URL that may not receive webhooks (the message says why)."""


@dataclass(frozen=True, kw_only=True)
class DeliveryOptions:
    timeout_s: float
    max_attempts: int
    backoff_s: float
    allow_private: bool


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL as stored, or WebhookUrlError: http(s) only, a host, no credentials, and (unless
    allowed) not a loopback, private or link-local address (a webhook must not become a way
    to reach the server's own network)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise WebhookUrlError("the URL must start with https:// (or http://)")
    if not parts.hostname:
        raise WebhookUrlError("the URL has no host")
    if parts.username or parts.password:
        raise WebhookUrlError("put no credentials in the URL; verify the signature instead")
    if not allow_private and _private_literal(parts.hostname):
        raise WebhookUrlError(
            "the URL points at a loopback, private or link-local address "
            "(set WEBHOOK_ALLOW_PRIVATE_URLS for on-premises receivers)"
        )
    return url


def _private_literal(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        return _private(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return False


def _private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


async def _resolves_private(host: str) -> bool:
    """Checked again at send time: a public name may resolve to a private address."""
    if _private_literal(host):
        return True
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the POST fails and is retried like any unreachable receiver
    return any(_private(ipaddress.ip_address(str(info[4][0]))) for info in infos)


class WebhookSender:
    def __init__(self, *, people: PeopleStore, options: DeliveryOptions) -> None:
        self._people = people
        self._options = options
        self._client: httpx.AsyncClient | None = None
        """Made on first use, inside the event loop that will use it."""

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # no redirects: a receiver must not bounce the signed body somewhere else
            self._client = httpx.AsyncClient(
                timeout=self._options.timeout_s, follow_redirects=False, trust_env=False
            )
        return self._client

    async def run_once(self) -> int:
        """Fill the outbox and attempt every due delivery once; returns attempts made."""
        now = datetime.now(UTC)
        await self._people.enqueue_new_events(now=now)
        due = await self._people.due_deliveries(now=now)
        for delivery in due:
            await self._attempt(delivery)
        return len(due)

    async def _attempt(self, delivery: DueDelivery) -> None:
        body = json.dumps(
            {**delivery.payload, "delivery": delivery.seq}, separators=(",", ":")
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "mock-interview-webhooks/1",
            "X-Webhook-Event": delivery.event.value,
            "X-Webhook-Delivery": str(delivery.seq),
            SIGNATURE_HEADER: sign(delivery.secret, body, timestamp=int(time.time())),
        }
        status: int | None = None
        error: str | None = None
        host = urlsplit(delivery.url).hostname or ""
        if not self._options.allow_private and await _resolves_private(host):
            error = "refused: the URL resolves to a private address"
        else:
            try:
                response = await self._http().post(delivery.url, content=body, headers=headers)
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            except httpx.HTTPError as e:
                error = f"{type(e).__name__}: {e}"[:300] or type(e).__name__
        at = datetime.now(UTC)
        delivered = error is None
        attempts = delivery.attempts + 1
        retry_at = None
        if not delivered and attempts < self._options.max_attempts:
            wait = min(
                timedelta(seconds=self._options.backoff_s * 2 ** (attempts - 1)), MAX_BACKOFF
            )
            retry_at = at + wait
        await self._people.record_attempt(
            delivery.seq, delivered=delivered, status=status, error=error, at=at, retry_at=retry_at
        )
        logger.info(
            "webhook delivered" if delivered else "webhook attempt failed",
            extra={
                "delivery": delivery.seq,
                "event": delivery.event.value,
                "interview_id": delivery.interview_id,
                "status": status,
                "attempt": attempts,
                "gave_up": not delivered and retry_at is None,
            },
        )
