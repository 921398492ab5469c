"""The uvicorn configuration the token server runs with, in one place so the tests that
probe timeouts over raw sockets run exactly what production runs.

uvicorn bounds idle keep-alive connections but not a request whose headers never finish
(a slow-loris client holds the connection for ever): `HeaderDeadlineProtocol` closes a
connection whose request headers are not complete within HEADER_TIMEOUT_SECONDS of the
connection opening (or of the request's first byte on a kept-alive connection). Bodies are
bounded by the request middleware (BODY_TIMEOUT_SECONDS).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .settings import TokenServerSettings


class HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_deadline = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_with_header_timeout(seconds: float) -> type[HeaderDeadlineProtocol]:
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_s": seconds})


def uvicorn_config(
    app: ASGIApp, settings: TokenServerSettings, *, host: str, port: int, **extra: Any
) -> uvicorn.Config:
    forwarded = settings.forwarded_allow_ips.strip()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,  # ours omits query strings (signed links)
        # X-Forwarded-For/-Proto only from configured proxies; none by default
        proxy_headers=bool(forwarded),
        forwarded_allow_ips=forwarded or None,
        server_header=False,
        http=protocol_with_header_timeout(settings.header_timeout_seconds),
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
        **extra,
    )
