"""The outermost layer of every request: request id, body size limit and body deadline,
access log, and a last-resort JSON 500 (with the request id, never the exception text) if a
handler crashed.

The body deadline bounds the wait for each piece of a request body (BODY_TIMEOUT_SECONDS):
a client that declares a Content-Length and then sends nothing gets a 408 and a closed
connection instead of holding a worker slot for minutes; one that declares a length over the
limit gets its 413 as soon as it stops sending (DRAIN_IDLE_S).

Pure ASGI rather than `BaseHTTPMiddleware`, so streaming file responses and the request body
pass through without buffering.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Mapping

from sqlalchemy import exc as sa_exc
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .log import request_id_var

logger = logging.getLogger("tokenserver.access")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_QUIET_PATHS = frozenset({"/healthz", "/readyz"})


class _BodyTooLarge(Exception):
    pass


class _BodyTimeout(Exception):
    pass


_DRAIN_FACTOR = 4
"""An oversized body up to this many times the limit is read and dropped so the client sees
the 413 rather than a reset connection..."""
DRAIN_IDLE_S = 2.0
"""...as long as it keeps arriving: a pause this long ends the wait."""


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        too_large_message: str,
        body_timeout_s: float,
    ) -> None:
        self._app = app
        self._max_body_bytes = max_body_bytes
        self._too_large_message = too_large_message
        self._body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 0
        response_started = False
        received = 0
        limit = self._max_body_bytes
        timeout = self._body_timeout_s

        async def timed_receive() -> Message:
            try:
                return await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                raise _BodyTimeout from None

        async def limited_receive() -> Message:
            nonlocal received
            message = await timed_receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            declared = _content_length(scope)
            if declared is not None and declared > limit:
                raise _BodyTooLarge
            await self._app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            if not response_started:
                # read (and drop) a moderately oversized body so the client, still uploading,
                # gets to see the 413 instead of a reset connection; give up on absurd ones
                # ...but only while it keeps sending: one that declared a huge length and
                # sends nothing is answered after DRAIN_IDLE_S
                with contextlib.suppress(TimeoutError):
                    await _drain(receive, budget=_DRAIN_FACTOR * limit)
                body = {"error": self._too_large_message, "field": None}
                await _send_json(send_with_id, 413, body)
        except _BodyTimeout:
            if not response_started:
                body = {"error": "The request body did not arrive in time.", "field": None}
                await _send_json(send_with_id, 408, body)
        except Exception as e:
            # frames only: exception messages can carry data (SQLAlchemy prints statement
            # parameters, i.e. CV text and names)
            logger.error(
                "unhandled error",
                extra={
                    "path": scope.get("path"),
                    "error_type": f"{type(e).__module__}.{type(e).__qualname__}",
                    "traceback": "".join(traceback.format_tb(e.__traceback__)),
                },
            )
            if not response_started:
                if isinstance(e, sa_exc.DBAPIError | ConnectionError | TimeoutError):
                    # asyncpg raises ConnectionRefusedError unwrapped when it cannot connect
                    status, message = 503, "The database is unavailable; try again shortly."
                else:
                    status, message = 500, "Internal error; quote this request id."
                body = {"error": message, "field": None, "request_id": request_id}
                await _send_json(send_with_id, status, body)
        finally:
            level = logging.DEBUG if scope.get("path") in _QUIET_PATHS else logging.INFO
            logger.log(
                level,
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


async def _drain(receive: Receive, *, budget: int) -> None:
    drained = 0
    while drained <= budget:
        message = await asyncio.wait_for(receive(), DRAIN_IDLE_S)
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_json(send: Send, status: int, body: Mapping[str, object]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
