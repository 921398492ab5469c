"""The token server's periodic chores about people: interviews whose join token expired
unused become `abandoned`, and outgoing webhook deliveries are sent and retried.

One loop, started with the server (`__main__`'s lifespan) and stopped before the store
closes. Each round is idempotent and bounded, so several token servers may run it at once
(a delivery may then be attempted twice; receivers dedupe on `X-Webhook-Delivery`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from interview_store.people_store import PeopleStore

from .outgoing_webhooks import WebhookSender

logger = logging.getLogger("tokenserver.people_maintenance")


class PeopleMaintenance:
    def __init__(
        self,
        *,
        people: PeopleStore,
        sender: WebhookSender,
        unused_after: timedelta,
        interval_s: float,
    ) -> None:
        self._people = people
        self._sender = sender
        self._unused_after = unused_after
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    @property
    def sender(self) -> WebhookSender:
        return self._sender

    async def run_once(self) -> None:
        abandoned = await self._people.abandon_unused(
            created_before=datetime.now(UTC) - self._unused_after
        )
        if abandoned:
            logger.info(
                "interviews abandoned (token expired unused)", extra={"count": len(abandoned)}
            )
        await self._sender.run_once()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="people-maintenance")

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the database is briefly away: try again next round
                logger.exception("people maintenance round failed")
            await asyncio.sleep(self._interval_s)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._sender.aclose()
