"""`python -m tokenserver`: load settings (or exit 2 with one line naming what is missing),
then serve under uvicorn, migrating the database before the first request.

`python -m tokenserver retention --older-than-days N [--dry-run]` deletes old interviews
(see `retention.py`)."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette

from interview_store import InterviewStore, SettingsError, load_settings

from .app import create_app
from .log import configure_logging
from .settings import TokenServerSettings

logger = logging.getLogger("tokenserver")


def build(settings: TokenServerSettings) -> Starlette:
    """The app with a lifespan that owns the store: uvicorn runs it on its own event loop
    (uvloop when installed), so the store must be migrated and closed from inside that loop."""
    store = InterviewStore.from_settings(settings)
    app = create_app(settings, store)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await store.migrate()
        logger.info(
            "token server starting",
            extra={
                "host": settings.host,
                "port": settings.port,
                "database": store.dialect,
                "recording_mode": settings.recording_mode.value,
                "web_dist": settings.web_dist_dir.is_dir(),
            },
        )
        try:
            yield
        finally:
            await store.aclose()

    app.router.lifespan_context = lifespan
    return app


def main() -> None:
    if sys.argv[1:2] == ["retention"]:  # ops command: needs only the store settings
        from .retention import main as retention_main

        sys.exit(retention_main(sys.argv[2:]))
    try:
        settings = load_settings(TokenServerSettings)
    except SettingsError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    configure_logging(settings.log_level)
    config = uvicorn.Config(
        build(settings),
        host=settings.host,
        port=settings.port,
        lifespan="on",
        log_config=None,
        access_log=False,  # ours omits query strings (`?token=`)
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        sys.exit(1)  # e.g. the port is taken or the database is unreachable (logged above)


if __name__ == "__main__":
    main()
