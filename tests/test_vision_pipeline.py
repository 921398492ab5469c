"""The sampled-frame path through a real AgentSession's video input, the bounded analysis
queue, the observation -> hint path and the camera/screen selection.

Time is simulated (frames advance a fake clock), so rates are asserted exactly and nothing
depends on how fast this machine is.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import Agent, AgentSession, io

from agent.store_writer import StoreWriter
from agent.vision import VisionService, VisionSettings
from agent.vision.analysis_queue import AnalysisQueue
from agent.vision.face import FaceBox, FaceReading, HeadPose
from agent.vision.hints import NOTE_PREFIX, HintBroker
from agent.vision.source import VideoSourceSelector
from interview_store import EventKind, InterviewStore, Observation
from testkit.interview_fixtures import FakeClock, sample_plan
from tests.fake_llm import FakeLLM, Turn

FPS = 10


class SyntheticVideo(io.VideoInput):
    """RGBA frames at a simulated 10 fps; `script(i)` may change phase/source before frame i.

    Exposes `publication_source` like RoomIO's participant stream does."""

    def __init__(
        self,
        *,
        frames: int,
        clock: FakeClock,
        script: Callable[[int], None] | None = None,
        pace_s: float = 0.0,
    ) -> None:
        super().__init__(label="synthetic")
        self._frames = frames
        self._clock = clock
        self._script = script
        self._i = 0
        self._pace_s = pace_s
        self.publication_source = rtc.TrackSource.SOURCE_CAMERA
        self.go = asyncio.Event()
        self.done = asyncio.Event()

    async def __anext__(self) -> rtc.VideoFrame:
        await self.go.wait()
        if self._i >= self._frames:
            self.done.set()
            await asyncio.Event().wait()  # stay open like a live track
        if self._script is not None:
            self._script(self._i)
        self._i += 1
        self._clock.advance(1 / FPS)
        await asyncio.sleep(self._pace_s)
        rgba = np.zeros((48, 64, 4), np.uint8)
        rgba[..., 0] = self._i % 255
        rgba[..., 3] = 255
        return rtc.VideoFrame(64, 48, rtc.VideoBufferType.RGBA, rgba.tobytes())


class BlockingAnalyzer:
    """Stands in for the face models: one face per frame, but only when released."""

    def __init__(self, faces: int = 1, *, blocked: bool = False) -> None:
        self.release = threading.Event()
        if not blocked:
            self.release.set()
        self.faces = faces
        self.calls = 0

    def analyse(self, rgb: np.ndarray) -> FaceReading:
        assert rgb.shape == (48, 64, 3)
        self.release.wait(timeout=30)
        self.calls += 1
        box = FaceBox(x=0.4, y=0.3, width=0.2, height=0.3, score=0.9)
        return FaceReading(faces=(box,) * self.faces, pose=HeadPose(0.0, 5.0, 0.0))

    def close(self) -> None:
        pass


def settings(**kw: Any) -> VisionSettings:
    return VisionSettings(gemini_enabled=False, _env_file=None, **kw)  # type: ignore[call-arg]


async def test_rates_per_phase_bounded_queue_and_conversation_not_delayed() -> None:
    clock = FakeClock()
    phase = {"now": "technical"}
    video: SyntheticVideo

    def script(i: int) -> None:
        if i == 100:  # after 10 s of conversation the candidate shares a screen to code
            phase["now"] = "coding"
            video.publication_source = rtc.TrackSource.SOURCE_SCREENSHARE

    video = SyntheticVideo(frames=200, clock=clock, script=script)
    analyzer = BlockingAnalyzer(blocked=True)
    vision = VisionService(
        settings=settings(queue_size=4),
        writer=None,
        phase=lambda: phase["now"],
        reviewer=None,
        analyzer_factory=lambda: analyzer,  # type: ignore[arg-type,return-value]
        monotonic=clock,
        clock=clock,
    )
    llm = FakeLLM([Turn(text="Tell me about a system you built.")])
    session: AgentSession[None] = AgentSession(llm=llm, video_sampler=vision.sampler)
    session.input.video = video
    await session.start(Agent(instructions="interviewer"))
    await vision.start(session)
    try:
        video.go.set()
        # the conversation goes on while the analysis thread is stuck on a frame
        result = await asyncio.wait_for(session.run(user_input="Hello"), timeout=20)
        result.expect.next_event().is_message(role="assistant")
        await asyncio.wait_for(video.done.wait(), timeout=20)

        stats = vision.sampler.stats
        assert stats.seen == 200
        # 10 s at 0.5 fps -> 5; the switch to the screen is taken at once; then 10 s at 1 fps
        assert stats.accepted == 5 + 10
        assert stats.accepted_by_source == {"camera": 5, "screen": 10}
        q = vision.queue.stats
        assert q.offered == 15
        assert q.max_depth <= 4 and vision.queue.depth == 4
        assert q.dropped == 15 - 1 - 4  # one in the analyser, four waiting, the rest dropped

        analyzer.release.set()
        await asyncio.wait_for(vision.flush(), timeout=20)
        assert q.analysed == 5
        # screen frames are not camera observations: only the camera frame got a face reading
        assert analyzer.calls == 1
    finally:
        analyzer.release.set()
        await vision.aclose()
        await session.aclose()


