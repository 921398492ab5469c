"""The session's video sampler: which frames reach Gemini Live and the analysis.

livekit-agents calls `video_sampler(frame, session)` for EVERY frame of the session's video
input (30 fps from a webcam) on the event loop; returning True forwards the frame to the
realtime model (`push_video`, JPEG-encoded by the plugin). So this must be cheap: a clock
check, and for accepted frames a non-blocking hand-off to the analysis queue.

Rates depend on the phase: ~1 frame / 2 s in conversation (enough to see the candidate;
Gemini bills every frame), ~1 / s while coding (code on a shared screen changes faster).
The first frame after the source changes (camera <-> screen share) is always taken, so
the interviewer sees the switch at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from livekit import rtc

from .frames import FrameSource, SampledFrame, source_of

if TYPE_CHECKING:
    from livekit.agents import AgentSession


@dataclass
class SamplerStats:
    seen: int = 0
    accepted: int = 0
    accepted_by_source: dict[FrameSource, int] = field(default_factory=dict)
    """How much of the analysis saw the camera and how much a shared screen (coding)."""


def session_source(session: AgentSession[Any]) -> FrameSource:
    return source_of(session.input.video)


class PhaseAwareSampler:
    def __init__(
        self,
        *,
        fps_for: Callable[[str | None], float],
        phase: Callable[[], str | None],
        on_sample: Callable[[SampledFrame], None] | None = None,
        source: Callable[[AgentSession[Any]], FrameSource] = session_source,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._fps_for = fps_for
        self._phase = phase
        self._on_sample = on_sample
        self._source = source
        self._clock = clock
        self._wall_clock = wall_clock
        self._last_at: float | None = None
        self._last_source: FrameSource | None = None
        self._stats = SamplerStats()

    @property
    def stats(self) -> SamplerStats:
        return self._stats

    def set_on_sample(self, on_sample: Callable[[SampledFrame], None] | None) -> None:
        self._on_sample = on_sample

    def __call__(self, frame: rtc.VideoFrame, session: AgentSession[Any]) -> bool:
        self._stats.seen += 1
        now = self._clock()
        phase = self._phase()
        source = self._source(session)
        interval = 1.0 / self._fps_for(phase)
        switched = self._last_source is not None and source != self._last_source
        self._last_source = source
        if not switched and self._last_at is not None and now - self._last_at < interval:
            return False
        # keep the cadence on a grid so jittery frame timing cannot drift the rate up
        if self._last_at is not None and not switched and now - self._last_at < 2 * interval:
            self._last_at += interval
        else:
            self._last_at = now
        self._stats.accepted += 1
        by_source = self._stats.accepted_by_source
        by_source[source] = by_source.get(source, 0) + 1
        if self._on_sample is not None:
            self._on_sample(
                SampledFrame(frame=frame, at=self._wall_clock(), phase=phase, source=source)
            )
        return True
