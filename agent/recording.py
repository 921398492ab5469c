"""Recording an interview: a room-composite egress started by the agent, and the agent's own
stereo audio kept as a fallback.

Why the agent starts the egress (RECORDING_MODE=agent, the default) instead of auto-egress in
the token: a room composite started when the room is created can miss the agent's audio track,
which is published a moment later; starting it once the agent's own audio is published means
both voices, the camera and any screen share are in the file. The egress id is stored as an
`egress_started` note; the token server's `egress_ended` webhook then adds the Recording row
with location and duration (or the failure reason). That webhook is idempotent per egress id,
so the agent deliberately does not write a row for the same egress itself.

The fallback that always works: `session.start(record=True)` makes livekit-agents write a
stereo Opus file (left = candidate, right = interviewer) into the job's session directory,
which is deleted at job cleanup; `save_agent_audio` copies it into `store.files_dir(id)` from
`on_session_end` and stores it as a `RecordingKind.AGENT_AUDIO` Recording.

Paths, recording modes and the egress output (local or S3) come from
`interview_store.recording_layout`, shared with the token server's auto-egress; rows go
through the interview's `StoreWriter`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livekit import api, rtc
from pydantic import Field

from interview_store import EventKind, InterviewEvent, Recording, RecordingKind
from interview_store.recording_layout import (
    AGENT_AUDIO_NAME,
    EgressOutput,
    EgressSettings,
    RecordingMode,
    interview_folder,
)

from .store_writer import StoreWriter

logger = logging.getLogger("agent.recording")

SESSION_RECORD_OPTIONS: dict[str, bool] = {
    "audio": True,
    "traces": False,
    "logs": False,
    "transcript": False,
}
"""What to pass as `session.start(record=...)`: the audio is the fallback recording; traces,
logs and the transcript are not uploaded anywhere (the transcript is already in the store)."""

EGRESS_RETRY_BACKOFF_S = 1.0
"""Wait before the second start attempt; doubled for each further one."""


class RecordingSettings(EgressSettings):
    """The agent's recording settings: the shared egress settings (same names as the token
    server's, one `.env`) plus what only the agent does."""

    record_agent_audio: bool = True
    """Keep the agent's stereo session audio as a fallback recording."""
    egress_start_attempts: int = Field(default=3, ge=1)
    """Attempts to start the egress on 5xx/transport errors (e.g. no egress worker free yet)."""


@dataclass(frozen=True)
class EgressOptions:
    """How the agent reaches LiveKit's egress API and where the composite goes."""

    livekit_url: str
    api_key: str
    api_secret: str
    output: EgressOutput
    start_attempts: int
    retry_backoff_s: float = EGRESS_RETRY_BACKOFF_S

    @classmethod
    def from_settings(
        cls, settings: RecordingSettings, *, livekit_url: str, api_key: str, api_secret: str
    ) -> EgressOptions:
        return cls(
            livekit_url=livekit_url,
            api_key=api_key,
            api_secret=api_secret,
            output=EgressOutput.from_settings(settings),
            start_attempts=settings.egress_start_attempts,
        )


