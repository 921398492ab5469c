"""The optional interviewer avatar: a provider's avatar worker (Tavus through
`livekit-plugins-tavus`) joins the room, takes the interviewer's audio and publishes lip-synced
video on the agent's behalf.

Why it is built this way:
- The session starts first, with the room's own audio output, and the avatar is attached
  afterwards by swapping only the *tail* of the audio chain (`replace_audio_tail`). The
  transcript synchroniser and the session recorder sit above that tail, so the transcript and
  the agent's recording are the same with or without an avatar, and the room's audio output
  stays published: falling back to voice is one swap back, with no new track to negotiate.
- The plugin's `start` posts the conversation to the provider and points the tail at a
  `DataStreamAudioOutput` that holds every frame until the avatar participant has joined and
  published video. A provider that accepted the request but never joins would therefore
  silence the interviewer for good; so the voice tail is put back at once and the avatar's
  only after it has joined (bounded by `start_timeout_s`). The interviewer greets after that,
  so the first words come from the face the candidate sees.
- Anything that goes wrong with the avatar (the provider's API refuses, times out, the avatar
  never joins, or its participant leaves mid-interview) ends in the same place: voice-only,
  the attribute `interview.avatar` = `unavailable` for the candidate's page, an `avatar` event
  in the record and a metric. The interview itself never waits on or fails with the avatar.
- Avatar minutes (joined -> dropped or interview end) are what the provider bills; the final
  `avatar` event (status `ended`) carries them for the cost and the report.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from livekit import rtc
from livekit.agents import AgentSession, APIConnectOptions, APIStatusError, io
from livekit.plugins import tavus

from interview_store import CostLine, CostSource, EventKind, InterviewStore, TokenUsage
from interview_store.vocabulary import AgentAttribute, AvatarStatus

from . import prometheus_metrics
from .pacing import Publisher
from .persistence import InterviewLog
from .settings import AgentSettings

logger = logging.getLogger("agent.avatar")


AVATAR_IDENTITY = "interview-avatar"
"""The avatar participant's identity in the interview room (one avatar per room)."""


class AvatarProvider(StrEnum):
    NONE = "none"
    TAVUS = "tavus"


@dataclass(frozen=True, kw_only=True)
class AvatarOptions:
    """What one interview's avatar is started with (built once from settings)."""

    provider: AvatarProvider
    start_timeout_s: float
    """Provider request + the avatar joining and publishing video; past it, voice-only."""
    livekit_url: str
    """The URL the provider's avatar worker joins (it must reach it, unlike the agent's)."""
    livekit_api_key: str
    livekit_api_secret: str = ""
    tavus_api_key: str = ""
    tavus_replica_id: str | None = None
    tavus_persona_id: str | None = None
    tavus_api_url: str | None = None
    price_per_minute_usd: float | None = None
    """What the provider bills per minute; None = the cost line stays unpriced (listed)."""

    @classmethod
    def from_settings(cls, settings: AgentSettings) -> AvatarOptions | None:
        """None when no avatar is configured (`AVATAR=none`)."""
        provider = AvatarProvider(settings.avatar)
        if provider == AvatarProvider.NONE:
            return None
        return cls(
            provider=provider,
            start_timeout_s=settings.avatar_start_timeout_s,
            livekit_url=settings.avatar_livekit_url or settings.livekit_url,
            livekit_api_key=settings.livekit_api_key,
            livekit_api_secret=settings.livekit_api_secret.get_secret_value(),
            tavus_api_key=(
                settings.tavus_api_key.get_secret_value() if settings.tavus_api_key else ""
            ),
            tavus_replica_id=settings.tavus_replica_id,
            tavus_persona_id=settings.tavus_persona_id,
            tavus_api_url=settings.tavus_api_url,
            price_per_minute_usd=settings.avatar_price_per_minute_usd,
        )


def build_avatar_session(options: AvatarOptions) -> tavus.AvatarSession:
    """The provider plugin's session. Replica and persona are Tavus's face and PAL ids (the
    plugin's current names). One quick retry: the interview is waiting, and a provider that
    fails twice is better replaced by voice than waited for."""
    kwargs: dict[str, Any] = {}
    if options.tavus_replica_id:
        kwargs["face_id"] = options.tavus_replica_id
    if options.tavus_persona_id:
        kwargs["pal_id"] = options.tavus_persona_id
    if options.tavus_api_url:
        kwargs["api_url"] = options.tavus_api_url
    return tavus.AvatarSession(
        api_key=options.tavus_api_key,
        avatar_participant_identity=AVATAR_IDENTITY,
        avatar_participant_name="Interviewer",
        conn_options=APIConnectOptions(
            max_retry=1, retry_interval=0.5, timeout=options.start_timeout_s
        ),
        **kwargs,
    )


