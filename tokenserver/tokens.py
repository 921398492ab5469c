"""Minting the candidate's LiveKit access token.

The token is the candidate's only credential: it may join exactly one room, publish only
camera, microphone and screen share, and carries no admin grant. Its RoomConfiguration makes
LiveKit dispatch the interviewer agent (with the interview id as job metadata) when the room
is created, so the token server never needs to reach a LiveKit server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from livekit import api

from interview_store.recording_layout import EgressOutput, RecordingMode

from .settings import TokenServerSettings

PUBLISH_SOURCES = ("camera", "microphone", "screen_share", "screen_share_audio")


@dataclass(frozen=True, kw_only=True)
class TokenOptions:
    """What every candidate token carries. Build it with `from_settings`: the defaults (agent
    name, TTL, room timeouts, recording mode) live only in `TokenServerSettings`."""

    api_key: str
    api_secret: str
    agent_name: str
    ttl: timedelta
    empty_timeout_s: int
    departure_timeout_s: int
    auto_egress: EgressOutput | None
    """Set with RECORDING_MODE=auto_egress: the token asks LiveKit for a room composite."""

    @classmethod
    def from_settings(cls, settings: TokenServerSettings) -> TokenOptions:
        egress = None
        if settings.recording_mode == RecordingMode.AUTO_EGRESS:
            egress = EgressOutput.from_settings(settings)
        return cls(
            api_key=settings.livekit_api_key,
            api_secret=settings.livekit_api_secret.get_secret_value(),
            agent_name=settings.agent_name,
            ttl=timedelta(seconds=settings.token_ttl_seconds),
            empty_timeout_s=settings.room_empty_timeout_seconds,
            departure_timeout_s=settings.room_departure_timeout_seconds,
            auto_egress=egress,
        )


@dataclass(frozen=True)
class CandidateGrant:
    interview_id: str
    room: str
    identity: str
    display_name: str = "Candidate"


class TokenMinter:
    """Pure CPU work (an HS256 JWT): safe to call on the event loop, ~50 µs per token."""

    def __init__(self, opts: TokenOptions) -> None:
        self._opts = opts

    def mint(self, grant: CandidateGrant) -> str:
        opts = self._opts
        metadata = json.dumps({"interview_id": grant.interview_id})
        room_config = api.RoomConfiguration(
            name=grant.room,
            empty_timeout=opts.empty_timeout_s,
            departure_timeout=opts.departure_timeout_s,
            agents=[api.RoomAgentDispatch(agent_name=opts.agent_name, metadata=metadata)],
        )
        if opts.auto_egress is not None:
            room_config.egress.CopyFrom(
                api.RoomEgress(room=opts.auto_egress.room_composite(grant.interview_id))
            )
        return (
            api.AccessToken(opts.api_key, opts.api_secret)
            .with_identity(grant.identity)
            .with_name(grant.display_name)
            .with_ttl(opts.ttl)
            .with_grants(
                api.VideoGrants(
                    room_join=True,
                    room=grant.room,
                    can_publish=True,
                    can_subscribe=True,
                    can_publish_data=True,
                    can_publish_sources=list(PUBLISH_SOURCES),
                    can_update_own_metadata=False,
                )
            )
            .with_room_config(room_config)
            .to_jwt()
        )
