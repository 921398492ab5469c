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

from .settings import RecordingMode, TokenServerSettings

PUBLISH_SOURCES = ("camera", "microphone", "screen_share", "screen_share_audio")


@dataclass(frozen=True)
class EgressOptions:
    """Where an auto-egress room composite writes (only used with RECORDING_MODE=auto_egress)."""

    output_dir: str = "/out"
    layout: str = "speaker"
    s3_bucket: str | None = None
    s3_region: str = ""
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret: str = ""
    s3_force_path_style: bool = True


@dataclass(frozen=True)
class TokenOptions:
    api_key: str
    api_secret: str
    agent_name: str = "interviewer"
    ttl: timedelta = timedelta(minutes=15)
    empty_timeout_s: int = 300
    departure_timeout_s: int = 20
    auto_egress: EgressOptions | None = None

    @classmethod
    def from_settings(cls, settings: TokenServerSettings) -> TokenOptions:
        egress = None
        if settings.recording_mode == RecordingMode.AUTO_EGRESS:
            egress = EgressOptions(
                output_dir=settings.egress_output_dir,
                layout=settings.egress_layout,
                s3_bucket=settings.egress_s3_bucket,
                s3_region=settings.egress_s3_region,
                s3_endpoint=settings.egress_s3_endpoint,
                s3_access_key=settings.egress_s3_access_key,
                s3_secret=settings.egress_s3_secret.get_secret_value(),
                s3_force_path_style=settings.egress_s3_force_path_style,
            )
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

    @property
    def options(self) -> TokenOptions:
        return self._opts

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
            room_config.egress.CopyFrom(_room_composite(opts.auto_egress, grant.interview_id))
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


def egress_filepath(opts: EgressOptions, interview_id: str) -> str:
    """Local egress writes under the egress service's view of STORAGE_DIR, next to the
    agent's own recording; S3 keys use the same relative layout."""
    relative = f"interviews/{interview_id}/egress-{{time}}.mp4"
    if opts.s3_bucket:
        return relative
    return f"{opts.output_dir.rstrip('/')}/{relative}"


def _room_composite(opts: EgressOptions, interview_id: str) -> api.RoomEgress:
    output = api.EncodedFileOutput(
        file_type=api.EncodedFileType.MP4, filepath=egress_filepath(opts, interview_id)
    )
    if opts.s3_bucket:
        output.s3.CopyFrom(
            api.S3Upload(
                bucket=opts.s3_bucket,
                region=opts.s3_region,
                endpoint=opts.s3_endpoint,
                access_key=opts.s3_access_key,
                secret=opts.s3_secret,
                force_path_style=opts.s3_force_path_style,
            )
        )
    return api.RoomEgress(
        room=api.RoomCompositeEgressRequest(layout=opts.layout, file_outputs=[output])
    )
