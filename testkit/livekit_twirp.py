"""A hand-written emulator of the LiveKit server API (Twirp) on loopback.

`livekit.api.LiveKitAPI` talks to it unmodified: POST /twirp/livekit.<Service>/<Method> with
a protobuf body (or JSON, which Twirp also allows) and `Authorization: Bearer <JWT>`. The JWT
is verified with `livekit.api.TokenVerifier` against the emulator's key/secret, and egress
calls require the `roomRecord` grant, as the real server does. Errors use Twirp's JSON shape
(`{"code": ..., "msg": ...}`) so the client raises `livekit.api.ServerError` as in production.

Egress is simulated: `StartRoomCompositeEgress` returns EGRESS_STARTING with a fresh id and
keeps the request; `end_egress()` finishes one and returns the `egress_ended` WebhookEvent the
LiveKit server would post, for tests to sign and deliver to the token server.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from google.protobuf.json_format import MessageToJson, Parse
from google.protobuf.message import Message
from livekit import api

from testkit.loopback_http import LoopbackHttpServer


@dataclass
class TwirpCall:
    service: str
    method: str
    content_type: str
    identity: str
    grants: dict[str, Any]
    request: Message


@dataclass
class ScriptedError:
    """Answer the next matching call with this Twirp error instead."""

    method: str
    status: int
    code: str
    msg: str = "emulated error"


_METHODS: dict[tuple[str, str], tuple[type[Message], bool]] = {
    # (service, method) -> (request type, needs the roomRecord grant)
    ("Egress", "StartRoomCompositeEgress"): (api.RoomCompositeEgressRequest, True),
    ("Egress", "StopEgress"): (api.StopEgressRequest, True),
    ("Egress", "ListEgress"): (api.ListEgressRequest, True),
    ("RoomService", "ListRooms"): (api.ListRoomsRequest, False),
}


@dataclass
class FakeLiveKitTwirp(LoopbackHttpServer):
    api_key: str = "APIfake"
    api_secret: str = "fake-secret-fake-secret-fake-secret-00"
    calls: list[TwirpCall] = field(default_factory=list)
    errors: list[ScriptedError] = field(default_factory=list)
    egresses: dict[str, api.EgressInfo] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, method: str, status: int, code: str, msg: str = "emulated error") -> None:
        self.errors.append(ScriptedError(method, status, code, msg))

    def calls_to(self, method: str) -> list[TwirpCall]:
        return [c for c in self.calls if c.method == method]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/twirp/livekit.{service}/{method}", self._handle)

    # --- egress lifecycle, driven by tests ---------------------------------------------

    def end_egress(
        self,
        egress_id: str,
        *,
        status: int = api.EgressStatus.EGRESS_COMPLETE,
        location: str | None = None,
        duration_s: float = 0.0,
        size: int = 0,
        error: str = "",
    ) -> api.WebhookEvent:
        """Finish an egress the way the egress service does, and return the webhook event."""
        info = self.egresses[egress_id]
        info.status = status  # type: ignore[assignment]
        info.ended_at = time.time_ns()
        info.error = error
        del info.file_results[:]
        if status != api.EgressStatus.EGRESS_FAILED:
            filepath = info.room_composite.file_outputs[0].filepath.replace(
                "{time}", "2025-01-01T000000"
            )
            info.file_results.append(
                api.FileInfo(
                    filename=filepath,
                    location=location if location is not None else filepath,
                    duration=int(duration_s * 1e9),
                    size=size,
                )
            )
        return api.WebhookEvent(
            event="egress_ended",
            id=f"EV_{egress_id}",
            created_at=int(time.time()),
            egress_info=info,
        )

    # --- the server -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        service, method = request.match_info["service"], request.match_info["method"]
        spec = _METHODS.get((service, method))
        if spec is None:
            return _twirp_error(404, "bad_route", f"no handler for {service}/{method}")
        request_cls, needs_record = spec
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return _twirp_error(401, "unauthenticated", "authorization header required")
        try:
            claims = api.TokenVerifier(self.api_key, self.api_secret).verify(
                auth.removeprefix("Bearer ")
            )
        except Exception:
            return _twirp_error(401, "unauthenticated", "invalid token")
        grants = {k: v for k, v in vars(claims.video).items() if v} if claims.video else {}
        if needs_record and not grants.get("room_record"):
            return _twirp_error(403, "permission_denied", "requires roomRecord grant")

        content_type = request.headers.get("Content-Type", "")
        raw = await request.read()
        try:
            if content_type.startswith("application/json"):
                message = Parse(raw.decode(), request_cls())
            else:
                message = request_cls.FromString(raw)
        except Exception:
            return _twirp_error(400, "malformed", "could not decode the request body")
        self.calls.append(
            TwirpCall(service, method, content_type, claims.identity, grants, message)
        )
        for i, err in enumerate(self.errors):
            if err.method == method:
                del self.errors[i]
                return _twirp_error(err.status, err.code, err.msg)

        response = self._respond(method, message)
        if isinstance(response, web.Response):
            return response
        if content_type.startswith("application/json"):
            return web.Response(text=MessageToJson(response), content_type="application/json")
        return web.Response(body=response.SerializeToString(), content_type="application/protobuf")

    def _respond(self, method: str, message: Any) -> Message | web.Response:
        if method == "StartRoomCompositeEgress":
            egress_id = f"EG_{next(self._ids):04d}"
            info = api.EgressInfo(
                egress_id=egress_id,
                room_name=message.room_name,
                status=api.EgressStatus.EGRESS_STARTING,
                started_at=time.time_ns(),
                room_composite=message,
            )
            self.egresses[egress_id] = info
            return info
        if method == "StopEgress":
            stopped = self.egresses.get(message.egress_id)
            if stopped is None:
                return _twirp_error(404, "not_found", "egress not found")
            if stopped.status not in (
                api.EgressStatus.EGRESS_STARTING,
                api.EgressStatus.EGRESS_ACTIVE,
            ):
                return _twirp_error(412, "failed_precondition", "egress is not active")
            stopped.status = api.EgressStatus.EGRESS_ENDING
            return stopped
        if method == "ListEgress":
            items = [
                i
                for i in self.egresses.values()
                if not message.room_name or i.room_name == message.room_name
            ]
            return api.ListEgressResponse(items=items)
        return api.ListRoomsResponse()


def _twirp_error(status: int, code: str, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)