async def test_drop_oldest_keeps_the_newest() -> None:
    gate = threading.Event()
    seen: list[int] = []
    drops: list[int] = []

    def analyse(item: int) -> int:
        gate.wait(timeout=10)
        return item * 10

    queue: AnalysisQueue[int, int] = AnalysisQueue(
        analyse=analyse,
        on_result=lambda item, result: seen.append(result),
        maxsize=3,
        on_drop=drops.append,
    )
    queue.start()
    try:
        queue.offer(0)
        await asyncio.sleep(0.05)  # let the worker take item 0
        for i in range(1, 10):
            queue.offer(i)
        assert queue.depth == 3 and queue.stats.dropped == 6 and sum(drops) == 6
        gate.set()
        await asyncio.wait_for(queue.join(), timeout=10)
        assert seen == [0, 70, 80, 90]
    finally:
        gate.set()
        await queue.aclose()


async def test_failed_analysis_is_counted_not_fatal() -> None:
    def analyse(item: int) -> int:
        if item == 1:
            raise RuntimeError("boom")
        return item

    results: list[int] = []
    queue: AnalysisQueue[int, int] = AnalysisQueue(
        analyse=analyse, on_result=lambda i, r: results.append(r), maxsize=8
    )
    queue.start()
    for i in range(3):
        queue.offer(i)
    await asyncio.wait_for(queue.join(), timeout=10)
    await queue.aclose()
    assert results == [0, 2] and queue.stats.failed == 1


async def test_two_faces_are_stored_and_hinted_into_the_agent_context(
    sqlite_store: InterviewStore,
) -> None:
    record = await sqlite_store.create(sample_plan())
    clock = FakeClock()
    video = SyntheticVideo(frames=60, clock=clock)
    analyzer = BlockingAnalyzer(faces=2)
    writer = StoreWriter(sqlite_store, record.id)
    vision = VisionService(
        settings=settings(),
        writer=writer,
        phase=lambda: "behavioural",
        reviewer=None,
        analyzer_factory=lambda: analyzer,  # type: ignore[arg-type,return-value]
        monotonic=clock,
        clock=clock,
    )
    session: AgentSession[None] = AgentSession(llm=FakeLLM(), video_sampler=vision.sampler)
    session.input.video = video
    agent = Agent(instructions="interviewer")
    await session.start(agent)
    await vision.start(session)
    try:
        video.go.set()
        await asyncio.wait_for(video.done.wait(), timeout=20)
        await asyncio.wait_for(vision.flush(), timeout=20)
        notes = [m for m in agent.chat_ctx.messages() if NOTE_PREFIX in (m.text_content or "")]
        assert len(notes) == 1  # rate-limited: one hint although every frame shows two faces
        assert notes[0].role == "system"  # a text LLM; Gemini Live gets a model turn instead
        assert "Someone else may be in view" in (notes[0].text_content or "")
        # never in the spoken transcript
        assert not any(NOTE_PREFIX in (m.text_content or "") for m in session.history.messages())
    finally:
        await vision.aclose()
        await session.aclose()
        await writer.aclose()

    stored = await sqlite_store.get(record.id)
    assert stored is not None
    states = [o for o in stored.observations if o.kind == "face_state"]
    assert [o.data["presence"] for o in states] == ["multiple"]
    assert all(o.source == "local" and o.phase == "behavioural" for o in stored.observations)
    assert any(o.kind == "face_window" for o in stored.observations)
    (hint,) = stored.events_of(EventKind.HINT)
    assert hint.data["hint"] == "other_person" and hint.data["delivered"] is True
    (note,) = [e for e in stored.events_of(EventKind.NOTE) if e.data["note"] == "vision_stats"]
    assert note.data["sampler"]["accepted"] == 3  # 6 s at 0.5 fps
    assert note.data["sampler"]["accepted_by_source"] == {"camera": 3}


