"""Run one interview through the product's job code without a LiveKit server.

The harness fills `InterviewComponents` the way a test or a benchmark needs (a scripted LLM or
the real Gemini plugin against the Live emulator, custom audio/video I/O instead of a room, an
existing store, optional vision and recording) and starts it with the same
`agent.worker.start_interview` the worker runs, inside livekit-agents' `fake_job_context()`.
Leaving the context ends the interview the way a worker does (`on_session_end`: session report,
recording, finalize), so tests exercise the real end path too.

Time: with a `FakeClock` the pacer's own one-second loop is stopped and `advance(seconds)`
moves the interview's clock and runs one pacing decision, so time boxes, patience and stalls
are tested without sleeping. Without one, the interview runs on wall-clock time.

    async with interview_harness(store, llm_model=FakeLLM(), clock=FakeClock()) as h:
        await h.say("Hi, I'm Ada.")
        await h.advance(60)
        record = await h.record()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from livekit.agents import AgentSession, JobContext, io, llm, vad
from livekit.agents.testing import fake_job_context
from livekit.agents.voice.run_result import RunResult

from agent.interview_context import AgentOptions, InterviewContext
from agent.pacing import Pacer
from agent.recording import RecordingSettings
from agent.settings import AgentSettings
from agent.vision import VisionSettings
from agent.worker import (
    CustomMedia,
    InterviewComponents,
    InterviewRun,
    on_session_end,
    start_interview,
)
from interview_store import InterviewPlan, InterviewRecord, InterviewStore

from .interview_fixtures import FakeClock, sample_plan


def agent_settings(storage_dir: Path, **overrides: Any) -> AgentSettings:
    """Agent settings for a run without LiveKit or Google: dummy credentials, no `.env`."""
    values: dict[str, Any] = {
        "livekit_url": "ws://127.0.0.1:1",
        "livekit_api_key": "key",
        "livekit_api_secret": "secret",
        "google_api_key": "fake-key",
        "storage_dir": storage_dir,
    }
    return AgentSettings(_env_file=None, **{**values, **overrides})


def quick_options(**overrides: Any) -> AgentOptions:
    """The deployed defaults, minus the guards that make a short scripted interview wait:
    no minimum dwell per phase, no minimum duration before ending."""
    return AgentOptions.defaults(**{"min_phase_s": 0, "min_duration_fraction": 0, **overrides})


@dataclass
class AgentHarness:
    run: InterviewRun
    ctx: JobContext
    store: InterviewStore
    clock: FakeClock | None
    published: list[dict[str, str]] = field(default_factory=list)
    """The agent's attributes as the room would have received them."""

    @property
    def session(self) -> AgentSession[InterviewContext]:
        return self.run.session

    @property
    def ictx(self) -> InterviewContext:
        return self.run.ictx

    @property
    def pacer(self) -> Pacer:
        return self.run.pacer

    async def flush(self) -> None:
        """Everything the agent queued for the store so far is written."""
        await self.run.ictx.writer.flush()

    async def record(self) -> InterviewRecord:
        await self.flush()
        record = await self.store.get(self.run.ictx.interview_id)
        assert record is not None, "the interview vanished"
        return record

    async def say(self, text: str, *, timeout_s: float = 10.0) -> RunResult[Any]:
        """A candidate turn in text mode; returns livekit-agents' `RunResult` for `.expect`."""
        result: RunResult[Any] = await asyncio.wait_for(
            self.session.run(user_input=text), timeout_s
        )
        return result

    async def advance(self, seconds: float) -> None:
        """Move the interview's clock and let the pacer decide (fake clock only)."""
        if self.clock is None:
            raise RuntimeError("advance() needs a harness started with a FakeClock")
        self.clock.advance(seconds)
        await self.run.pacer.tick()


@contextlib.asynccontextmanager
async def interview_harness(
    store: InterviewStore,
    *,
    llm_model: llm.LLM[Any] | llm.RealtimeModel,
    settings: AgentSettings | None = None,
    plan: InterviewPlan | None = None,
    options: AgentOptions | None = None,
    vad_model: vad.VAD | None = None,
    audio_input: io.AudioInput | None = None,
    audio_output: io.AudioOutput | None = None,
    video_input: io.VideoInput | None = None,
    vision: VisionSettings | None = None,
    recording: RecordingSettings | None = None,
    greet: bool = False,
    clock: FakeClock | None = None,
) -> AsyncIterator[AgentHarness]:
    """Create the interview record, start it through `start_interview`, yield the harness,
    then end it like a worker (`on_session_end`)."""
    record = await store.create(plan or sample_plan(planned_minutes=10))
    published: list[dict[str, str]] = []

    async def attributes(attrs: dict[str, str]) -> None:
        published.append(attrs)

    parts = InterviewComponents(
        settings=settings or agent_settings(store.storage_dir),
        store=store,
        llm_model=llm_model,
        vad_model=vad_model,
        options=options or quick_options(),
        vision=vision,
        recording=recording,
        media=CustomMedia(
            audio_input=audio_input,
            audio_output=audio_output,
            video_input=video_input,
            attributes=attributes,
        ),
        greet=greet,
        clock=clock if clock is not None else time.time,
    )
    with fake_job_context(job_metadata=json.dumps({"interview_id": record.id})) as ctx:
        run = await start_interview(ctx, parts)
        assert run is not None, "the job was refused"
        if clock is not None:
            await run.pacer.stop_ticking()  # time moves only through advance()
        harness = AgentHarness(run=run, ctx=ctx, store=store, clock=clock, published=published)
        try:
            yield harness
        finally:
            await run.session.aclose()
            await on_session_end(ctx)
