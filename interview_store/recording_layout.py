"""Where an interview's files live and how LiveKit egress is asked to write them: defined once.

Three processes meet in the same storage volume: the agent copies its own session audio there
and may start a room-composite egress; the token server may ask LiveKit for the same egress
through the participant token (auto-egress) and streams the files to recruiters; evals writes
`report.html` next to them. All of them build paths and egress outputs from this module, so a
change to the layout cannot leave one writer behind.

Layout, relative to STORAGE_DIR (or to the root of an S3 bucket):

    interviews/<uuid>/agent_audio.ogg          the agent's stereo session audio (fallback)
    interviews/<uuid>/egress-{time}.mp4        the room composite (LiveKit fills `{time}`)
    interviews/<uuid>/report.html              the rendered report

`livekit.api` is imported only when an egress request is built, so the store (and evals, which
never records) does not load it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from pydantic import SecretStr

from .config import StoreSettings

if TYPE_CHECKING:
    from livekit import api

INTERVIEWS_DIR = "interviews"
AGENT_AUDIO_NAME = "agent_audio.ogg"
BROWSER_RECORDING_NAME = "browser.webm"
"""The candidate's browser recording, assembled from its uploaded chunks in order."""
BROWSER_CHUNKS_DIR = "browser-chunks"
"""Uploaded chunks not yet appended (a later index arrived first), and the append cursor."""
EGRESS_FILE_NAME = "egress-{time}.mp4"
"""`{time}` is LiveKit's filename template, replaced by the egress service."""
REPORT_HTML_NAME = "report.html"


class RecordingMode(StrEnum):
    AGENT = "agent"
    """The agent starts a room composite once its own audio is published (both voices)."""
    AUTO_EGRESS = "auto_egress"
    """The token's RoomConfiguration asks LiveKit to start a room composite on room creation
    (may miss the agent's first words: its track is published a moment later)."""
    OFF = "off"
    """No room composite; the agent's own audio is still kept unless disabled."""


def interview_folder(interview_id: str) -> PurePosixPath:
    """`interviews/<uuid>`, relative to STORAGE_DIR. The id must be a UUID, so a crafted id can
    never point outside the interviews folder."""
    return PurePosixPath(INTERVIEWS_DIR) / str(uuid.UUID(interview_id))


class EgressSettings(StoreSettings):
    """The recording settings both the agent and the token server read (one `.env`)."""

    recording_mode: RecordingMode = RecordingMode.AGENT
    egress_output_dir: str = "/out"
    """Where the egress service sees STORAGE_DIR (local files)."""
    egress_layout: str = "speaker"
    """Room-composite layout; `speaker` puts a screen share front and centre when present."""
    egress_s3_bucket: str | None = None
    """Upload to this bucket instead of writing local files (same relative keys)."""
    egress_s3_region: str = ""
    egress_s3_endpoint: str = ""
    egress_s3_access_key: str = ""
    egress_s3_secret: SecretStr = SecretStr("")
    egress_s3_force_path_style: bool = True


@dataclass(frozen=True)
class S3Output:
    bucket: str
    region: str
    endpoint: str
    access_key: str
    secret: str
    force_path_style: bool


@dataclass(frozen=True)
class EgressOutput:
    """Where and how a room composite is written. Build it with `from_settings`: the settings
    hold the defaults."""

    output_dir: str
    layout: str
    s3: S3Output | None

    @classmethod
    def from_settings(cls, settings: EgressSettings) -> EgressOutput:
        s3 = None
        if settings.egress_s3_bucket:
            s3 = S3Output(
                bucket=settings.egress_s3_bucket,
                region=settings.egress_s3_region,
                endpoint=settings.egress_s3_endpoint,
                access_key=settings.egress_s3_access_key,
                secret=settings.egress_s3_secret.get_secret_value(),
                force_path_style=settings.egress_s3_force_path_style,
            )
        return cls(output_dir=settings.egress_output_dir, layout=settings.egress_layout, s3=s3)

    def filepath(self, interview_id: str) -> str:
        """The egress file: a key relative to the bucket with S3, else a path under the egress
        service's view of STORAGE_DIR (next to the agent's own recording)."""
        relative = str(interview_folder(interview_id) / EGRESS_FILE_NAME)
        if self.s3 is not None:
            return relative
        return f"{self.output_dir.rstrip('/')}/{relative}"

    def room_composite(
        self, interview_id: str, *, room_name: str = ""
    ) -> api.RoomCompositeEgressRequest:
        """The room-composite request (MP4). `room_name` is empty for auto-egress, where
        LiveKit fills in the room the token creates."""
        from livekit import api

        output = api.EncodedFileOutput(
            file_type=api.EncodedFileType.MP4, filepath=self.filepath(interview_id)
        )
        if self.s3 is not None:
            output.s3.CopyFrom(
                api.S3Upload(
                    bucket=self.s3.bucket,
                    region=self.s3.region,
                    endpoint=self.s3.endpoint,
                    access_key=self.s3.access_key,
                    secret=self.s3.secret,
                    force_path_style=self.s3.force_path_style,
                )
            )
        return api.RoomCompositeEgressRequest(
            room_name=room_name, layout=self.layout, file_outputs=[output]
        )