async def test_hints_are_rate_limited_and_phase_aware() -> None:
    clock = FakeClock()
    delivered: list[str] = []

    async def sink(text: str) -> None:
        delivered.append(text)

    broker = HintBroker(
        writer=None,
        min_interval_s=90,
        kind_cooldown_s=300,
        confidence_floor=0.6,
        sink=sink,
        clock=clock,
    )

    def gemini(kind: str, phase: str, confidence: float = 0.9) -> Observation:
        return Observation(
            at=clock(), source="gemini", kind=kind, phase=phase, confidence=confidence
        )

    await broker.consider([gemini("reading_from_notes", "coding")])  # normal while coding
    await broker.consider([gemini("code_visible", "coding")])  # no hint for plain content
    await broker.consider([gemini("reading_from_notes", "technical", confidence=0.3)])
    assert delivered == []
    await broker.consider([gemini("reading_from_notes", "technical")])
    assert len(delivered) == 1 and "own words" in delivered[0]
    clock.advance(30)
    await broker.consider([gemini("another_person", "technical")])  # too soon after the last
    clock.advance(100)
    await broker.consider([gemini("reading_from_notes", "technical")])  # same kind: cooldown
    await broker.consider([gemini("another_person", "technical")])
    assert len(delivered) == 2 and "Someone else" in delivered[1]
    assert broker.suppressed == 2
    for text in delivered:  # short, and never a verdict
        assert len(text) < 250
        assert not any(w in text.lower() for w in ("cheat", "dishonest", "lying", "nervous"))


# -- camera vs screen share: RoomIO's input pinned through its public set_track_sid


@dataclass
class _Pub:
    sid: str
    source: int
    kind: int = rtc.TrackKind.KIND_VIDEO


@dataclass
class _Participant:
    track_publications: dict[str, _Pub] = field(default_factory=dict)


class _Room:
    """Only what the selector reads from rtc.Room: no LiveKit server runs in these tests."""

    def __init__(self) -> None:
        self.remote_participants = {"cand": _Participant()}
        self.handlers: dict[str, list[Callable[..., None]]] = {}

    def on(self, event: str, fn: Callable[..., None]) -> None:
        self.handlers.setdefault(event, []).append(fn)

    def off(self, event: str, fn: Callable[..., None]) -> None:
        self.handlers[event].remove(fn)

    def emit(self, event: str) -> None:
        for fn in list(self.handlers.get(event, [])):
            fn()


class _Input:
    def __init__(self) -> None:
        self.pins: list[str | None] = []

    def set_track_sid(self, sid: str | None) -> None:
        self.pins.append(sid)


def test_screen_share_preferred_only_in_the_coding_phase() -> None:
    room, video_input, phase = _Room(), _Input(), {"now": "intro"}
    pubs = room.remote_participants["cand"].track_publications
    pubs["TR_mic"] = _Pub("TR_mic", rtc.TrackSource.SOURCE_MICROPHONE, rtc.TrackKind.KIND_AUDIO)
    pubs["TR_cam"] = _Pub("TR_cam", rtc.TrackSource.SOURCE_CAMERA)
    selector = VideoSourceSelector(
        room=room,  # type: ignore[arg-type]
        video_input=video_input,
        participant_identity=lambda: "cand",
        prefer_screen=lambda: phase["now"] == "coding",
    )
    selector.start()
    assert video_input.pins == ["TR_cam"]
    pubs["TR_screen"] = _Pub("TR_screen", rtc.TrackSource.SOURCE_SCREENSHARE)
    room.emit("track_published")
    assert video_input.pins == ["TR_cam"]  # not coding: the camera stays
    phase["now"] = "coding"
    selector.refresh()
    assert video_input.pins[-1] == "TR_screen"
    del pubs["TR_screen"]
    room.emit("track_unpublished")
    assert video_input.pins[-1] == "TR_cam"  # sharing stopped: back to the face
    selector.close()
    assert all(not handlers for handlers in room.handlers.values())


@pytest.mark.parametrize(
    ("phase", "fps"), [("intro", 0.5), ("technical", 0.5), ("coding", 1.0), (None, 0.5)]
)
def test_rates_come_from_settings(phase: str | None, fps: float) -> None:
    assert settings().fps_for(phase) == fps