class EgressRecorder:
    """Starts one room composite for one interview, once the agent's audio is published.

    `watch(room)` is all the worker calls after `session.start`; `aclose()` at session end
    stops the egress (so the file ends with the interview, not when the room empties) and
    releases the HTTP session. Failures never reach the interview: they are logged and
    stored as a failed Recording, and the agent's own audio remains.
    """

    def __init__(
        self,
        *,
        writer: StoreWriter,
        room_name: str,
        options: EgressOptions,
    ) -> None:
        self._writer = writer
        self._interview_id = writer.interview_id
        self._room_name = room_name
        self._opts = options
        self._lk: api.LiveKitAPI | None = None
        self._task: asyncio.Task[str | None] | None = None
        self._egress_id: str | None = None
        self._room: rtc.Room | None = None

    @property
    def writer(self) -> StoreWriter:
        return self._writer

    @property
    def egress_id(self) -> str | None:
        return self._egress_id

    @property
    def started(self) -> bool:
        return self._task is not None

    def watch(self, room: rtc.Room) -> None:
        """Start as soon as the local participant has an audio track published (now, if it
        already has one; otherwise on `local_track_published`)."""
        self._room = room
        room.on("local_track_published", self._on_local_track_published)
        if any(_is_audio(p) for p in _local_publications(room)):
            self.start()

    def _on_local_track_published(self, publication: Any, _track: Any = None) -> None:
        if _is_audio(publication):
            self.start()

    def start(self) -> asyncio.Task[str | None]:
        """Idempotent: the first call starts the egress, later calls return the same task."""
        if self._task is None:
            self._task = asyncio.create_task(self._start(), name="egress-start")
            if self._room is not None:
                self._room.off("local_track_published", self._on_local_track_published)
        return self._task

    async def wait_started(self) -> str | None:
        return await self._task if self._task is not None else None

    async def _start(self) -> str | None:
        output = self._opts.output
        request = output.room_composite(self._interview_id, room_name=self._room_name)
        last_error = ""
        for attempt in range(1, self._opts.start_attempts + 1):
            try:
                info = await self._api().egress.start_room_composite_egress(request)
            except api.ServerError as e:
                last_error = f"{e.code}: {e.message}"[:300]
                retriable = e.status >= 500 or e.code in ("unavailable", "resource_exhausted")
            except Exception as e:  # transport: aiohttp errors, timeouts, refused connections
                last_error = type(e).__name__
                retriable = True
            else:
                self._egress_id = info.egress_id
                self._writer.event(
                    InterviewEvent(
                        kind=EventKind.NOTE,
                        at=time.time(),  # wall time: LiveKit's egress clock, not the plan's
                        data={
                            "note": "egress_started",
                            "egress_id": info.egress_id,
                            "filepath": output.filepath(self._interview_id),
                            "s3": output.s3 is not None,
                        },
                    )
                )
                logger.info(
                    "room composite egress started",
                    extra={"interview_id": self._interview_id, "egress_id": info.egress_id},
                )
                return info.egress_id
            logger.warning(
                "room composite egress did not start",
                extra={"interview_id": self._interview_id, "attempt": attempt},
            )
            if not retriable or attempt == self._opts.start_attempts:
                break
            backoff = self._opts.retry_backoff_s * 2 ** (attempt - 1)
            await asyncio.sleep(backoff * (1 + random.random() * 0.25))
        self._writer.recording(
            Recording(
                kind=RecordingKind.EGRESS,
                status="failed",
                error=f"room composite egress could not start ({last_error})",
            )
        )
        return None

    async def aclose(self, *, stop: bool = True) -> None:
        if self._room is not None:
            self._room.off("local_track_published", self._on_local_track_published)
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if stop and self._egress_id is not None:
            try:
                await self._api().egress.stop_egress(
                    api.StopEgressRequest(egress_id=self._egress_id)
                )
            except Exception as e:  # already ended with the room: fine
                logger.info(
                    "stop egress: %s",
                    type(e).__name__,
                    extra={"interview_id": self._interview_id, "egress_id": self._egress_id},
                )
        if self._lk is not None:
            await self._lk.aclose()
            self._lk = None

    def _api(self) -> api.LiveKitAPI:
        if self._lk is None:
            self._lk = api.LiveKitAPI(
                self._opts.livekit_url, self._opts.api_key, self._opts.api_secret
            )
        return self._lk