def _room_tail(session: AgentSession[Any]) -> io.AudioOutput | None:
    """The sink at the bottom of the session's audio chain (the room's audio output once the
    session has started in a room). `replace_audio_tail` swaps exactly this one."""
    sink = session.output.audio
    while sink is not None and sink.next_in_chain is not None:
        sink = sink.next_in_chain
    return sink


def _failure(exc: BaseException) -> str:
    """A short, secret-free description of why the provider failed."""
    if isinstance(exc, APIStatusError):
        return f"http_{exc.status_code}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return type(exc).__name__


class InterviewAvatar:
    """One interview's avatar: `start()` (never raises), then it watches the avatar
    participant and falls back to voice when it leaves; `finish()` records the minutes."""

    def __init__(
        self,
        options: AvatarOptions,
        *,
        session: AgentSession[Any],
        room: rtc.Room,
        log: InterviewLog,
        publish: Publisher | None,
        avatar: tavus.AvatarSession | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._options = options
        self._session = session
        self._room = room
        self._log = log
        self._publish = publish
        self._avatar = avatar if avatar is not None else build_avatar_session(options)
        self._clock = clock
        self._status: AvatarStatus | None = None
        self._voice_tail: io.AudioOutput | None = None
        self._avatar_tail: io.AudioOutput | None = None
        self._active_since: float | None = None
        self._active_s = 0.0
        self._finished = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def status(self) -> AvatarStatus | None:
        """None before `start()`; `active` while the avatar speaks for the interviewer."""
        return self._status

    @property
    def active_s(self) -> float:
        """Seconds the avatar has rendered the interviewer so far."""
        running = self._clock() - self._active_since if self._active_since is not None else 0.0
        return self._active_s + running

    @property
    def identity(self) -> str:
        return self._avatar.avatar_identity

    async def start(self) -> AvatarStatus:
        """Start the avatar and wait (bounded) until it has joined; voice-only otherwise.
        Call after `session.start` in the room and before the greeting."""
        provider = self._options.provider.value
        self._voice_tail = _room_tail(self._session)
        if self._voice_tail is None:
            self._unavailable("start_failed", "no_audio_output")
            return AvatarStatus.UNAVAILABLE
        try:
            async with asyncio.timeout(self._options.start_timeout_s):
                await self._avatar.start(
                    self._session,
                    self._room,
                    livekit_url=self._options.livekit_url,
                    livekit_api_key=self._options.livekit_api_key,
                    livekit_api_secret=self._options.livekit_api_secret,
                )
                # the plugin pointed the tail at the avatar: keep its sink, speak through the
                # room until the avatar is actually there
                self._avatar_tail = _room_tail(self._session)
                self._session.output.replace_audio_tail(self._voice_tail)
                await self._avatar.wait_for_join(timeout=None)
        except Exception as e:  # the provider's API, the join, or the timeout
            reason = "join_timeout" if self._avatar_tail is not None else "start_failed"
            logger.warning(
                "avatar unavailable, continuing voice-only",
                extra={"provider": provider, "reason": reason, "error": _failure(e)},
            )
            self._session.output.replace_audio_tail(self._voice_tail)
            self._unavailable(reason, _failure(e))
            self._spawn(self._close_provider())
            return AvatarStatus.UNAVAILABLE
        if self.identity not in self._room.remote_participants:  # left while we waited
            self._unavailable("disconnected", None)
            return AvatarStatus.UNAVAILABLE
        assert self._avatar_tail is not None
        self._session.output.replace_audio_tail(self._avatar_tail)
        self._room.on("participant_disconnected", self._on_participant_disconnected)
        self._session.on("close", self._on_session_close)
        self._active_since = self._clock()
        self._set_status(AvatarStatus.ACTIVE, reason=None, error=None)
        prometheus_metrics.record_avatar_session(provider=provider, outcome="active")
        logger.info("avatar active", extra={"provider": provider})
        return AvatarStatus.ACTIVE

    def finish(self) -> None:
        """Record the avatar minutes (the `ended` event). Idempotent; call before the
        interview's rows are flushed."""
        if self._finished or self._status is None:
            return
        self._stop_clock()
        self._finished = True
        self._room.off("participant_disconnected", self._on_participant_disconnected)
        self._log.event(EventKind.AVATAR, self._data(AvatarStatus.ENDED, None, None))
        prometheus_metrics.record_avatar_seconds(
            provider=self._options.provider.value, seconds=self._active_s
        )

    def cost_line(self) -> CostLine | None:
        """The avatar's line of the interview's cost: its minutes, priced per minute. None
        when no avatar was attempted."""
        if self._status is None:
            return None
        minutes = self._minutes()
        price = self._options.price_per_minute_usd
        return CostLine(
            source=CostSource.AVATAR,
            model=self._options.provider.value,
            usage=TokenUsage(),
            minutes=minutes,
            usd=round(minutes * price, 6) if price is not None else None,
        )

    async def store_cost(
        self, store: InterviewStore, interview_id: str, *, prices_as_of: date
    ) -> None:
        """Store the cost line (after `finish()`). Logged, never raised: the interview's end
        must not depend on its bill."""
        line = self.cost_line()
        if line is None:
            return
        try:
            await store.save_cost(
                interview_id, CostSource.AVATAR, [line], prices_as_of=prices_as_of
            )
        except Exception:
            logger.exception(
                "could not store the avatar cost", extra={"interview_id": interview_id}
            )
            return
        prometheus_metrics.record_cost(CostSource.AVATAR.value, line.usd or 0.0)

    async def aclose(self) -> None:
        """Finish and end the provider's conversation (the plugin removes its participant)."""
        self.finish()
        await self._close_provider()
        for task in list(self._tasks):
            await task

    # --- internals ----------------------------------------------------------------------

    def _on_participant_disconnected(self, participant: rtc.RemoteParticipant) -> None:
        if participant.identity != self.identity or self._status != AvatarStatus.ACTIVE:
            return
        if self._finished:
            return
        assert self._voice_tail is not None
        # the proxy finishes the avatar's pending segment as interrupted and carries the rest
        # of a segment still being spoken to the room: the turn goes on in the same voice
        self._session.output.replace_audio_tail(self._voice_tail)
        self._stop_clock()
        logger.warning(
            "avatar left mid-interview, continuing voice-only",
            extra={"provider": self._options.provider.value},
        )
        self._unavailable("disconnected", None)

    def _on_session_close(self, _ev: object) -> None:
        # the interview is over: the plugin removing its participant now is not a drop
        self._stop_clock()
        self._room.off("participant_disconnected", self._on_participant_disconnected)

    def _stop_clock(self) -> None:
        if self._active_since is not None:
            self._active_s += max(0.0, self._clock() - self._active_since)
            self._active_since = None

    def _unavailable(self, reason: str, error: str | None) -> None:
        self._set_status(AvatarStatus.UNAVAILABLE, reason=reason, error=error)
        prometheus_metrics.record_avatar_session(
            provider=self._options.provider.value, outcome=reason
        )

    def _set_status(self, status: AvatarStatus, *, reason: str | None, error: str | None) -> None:
        self._status = status
        self._log.event(EventKind.AVATAR, self._data(status, reason, error))
        if self._publish is not None:
            self._spawn(self._publish({AgentAttribute.AVATAR: status.value}))

    def _data(self, status: AvatarStatus, reason: str | None, error: str | None) -> dict[str, Any]:
        active = round(self.active_s, 3)
        return {
            "status": status.value,
            "provider": self._options.provider.value,
            "reason": reason,
            "error": error,
            "active_s": active,
            "minutes": self._minutes(),
        }

    def _minutes(self) -> float:
        """The billed minutes, rounded once: the `ended` event and the cost line must agree."""
        return round(self.active_s / 60, 4)

    async def _close_provider(self) -> None:
        try:
            await self._avatar.aclose()
        except Exception:
            logger.warning("could not close the avatar session", exc_info=True)

    def _spawn(self, coro: Any) -> None:
        async def run() -> None:
            try:
                await coro
            except Exception:
                logger.warning("avatar background step failed", exc_info=True)

        task = asyncio.create_task(run(), name="interview-avatar")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
