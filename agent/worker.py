"""The LiveKit worker: dispatch in, one interview per job, the record updated on the way out.

Composition: `run_job(ctx, settings=...)` is the job entry; it fills `InterviewComponents`
from settings (Gemini Live, the process's VAD, vision, recording, a store) and calls
`start_interview(ctx, components)`, which builds the session through
`session.build_session(...)` and starts it. Harnesses (`testkit/agent_harness.py`, the
benchmark) fill the same dataclass themselves and call `start_interview` too, so production
signatures carry nothing for tests. `on_session_end()` -> `finalize()` is the one path that
runs when an interview ends (session report, usage, status, evaluation request).
`InterviewRun` carries the `InterviewContext` (interview id, store writer, phase machine —
see `agent/interview_context.py`), the session, the pacer, vision and the recorder.

Job flow: metadata `{"interview_id": ...}` -> record loaded -> unknown or finished interviews
are refused (logged, record untouched, the job ends without touching the worker) -> the record
is marked live -> the session starts (Silero VAD from prewarm, Gemini Live) -> the interviewer
greets -> ... -> the session closes (end_interview, candidate left, time limit) -> job shutdown
-> `on_session_end` -> `finalize`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from livekit.agents import AgentServer, AgentSession, JobContext, JobProcess, io, llm, room_io, vad
from livekit.agents.types import NOT_GIVEN
from livekit.agents.voice.events import CloseEvent

from interview_store import (
    EventKind,
    FailureReason,
    InterviewRecord,
    InterviewStatus,
    InterviewStore,
    InvalidTransition,
    PriceTable,
    load_settings,
)

from . import capacity, prometheus_metrics
from .avatar import AvatarOptions, InterviewAvatar
from .coding import (
    CodingOptions,
    CodingRpc,
    CodingTurnTaking,
    CodingWorkspace,
    chat_context_sink,
    shared_sandbox,
)
from .interview_context import AgentOptions, InterviewContext
from .interview_costing import store_agent_cost
from .interviewer import OPENING, Interviewer
from .model_failover import ModelFailover, attach_failover, build_interview_model
from .pacing import Pacer, Publisher
from .recording import InterviewRecorder, RecordingSettings
from .session import (
    build_session,
    load_vad,
    set_end_of_speech_silence,
)
from .settings import AgentSettings
from .stall_recovery import reconnect_and_reprompt
from .vision import VisionService, VisionSettings

logger = logging.getLogger("agent.worker")

_RESUMABLE = (InterviewStatus.CREATED, InterviewStatus.LIVE)

PLAN_WAIT_S = 60.0
"""How long a job waits for an interview still `preparing` (its plan being written; the
token server's deadline is 25 s by default) before refusing it: the interviewer never runs
without its plan."""
PLAN_POLL_S = 0.5


@dataclass
class InterviewRun:
    """One running interview, as `on_session_end` and harnesses see it."""

    ictx: InterviewContext
    session: AgentSession[InterviewContext]
    pacer: Pacer
    vision: VisionService | None
    recorder: InterviewRecorder | None
    owns_store: bool
    coding: CodingWorkspace | None = None
    """The coding workspace (problem, runs, snapshots); its RPC methods are on the agent's
    local participant when the interview runs in a room."""
    failover: ModelFailover | None = None
    """The provider failover, when the model is the primary/fallback adapter."""
    prices: PriceTable = field(default_factory=PriceTable)
    """Prices the interview's usage at the end (`AgentSettings.model_prices`)."""
    avatar: InterviewAvatar | None = None
    """The interviewer's avatar (`AVATAR`), whatever became of it; None when not configured."""


_RUNS: dict[str, InterviewRun] = {}
"""Job id -> the interview it runs (a job process may run several jobs with thread executors)."""


@functools.cache
def get_settings() -> AgentSettings:
    return load_settings(AgentSettings)


@functools.cache
def get_vision_settings() -> VisionSettings:
    return load_settings(VisionSettings)


@functools.cache
def get_recording_settings() -> RecordingSettings:
    return load_settings(RecordingSettings)


def interview_id_from_metadata(metadata: str) -> str | None:
    try:
        value = json.loads(metadata or "{}").get("interview_id")
    except (json.JSONDecodeError, AttributeError):
        return None
    return str(value) if value else None


async def load_interview(store: InterviewStore, ctx: JobContext) -> InterviewRecord | None:
    """The record this job is for, or None (logged) when it must not run."""
    interview_id = interview_id_from_metadata(ctx.job.metadata)
    record: InterviewRecord | None = None
    try:
        if interview_id:
            record = await store.get(interview_id)
        elif ctx.job.room.name:  # no metadata: the room the token server created for it
            record = await store.get_by_room(ctx.job.room.name)
    except Exception:
        logger.exception("could not load the interview", extra={"job_id": ctx.job.id})
        return None
    if record is None:
        logger.error(
            "job refused: unknown interview",
            extra={"job_id": ctx.job.id, "interview_id": interview_id},
        )
        return None
    waited = 0.0
    while record.status == InterviewStatus.PREPARING and waited < PLAN_WAIT_S:
        await asyncio.sleep(PLAN_POLL_S)
        waited += PLAN_POLL_S
        record = await store.get(record.id) or record
    if record.status not in _RESUMABLE:
        logger.error(
            "job refused: interview already %s",
            record.status.value,
            extra={"job_id": ctx.job.id, "interview_id": record.id},
        )
        return None
    return record


@dataclass
class CustomMedia:
    """Audio/video I/O for a session without a room (harnesses, benchmarks, `console`-like
    runs): whatever is set replaces the session's input/output before it starts."""

    audio_input: io.AudioInput | None = None
    audio_output: io.AudioOutput | None = None
    video_input: io.VideoInput | None = None
    attributes: Publisher | None = None
    """Receives what the room would see as the agent's attributes (phase, remaining time)."""


@dataclass
class InterviewComponents:
    """Everything one interview is built from. Production fills it from settings
    (`from_settings`); harnesses fill it themselves (a scripted LLM, custom media, a fake
    clock) and go through the same `start_interview`."""

    settings: AgentSettings
    store: InterviewStore
    llm_model: llm.LLM[Any] | llm.RealtimeModel
    vad_model: vad.VAD | None
    options: AgentOptions
    vision: VisionSettings | None
    """None: no analysis, livekit-agents' default video sampler."""
    recording: RecordingSettings | None
    """None: no egress and no fallback audio."""
    owns_store: bool = False
    """Close the store when the interview ends (production opens one per job)."""
    media: CustomMedia | None = None
    """None: the room (candidate's microphone, camera and screen share; attributes published)."""
    greet: bool = True
    """The interviewer opens the interview; off when a harness scripts the first exchange."""
    clock: Callable[[], float] = time.time

    @classmethod
    def from_settings(cls, settings: AgentSettings, *, vad_model: vad.VAD | None) -> Self:
        """What `python -m agent start` runs: Gemini Live, the process's VAD, vision and
        recording as configured, a store of its own."""
        vision = get_vision_settings()
        return cls(
            settings=settings,
            store=InterviewStore.from_settings(settings),
            owns_store=True,
            llm_model=build_interview_model(settings),
            vad_model=vad_model,
            options=AgentOptions.from_settings(settings),
            vision=vision if vision.enabled else None,
            recording=get_recording_settings(),
        )


async def run_job(ctx: JobContext, *, settings: AgentSettings) -> InterviewRun | None:
    """The job entry: the interview of this job, built from settings."""
    vad_model = ctx.proc.userdata.get("vad") or load_vad(settings)
    return await start_interview(
        ctx, InterviewComponents.from_settings(settings, vad_model=vad_model)
    )


async def start_interview(ctx: JobContext, parts: InterviewComponents) -> InterviewRun | None:
    """Start the interview of this job. Returns None (after ending the job) when refused."""
    store = parts.store
    record = await load_interview(store, ctx)
    if record is not None and record.status == InterviewStatus.CREATED:
        try:
            await store.set_status(record.id, InterviewStatus.LIVE)
        except InvalidTransition as e:  # ended by someone else in between
            logger.error("job refused: %s", e, extra={"interview_id": record.id})
            record = None
    if record is None:
        if parts.owns_store:
            await store.aclose()
        ctx.shutdown(reason="interview refused")
        return None

    in_room = parts.media is None
    ictx = InterviewContext(
        interview_id=record.id,
        plan=record.plan,
        store=store,
        options=parts.options,
        clock=parts.clock,
    )

    async def publish(attrs: dict[str, str]) -> None:
        if ctx.room.isconnected():
            await ctx.room.local_participant.set_attributes(attrs)

    attributes = publish if parts.media is None else parts.media.attributes
    coding = CodingWorkspace(
        ictx,
        options=CodingOptions.from_settings(parts.settings),
        sandbox=shared_sandbox(),
        publish=attributes,
    )
    # with an avatar the greeting waits for it (below), so the first words come from its face
    avatar_options = AvatarOptions.from_settings(parts.settings) if in_room else None
    agent = Interviewer(ictx, greet=parts.greet and avatar_options is None, coding=coding)
    vision = None
    if parts.vision is not None:
        vision = VisionService(
            settings=parts.vision,
            writer=ictx.writer,
            phase=lambda: ictx.phases.current.value,
            on_drop=lambda n: prometheus_metrics.record_analysis_drop("vision-analysis", n),
            clock=parts.clock,
        )
    recorder = None
    if parts.recording is not None:
        recorder = InterviewRecorder.create(
            parts.recording,
            writer=ictx.writer,
            room_name=record.room,
            livekit_url=parts.settings.livekit_url,
            api_key=parts.settings.livekit_api_key,
            api_secret=parts.settings.livekit_api_secret.get_secret_value(),
        )
    session = build_session(
        ictx,
        llm_model=parts.llm_model,
        vad_model=parts.vad_model,
        video_sampler=vision.sampler if vision is not None else NOT_GIVEN,
    )
    if parts.media is not None:
        if parts.media.audio_input is not None:
            session.input.audio = parts.media.audio_input
        if parts.media.audio_output is not None:
            session.output.audio = parts.media.audio_output
        if parts.media.video_input is not None:
            session.input.video = parts.media.video_input
    ictx.log.attach(session)
    prometheus_metrics.attach_session_metrics(session)  # turn latency, Gemini errors/reconnects

    voice = parts.settings.gemini_voice

    async def on_stall() -> None:
        logger.warning(
            "reply stalled: reconnecting Gemini", extra={"interview_id": ictx.interview_id}
        )
        if await reconnect_and_reprompt(session, voice=voice):  # words first, then the prompt
            prometheus_metrics.record_gemini_reconnect("stall")

    CodingTurnTaking(
        ictx,
        session,
        apply=lambda ms: set_end_of_speech_silence(session, silence_ms=ms, voice=voice),
        conversation_ms=parts.settings.gemini_silence_ms,
        coding_ms=parts.settings.gemini_coding_silence_ms,
    )
    pacer = Pacer(ictx, session, agent, publish=attributes, on_stall=on_stall)
    failover = attach_failover(ictx, session, parts.llm_model, settings=parts.settings)
    run = InterviewRun(
        ictx=ictx,
        session=session,
        pacer=pacer,
        vision=vision,
        recorder=recorder,
        owns_store=parts.owns_store,
        coding=coding,
        failover=failover,
        prices=parts.settings.model_prices,
    )
    _RUNS[ctx.job.id] = run
    prometheus_metrics.interview_started()  # ended in on_session_end, which pops _RUNS

    def on_close(ev: CloseEvent) -> None:
        ctx.shutdown(reason=f"session closed: {ev.reason.value}")

    session.on("close", on_close)

    ictx.phases.start()
    start_options: dict[str, Any] = dict(recorder.start_options) if recorder is not None else {}
    if in_room:
        # RoomIO with a participant_identity reads the local participant at start: connect
        # first (a real LiveKit server raised "cannot access local participant before
        # connecting" without this; the emulator-only tests never had a room)
        await ctx.connect()
        start_options["room"] = ctx.room
        start_options["room_options"] = room_io.RoomOptions(
            video_input=True, participant_identity=record.candidate_identity
        )
    await session.start(agent, **start_options)
    coding.set_notes(chat_context_sink(session))
    if avatar_options is not None:
        run.avatar = InterviewAvatar(
            avatar_options, session=session, room=ctx.room, log=ictx.log, publish=attributes
        )
        await run.avatar.start()  # never raises: voice-only when the avatar is unavailable
        if parts.greet:
            session.generate_reply(instructions=OPENING)
    if in_room:
        CodingRpc(coding, candidate_identity=record.candidate_identity).register(
            ctx.room.local_participant
        )
    if recorder is not None and in_room:
        recorder.watch(ctx.room)  # room composite once the agent's audio is published
    if vision is not None:
        await vision.start(session, room=ctx.room if in_room else None)
        ictx.phases.subscribe(lambda change: vision.phase_changed(change.to_phase.value))
    pacer.start()
    if failover is not None:
        failover.start()
    logger.info("interview live", extra={"interview_id": ictx.interview_id, "job_id": ctx.job.id})
    return run


async def finalize(run: InterviewRun, *, session_report: dict[str, Any] | None = None) -> None:
    """Write the end of the interview. Idempotent. Status last: the evaluator polls for
    `ended` records, so everything it needs is stored before it can see one."""
    ictx = run.ictx
    if ictx.finalized:
        return
    ictx.finalized = True
    await run.pacer.aclose()
    if run.failover is not None:
        await run.failover.aclose()
    if run.vision is not None:
        await run.vision.aclose()  # last face window, pipeline stats
    if run.coding is not None:
        await run.coding.aclose()  # pending notes only: runs and snapshots are already queued
    if run.avatar is not None:
        run.avatar.finish()  # the avatar minutes, before the rows are flushed
        await run.avatar.store_cost(ictx.store, ictx.interview_id, prices_as_of=run.prices.as_of)
    usage = [
        u.model_dump(mode="json") if hasattr(u, "model_dump") else dict(vars(u))
        for u in run.session.usage.model_usage
    ]
    ictx.log.event(EventKind.USAGE, {"models": usage})
    reviewer = run.vision.reviewer if run.vision is not None else None
    await store_agent_cost(
        ictx.store,
        ictx.interview_id,
        run.prices,
        model_usage=list(run.session.usage.model_usage),
        frame_review=(reviewer.model, reviewer.usage) if reviewer is not None else None,
    )
    lat = ictx.log.latencies_ms
    ictx.log.event(
        EventKind.NOTE,
        {
            "note": "summary",
            "ended_by": ictx.ended_by or "session_closed",
            "final_phase": ictx.phases.current.value,
            "hints_given": ictx.hints_given,
            "followups": [
                {"topic": f.topic, "reason": f.reason, "phase": f.phase} for f in ictx.followups
            ],
            "latency_ms_p50": round(statistics.median(lat), 1) if lat else None,
            "latency_ms_max": round(max(lat), 1) if lat else None,
            "turns_measured": len(lat),
        },
    )
    store = ictx.store
    try:
        await ictx.writer.flush()
        if session_report is not None:
            await store.save_session_report(ictx.interview_id, session_report)
        record = await store.get(ictx.interview_id)
        if record is None:
            logger.error(
                "interview vanished before finalize", extra={"interview_id": ictx.interview_id}
            )
            return
        candidate_spoke = any(t.speaker == "candidate" for t in record.transcript)
        if record.status == InterviewStatus.LIVE:
            if candidate_spoke:
                ictx.log.event(EventKind.NOTE, {"note": "evaluation_requested"})
            await ictx.writer.aclose()  # every row written before the evaluator sees the status
            if candidate_spoke:
                await store.set_status(ictx.interview_id, InterviewStatus.ENDED)
            else:
                await store.set_status(
                    ictx.interview_id, InterviewStatus.FAILED, reason=FailureReason.CANDIDATE_SILENT
                )
        logger.info(
            "interview finalized",
            extra={"interview_id": ictx.interview_id, "ended_by": ictx.ended_by},
        )
    except Exception:
        logger.exception("finalize failed", extra={"interview_id": ictx.interview_id})
    finally:
        await ictx.writer.aclose()
        if run.owns_store:
            await store.aclose()


# --- the server -------------------------------------------------------------------------------


def prewarm(proc: JobProcess) -> None:
    """Once per job process, before any job: the VAD model is the slow part of a join."""
    proc.userdata["vad"] = load_vad(get_settings())


async def entrypoint(ctx: JobContext) -> None:
    await run_job(ctx, settings=get_settings())


async def on_session_end(ctx: JobContext) -> None:
    run = _RUNS.pop(ctx.job.id, None)
    if run is None:
        return
    try:
        report: dict[str, Any] | None = None
        try:
            report = ctx.make_session_report(run.session).to_dict()
        except Exception:
            logger.exception("could not build the session report", extra={"job_id": ctx.job.id})
        if run.recorder is not None:  # before finalize: it flushes the rows and may close the store
            await run.recorder.finish(audio_path=(report or {}).get("audio_recording_path"))
        await finalize(run, session_report=report)
    finally:
        prometheus_metrics.interview_ended()


def build_server(settings: AgentSettings) -> AgentServer:
    server = AgentServer(
        setup_fnc=prewarm,
        ws_url=settings.livekit_url,
        api_key=settings.livekit_api_key,
        api_secret=settings.livekit_api_secret.get_secret_value(),
        # load_fnc/threshold, idle processes, drain, health + metrics ports (agent/capacity.py)
        **capacity.server_options(settings),
    )
    prometheus_metrics.install_worker_housekeeping(server)
    server.rtc_session(entrypoint, agent_name=settings.agent_name, on_session_end=on_session_end)
    return server
