"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can reach its
database) for orchestrators; neither needs credentials nor logs at INFO."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .app_context import AppContext

logger = logging.getLogger("tokenserver.health")

READY_TIMEOUT_S = 2.0


def routes(ctx: AppContext) -> list[BaseRoute]:
    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            await asyncio.wait_for(ctx.store.ping(), timeout=READY_TIMEOUT_S)
        except Exception as e:
            logger.warning("database not reachable", extra={"error_type": type(e).__name__})
            return JSONResponse(
                {"status": "unavailable", "error": "database unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ready"})

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
    ]
