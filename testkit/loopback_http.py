"""Start and stop a hand-written HTTP fake on a free loopback port (aiohttp)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web


class LoopbackHttpServer:
    """Subclasses add their routes; this owns the port and the lifecycle."""

    _runner: web.AppRunner | None = None
    _port: int = 0

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def port(self) -> int:
        return self._port

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