class InterviewRecorder:
    """All recording for one interview, as the worker sees it: what to pass to
    `session.start`, `watch(room)` once the session has started, `finish(...)` from
    `on_session_end` (before the interview is marked ended)."""

    def __init__(
        self,
        *,
        settings: RecordingSettings,
        writer: StoreWriter,
        egress: EgressRecorder | None,
    ) -> None:
        self._settings = settings
        self._writer = writer
        self._egress = egress

    @classmethod
    def create(
        cls,
        settings: RecordingSettings,
        *,
        writer: StoreWriter,
        room_name: str,
        livekit_url: str,
        api_key: str,
        api_secret: str,
    ) -> InterviewRecorder:
        egress = None
        if settings.recording_mode == RecordingMode.AGENT:
            egress = EgressRecorder(
                writer=writer,
                room_name=room_name,
                options=EgressOptions.from_settings(
                    settings, livekit_url=livekit_url, api_key=api_key, api_secret=api_secret
                ),
            )
        return cls(settings=settings, writer=writer, egress=egress)

    @property
    def start_options(self) -> dict[str, Any]:
        """Keyword arguments for `session.start` (empty when agent audio is disabled)."""
        return {"record": dict(SESSION_RECORD_OPTIONS)} if self._settings.record_agent_audio else {}

    def watch(self, room: rtc.Room) -> None:
        if self._egress is not None:
            self._egress.watch(room)

    async def finish(self, *, audio_path: str | Path | None) -> None:
        """Stop the egress and keep the agent's audio. Never raises: the interview's end
        (status, evaluation request) must not depend on recording."""
        try:
            if self._egress is not None:
                await self._egress.aclose()
            if self._settings.record_agent_audio:
                await save_agent_audio(self._writer, audio_path)
        except Exception:
            logger.exception(
                "recording finish failed", extra={"interview_id": self._writer.interview_id}
            )


def _local_publications(room: rtc.Room) -> list[Any]:
    try:
        return list(room.local_participant.track_publications.values())
    except Exception:  # not connected yet
        return []


def _is_audio(publication: Any) -> bool:
    return getattr(publication, "kind", None) == rtc.TrackKind.KIND_AUDIO


async def save_agent_audio(writer: StoreWriter, source: str | Path | None) -> Recording:
    """Copy the session's stereo recording into the interview's folder and record it (the
    row is queued on the writer: flush it before reading it back).

    The location is stored relative to STORAGE_DIR, so the token server finds the file even
    when it mounts the storage directory at another path. A missing or empty file is stored
    as a failed Recording: a recruiter should see that no fallback audio exists.
    """
    src = Path(source) if source else None
    if src is None or not src.is_file() or src.stat().st_size == 0:
        recording = Recording(
            kind=RecordingKind.AGENT_AUDIO,
            status="failed",
            error="the session produced no audio recording",
        )
    else:
        interview_id = writer.interview_id
        folder = writer.store.files_dir(interview_id)
        target = folder / AGENT_AUDIO_NAME

        def _copy() -> float | None:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".ogg.tmp")
            shutil.copyfile(src, tmp)
            tmp.replace(target)
            return audio_duration_s(target)

        try:
            duration = await asyncio.to_thread(_copy)
        except OSError as e:
            recording = Recording(
                kind=RecordingKind.AGENT_AUDIO,
                status="failed",
                error=f"copying the session audio failed ({type(e).__name__})",
            )
        else:
            recording = Recording(
                kind=RecordingKind.AGENT_AUDIO,
                status="complete",
                location=str(interview_folder(interview_id) / AGENT_AUDIO_NAME),
                duration_s=duration,
            )
    writer.recording(recording)
    logger.info(
        "agent audio %s",
        recording.status,
        extra={"interview_id": writer.interview_id, "duration_s": recording.duration_s},
    )
    return recording


def audio_duration_s(path: Path) -> float | None:
    """Duration from the container (PyAV ships with livekit-agents); None if unreadable."""
    try:
        import av

        with av.open(str(path)) as container:
            if container.duration is not None:
                return round(container.duration / 1_000_000, 2)
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return round(float(stream.duration * stream.time_base), 2)
    except Exception:
        return None
    return None
