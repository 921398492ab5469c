"""`python -m tokenserver`: load settings (or exit 2 with one line naming what is missing),
then serve under uvicorn, migrating the database before the first request.

`python -m tokenserver retention --older-than-days N [--dry-run]` deletes old interviews
(see `retention.py`) and `python -m tokenserver users add|list|disable|reset-password` manages
recruiter accounts (see `users_cli.py`); they load only the store settings and the store.
`--help` needs no configuration.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .settings import TokenServerSettings

logger = logging.getLogger("tokenserver")

USAGE = """\
usage: python -m tokenserver                 serve the API and the web app (settings: .env.example)
       python -m tokenserver retention ...   delete old interviews (retention --help for options)
       python -m tokenserver users ...       recruiter accounts: add, list, disable, reset-password
"""


def build(settings: TokenServerSettings) -> Starlette:
    """The app with a lifespan that owns the store: uvicorn runs it on its own event loop
    (uvloop when installed), so the store must be migrated and closed from inside that loop."""
    from interview_store import InterviewStore

    from .app import create_app

    store = InterviewStore.from_settings(settings)
    app = create_app(settings, store)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await store.migrate()
        plans = app.state.ctx.plans
        resumed = await plans.resume_pending()
        logger.info(
            "token server starting",
            extra={
                "host": settings.host,
                "port": settings.port,
                "database": store.dialect,
                "recording_mode": settings.recording_mode.value,
                "web_dist": settings.web_dist_dir.is_dir(),
                "plans_resumed": resumed,
            },
        )
        maintenance = app.state.ctx.people.maintenance  # abandoned interviews, webhooks
        maintenance.start()
        try:
            yield
        finally:
            await maintenance.aclose()
            await plans.aclose()
            await store.aclose()

    app.router.lifespan_context = lifespan
    return app


def serve() -> int:

    import uvicorn

    from interview_store import SettingsError, load_settings

    from .http_server import uvicorn_config
    from .log import configure_logging
    from .settings import TokenServerSettings

    try:
        settings = load_settings(TokenServerSettings)
    except SettingsError as e:
        print(e, file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    config = uvicorn_config(
        build(settings), settings, host=settings.host, port=settings.port, lifespan="on"
    )
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        return 1  # e.g. the port is taken or the database is unreachable (logged above)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["users"]:  # ops command: needs only the store settings
        from .users_cli import main as users_main

        return users_main(args[1:])
    if args[:1] == ["retention"]:  # ops command: needs only the store settings
        from .retention import main as retention_main

        return retention_main(args[1:])
    if args[:1] in (["-h"], ["--help"]):
        print(USAGE, end="")
        return 0
    if args:
        print(f"{USAGE}error: unexpected arguments {' '.join(args)!r}", file=sys.stderr)
        return 2
    return serve()


if __name__ == "__main__":
    sys.exit(main())
