"""Vision inside the real job code: `start_interview` wires the sampler into the session,
frames from the session's video input are analysed with the real face models, and the end of
the interview (`on_session_end` -> finalize) stores it all."""

from __future__ import annotations

import asyncio

import pytest
from google.genai import types
from livekit.agents import Agent, AgentSession
from livekit.plugins import google

from agent.vision import VisionService, VisionSettings
from interview_store import EventKind, InterviewStore
from testkit.agent_harness import interview_harness
from testkit.gemini_live import FakeGeminiLive
from testkit.interview_fixtures import FakeClock
from testkit.tls import LocalTLS
from tests.fake_llm import FakeLLM
from tests.test_vision_pipeline import SyntheticVideo

pytestmark = pytest.mark.timing


async def test_the_job_samples_analyses_and_stores(sqlite_store: InterviewStore) -> None:
    video = SyntheticVideo(frames=40, clock=FakeClock(), pace_s=0.05)  # real 20 fps
    vision_settings = VisionSettings(  # type: ignore[call-arg]
        _env_file=None, gemini_enabled=False, conversation_fps=5.0, window_s=0.5
    )
    async with interview_harness(
        sqlite_store, llm_model=FakeLLM(), video_input=video, vision=vision_settings
    ) as h:
        vision = h.run.vision
        assert vision is not None
        video.go.set()
        await asyncio.wait_for(video.done.wait(), timeout=30)
        await asyncio.wait_for(vision.flush(), timeout=30)
        assert vision.sampler.stats.seen == 40
        assert vision.sampler.stats.accepted >= 1
        interview_id = h.ictx.interview_id
    # the harness ended the interview like a worker: vision closed, rows flushed

    stored = await sqlite_store.get(interview_id)
    assert stored is not None
    states = [o for o in stored.observations if o.kind == "face_state"]
    assert states and states[0].data["presence"] == "absent"  # synthetic frames: no face
    assert all(o.phase == "intro" for o in stored.observations)
    (note,) = [e for e in stored.events_of(EventKind.NOTE) if e.data["note"] == "vision_stats"]
    assert note.data["local_analysis"] is True  # the real models ran
    assert note.data["queue"]["analysed"] >= 1


async def test_accepted_frames_reach_the_gemini_live_session(
    emulator: FakeGeminiLive, tls: LocalTLS
) -> None:
    """The interviewer sees exactly the sampled frames: the real Gemini plugin against the
    Live emulator receives one JPEG per accepted frame, while every frame is offered."""
    clock = FakeClock()
    video = SyntheticVideo(frames=60, clock=clock, pace_s=0.01)
    vision = VisionService(
        settings=VisionSettings(_env_file=None, gemini_enabled=False),  # type: ignore[call-arg]
        writer=None,
        phase=lambda: "coding",
        reviewer=None,
        analyzer_factory=None,
        clock=clock,
        monotonic=clock,
    )
    model = google.realtime.RealtimeModel(
        api_key="fake-key",
        modalities=[types.Modality.TEXT],
        http_options=types.HttpOptions(
            base_url=emulator.base_url, async_client_args={"ssl": tls.client_context()}
        ),
    )
    session: AgentSession[None] = AgentSession(
        llm=model,
        video_sampler=vision.sampler,
        turn_handling={"turn_detection": "realtime_llm"},
    )
    session.input.video = video
    await session.start(Agent(instructions="interviewer"))
    await vision.start(session)
    try:
        video.go.set()
        await asyncio.wait_for(video.done.wait(), timeout=30)
        for _ in range(200):
            if len(emulator.state.video_frames) >= vision.sampler.stats.accepted:
                break
            await asyncio.sleep(0.05)
    finally:
        await vision.aclose()
        await session.aclose()
    assert vision.sampler.stats.seen == 60
    assert vision.sampler.stats.accepted == 6  # 6 simulated seconds at the coding rate
    assert len(emulator.state.video_frames) == 6
    assert all(mime == "image/jpeg" for mime, _ in emulator.state.video_frames)
