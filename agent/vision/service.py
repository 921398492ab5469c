"""One interview's vision, wired: sampler → bounded queue → analysis thread → store and hints.

Usage in the worker (the sampler must exist before the AgentSession is built):

    vision = VisionService(settings=vs, writer=ictx.writer, phase=lambda: ...)
    session = AgentSession(..., video_sampler=vision.sampler)
    await session.start(...)
    await vision.start(session)          # hints go into the agent's chat context
    ...
    await vision.aclose()                # flushes the last window, stores pipeline stats

Nothing here can fail the interview: every error is logged (without content) and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from interview_store import EventKind, InterviewEvent, Observation

from ..store_writer import StoreWriter
from .analysis_queue import AnalysisQueue
from .face import FaceAnalyzer, FaceReading
from .frames import RGBImage, SampledFrame, to_rgb
from .gemini_review import GeminiReviewer, ReviewFrame, downscale
from .hints import HintBroker, HintSink, chat_context_sink
from .local import LocalObserver
from .sampler import PhaseAwareSampler
from .settings import VisionSettings
from .source import VideoSourceSelector

if TYPE_CHECKING:
    from livekit import rtc
    from livekit.agents import AgentSession

logger = logging.getLogger("agent.vision")

_NOT_GIVEN: Any = object()


@dataclass(frozen=True)
class FrameAnalysis:
    reading: FaceReading | None
    review_rgb: RGBImage | None


class VisionService:
    def __init__(
        self,
        *,
        settings: VisionSettings,
        writer: StoreWriter | None,
        phase: Callable[[], str | None],
        reviewer: GeminiReviewer | None = _NOT_GIVEN,
        analyzer_factory: Callable[[], FaceAnalyzer] | None = _NOT_GIVEN,
        hint_sink: HintSink | None = None,
        on_drop: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._writer = writer
        self._clock = clock
        self._phase = phase
        self._selector: VideoSourceSelector | None = None
        self._reviewer = (
            GeminiReviewer.from_settings(settings) if reviewer is _NOT_GIVEN else reviewer
        )
        if analyzer_factory is _NOT_GIVEN:
            analyzer_factory = self._default_analyzer if settings.local_enabled else None
        self._analyzer_factory = analyzer_factory
        self._analyzer: FaceAnalyzer | None = None
        self._analyzer_failed = False
        self._analyzer_lock = threading.Lock()

        self._sampler = PhaseAwareSampler(
            fps_for=settings.fps_for,
            phase=phase,
            on_sample=self._on_sample,
            clock=monotonic,
            wall_clock=clock,
        )
        self._queue: AnalysisQueue[SampledFrame, FrameAnalysis] = AnalysisQueue(
            analyse=self._analyse,
            on_result=self._on_result,
            maxsize=settings.queue_size,
            on_drop=on_drop,
        )
        self._observer = LocalObserver.from_settings(settings)
        self._hints = HintBroker(
            writer=writer,
            min_interval_s=settings.hint_min_interval_s,
            kind_cooldown_s=settings.hint_kind_cooldown_s,
            confidence_floor=settings.gemini_min_confidence,
            sink=hint_sink,
            clock=clock,
        )
        self._outbox: asyncio.Queue[list[Observation]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._stored = 0

    # -- public surface

    @property
    def sampler(self) -> PhaseAwareSampler:
        """Pass as `AgentSession(video_sampler=...)`."""
        return self._sampler

    @property
    def queue(self) -> AnalysisQueue[SampledFrame, FrameAnalysis]:
        return self._queue

    @property
    def reviewer(self) -> GeminiReviewer | None:
        return self._reviewer

    @property
    def hints(self) -> HintBroker:
        return self._hints

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sampler": asdict(self._sampler.stats),
            "queue": asdict(self._queue.stats),
            "observations_stored": self._stored,
            "hints_sent": self._hints.sent,
            "hints_suppressed": self._hints.suppressed,
            "local_analysis": self._analyzer is not None,
        }
        if self._reviewer is not None:
            out["review"] = asdict(self._reviewer.stats)
        return out

    async def start(
        self, session: AgentSession[Any] | None = None, *, room: rtc.Room | None = None
    ) -> None:
        """Start analysing. With the session, hints go into its agent's chat context; with the
        room too, the RoomIO video input is pinned to the screen share in the screen phases."""
        if self._started:
            return
        self._started = True
        if session is not None and self._hints_sink_missing():
            self._hints.set_sink(chat_context_sink(session))
        if session is not None and room is not None:
            self._selector = VideoSourceSelector.for_session(
                session, room=room, prefer_screen=self._in_screen_phase
            )
            if self._selector is not None:
                self._selector.start()
        self._queue.start()
        self._tasks.append(asyncio.create_task(self._write_loop(), name="vision-writer"))
        if self._reviewer is not None:
            self._tasks.append(
                asyncio.create_task(self._reviewer.run(self._publish), name="vision-review")
            )

    def phase_changed(self, phase: str | None = None) -> None:
        """Hook for the phase machine: re-pick the video source for the new phase."""
        if self._selector is not None:
            self._selector.refresh()

    def _in_screen_phase(self) -> bool:
        return self._phase() in self._settings.screen_phases

    async def flush(self) -> None:
        """Wait until sampled frames are analysed and their observations written (tests)."""
        await self._queue.join()
        await self._outbox.join()

    async def aclose(self) -> None:
        if not self._started:
            return
        self._started = False
        self._sampler.set_on_sample(None)
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        await self._queue.aclose()
        final = self._observer.flush(self._clock())
        if final:
            await self._publish(final)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._outbox.join(), timeout=5.0)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._store_stats()
        # the analysis thread may still be finishing a frame: close the models off the loop
        await asyncio.to_thread(self._close_analyzer)

    # -- sampler side (event loop, must not block)

    def _on_sample(self, frame: SampledFrame) -> None:
        if self._started:
            self._queue.offer(frame)

    # -- analysis thread

    def _analyse(self, sampled: SampledFrame) -> FrameAnalysis:
        rgb = to_rgb(sampled.frame)
        reading = None
        if sampled.source != "screen":
            analyzer = self._get_analyzer()
            if analyzer is not None:
                with self._analyzer_lock:
                    reading = analyzer.analyse(rgb)
        review_rgb = None
        if self._reviewer is not None:
            review_rgb = downscale(rgb, self._settings.gemini_image_max_side)
        return FrameAnalysis(reading=reading, review_rgb=review_rgb)

    def _default_analyzer(self) -> FaceAnalyzer:
        return FaceAnalyzer(
            models_dir=self._settings.models_dir, num_threads=self._settings.litert_threads
        )

    def _get_analyzer(self) -> FaceAnalyzer | None:
        if self._analyzer is None and not self._analyzer_failed and self._analyzer_factory:
            try:
                self._analyzer = self._analyzer_factory()
            except Exception as e:
                self._analyzer_failed = True
                logger.warning("local face analysis disabled: %s", e)
        return self._analyzer

    def _close_analyzer(self) -> None:
        with self._analyzer_lock:
            if self._analyzer is not None:
                self._analyzer.close()
                self._analyzer = None

    # -- back on the event loop

    async def _on_result(self, sampled: SampledFrame, result: FrameAnalysis) -> None:
        if result.review_rgb is not None and self._reviewer is not None:
            self._reviewer.add_frame(
                ReviewFrame(
                    rgb=result.review_rgb, at=sampled.at, phase=sampled.phase, source=sampled.source
                )
            )
        if result.reading is not None:
            observations = self._observer.update(
                at=sampled.at, phase=sampled.phase, source=sampled.source, reading=result.reading
            )
            if observations:
                await self._publish(observations)

    async def _publish(self, observations: list[Observation]) -> None:
        self._outbox.put_nowait(observations)

    async def _write_loop(self) -> None:
        """Store, then consider hints, in order; a slow store never stalls the analysis."""
        while True:
            observations = await self._outbox.get()
            try:
                for obs in observations:
                    self._store_observation(obs)
                await self._hints.consider(observations)
            except Exception:
                logger.exception("vision observations not handled")
            finally:
                self._outbox.task_done()

    def _store_observation(self, obs: Observation) -> None:
        if self._writer is not None:
            self._writer.observation(obs)
            self._stored += 1

    def _store_stats(self) -> None:
        if self._writer is not None:
            self._writer.event(
                InterviewEvent(
                    kind=EventKind.NOTE,
                    at=self._clock(),
                    data={"note": "vision_stats", **self.stats()},
                )
            )

    def _hints_sink_missing(self) -> bool:
        return not self._hints.has_sink
