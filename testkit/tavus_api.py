"""A hand-written emulator of Tavus's REST API (`POST /v2/conversations`), on loopback, with
the avatar worker Tavus would start behind it.

livekit-plugins-tavus talks to it unmodified through `api_url` (the agent's `TAVUS_API_URL`).
Every request is kept (headers and JSON body) so tests assert what the plugin sent: the API
key, the face (replica) and PAL (persona) ids, the LiveKit URL and the room token it hands
over. An accepted conversation starts an `EmulatedAvatar` that joins the real room with that
token, as Tavus's worker does; `fail_with` answers errors instead (e.g. 500 or 401), and
`join_avatars=False` accepts without anyone joining (a provider that never shows up).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from livekit import api
from livekit.api.access_token import Claims

from testkit.avatar_worker import EmulatedAvatar
from testkit.loopback_http import LoopbackHttpServer

logger = logging.getLogger("testkit.tavus_api")

PUBLISH_ON_BEHALF = "lk.publish_on_behalf"


@dataclass(frozen=True)
class ConversationRequest:
    """One `POST /v2/conversations` as received."""

    api_key: str | None
    content_type: str | None
    body: dict[str, Any]

    @property
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = self.body.get("properties") or {}
        return props

    @property
    def livekit_url(self) -> str | None:
        value = self.properties.get("livekit_ws_url")
        return str(value) if value is not None else None

    @property
    def livekit_token(self) -> str | None:
        value = self.properties.get("livekit_room_token")
        return str(value) if value is not None else None

    def claims(self, *, api_key: str, api_secret: str) -> Claims:
        """The room token's claims, verified with the LiveKit key pair (a forged or
        tampered token raises)."""
        assert self.livekit_token, "no livekit_room_token in the request"
        return api.TokenVerifier(api_key, api_secret).verify(self.livekit_token)


@dataclass
class FakeTavusApi(LoopbackHttpServer):
    api_key: str = "tavus-test-key"
    """The key requests must carry in `x-api-key` (else 401, as Tavus answers)."""
    fail_with: int | None = None
    """Answer every conversation request with this status instead."""
    join_avatars: bool = True
    requests: list[ConversationRequest] = field(default_factory=list)
    avatars: list[EmulatedAvatar] = field(default_factory=list)
    _joins: set[asyncio.Task[None]] = field(default_factory=set)
    _avatar_joined: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/conversations", self._conversations)

    async def wait_for_avatar(self, *, timeout_s: float) -> EmulatedAvatar:
        """The first avatar that joined (and is publishing)."""
        await asyncio.wait_for(self._avatar_joined.wait(), timeout_s)
        return self.avatars[-1]

    async def aclose(self) -> None:
        for task in list(self._joins):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for avatar in self.avatars:
            with contextlib.suppress(Exception):
                await avatar.aclose()
        await super().aclose()

    async def _conversations(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"message": "invalid JSON"}, status=400)
        captured = ConversationRequest(
            api_key=request.headers.get("x-api-key"),
            content_type=request.headers.get("Content-Type"),
            body=body,
        )
        self.requests.append(captured)
        if captured.api_key != self.api_key:
            return web.json_response({"message": "Invalid access token"}, status=401)
        if self.fail_with is not None:
            return web.json_response({"message": "emulated failure"}, status=self.fail_with)
        url, token = captured.livekit_url, captured.livekit_token
        if not url or not token:
            return web.json_response({"message": "livekit properties missing"}, status=400)
        conversation_id = "c" + uuid.uuid4().hex[:12]
        if self.join_avatars:
            task = asyncio.create_task(self._join(url, token))
            self._joins.add(task)
            task.add_done_callback(self._joins.discard)
        return web.json_response(
            {
                "conversation_id": conversation_id,
                "conversation_name": body.get("conversation_name"),
                "status": "active",
                "conversation_url": f"https://tavus.daily.co/{conversation_id}",
            }
        )

    async def _join(self, url: str, token: str) -> None:
        # the agent the avatar speaks for, as the token names it
        claims = api.TokenVerifier().verify(token, verify_signature=False)
        sender = (claims.attributes or {}).get(PUBLISH_ON_BEHALF)
        try:
            avatar = await EmulatedAvatar.join(url, token, sender_identity=sender)
        except Exception:
            logger.exception("emulated avatar could not join")
            return
        self.avatars.append(avatar)
        self._avatar_joined.set()
