"""The LiveKit worker: dispatch in, one interview per job, the record updated on the way out.

Hooks for the helpers (keep these the only places that change):
- `run_job()` builds the session through `session.build_session(...)` (vision passes its
  `video_sampler`) and starts it (the recorder adds `record=True`);
- `on_session_end()` -> `finalize()` is the one path that runs when an interview ends (session
  report, usage, status, evaluation request); helpers add their work there;
- `InterviewRun` carries the `InterviewContext` (interview id, store, phase machine — see
  `agent/interview_context.py`), the session and the pacer.

Job flow: metadata `{"interview_id": ...}` -> record loaded -> unknown or finished interviews
are refused (logged, record untouched, the job ends without touching the worker) -> the record
is marked live -> the session starts (Silero VAD from prewarm, Gemini Live) -> the interviewer
greets -> ... -> the session closes (end_interview, candidate left, time limit) -> job shutdown
-> `on_session_end` -> `finalize`.
"""

from __future__ import annotations

import functools
import json
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from livekit.agents import AgentServer, JobContext, JobProcess, llm, room_io, vad
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.voice.events import CloseEvent

from interview_store import (
    EventKind,
    InterviewRecord,
    InterviewStatus,
    InterviewStore,
    InvalidTransition,
    load_settings,
)

from . import capacity, prometheus_metrics
from .interview_context import AgentOptions, InterviewContext
from .interviewer import Interviewer
from .pacing import Pacer
from .recording import InterviewRecorder, RecordingSettings
from .session import (
    RECONNECT_PROMPT,
    build_realtime_model,
    build_session,
    force_reconnect,
    load_vad,
)
from .settings import AgentSettings
from .vision import VisionService, VisionSettings

logger = logging.getLogger("agent.worker")

_RESUMABLE = (InterviewStatus.CREATED, InterviewStatus.LIVE)


@dataclass
class InterviewRun:
    ictx: InterviewContext
    session: Any  # AgentSession[InterviewContext]
    pacer: Pacer
    owns_store: bool = False


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
    if record.status not in _RESUMABLE:
        logger.error(
            "job refused: interview already %s",
            record.status.value,
            extra={"job_id": ctx.job.id, "interview_id": record.id},
        )
        return None
    return record


async def run_job(
    ctx: JobContext,
    *,
    settings: AgentSettings,
    store: InterviewStore | None = None,
    llm_model: llm.LLM[Any] | llm.RealtimeModel | None = None,
    vad_model: NotGivenOr[vad.VAD | None] = NOT_GIVEN,
    use_room: bool = True,
    io_setup: Callable[[Any], None] | None = None,
    greet: bool = True,
    options: AgentOptions | None = None,
    clock: Callable[[], float] = time.time,
    vision_settings: VisionSettings | None = None,
    recording_settings: RecordingSettings | None = None,
) -> InterviewRun | None:
    """Start the interview of this job. Returns None (after ending the job) when refused.

    The keyword arguments exist for tests, the benchmark and helpers: a scripted LLM, custom
    audio I/O instead of the room (`use_room=False` + `io_setup`), an existing store, vision and
    recording settings."""
    owns_store = store is None
    store = store or InterviewStore.from_settings(settings)
    record = await load_interview(store, ctx)
    if record is None:
        if owns_store:
            await store.aclose()
        ctx.shutdown(reason="interview refused")
        return None
    try:
        if record.status == InterviewStatus.CREATED:
            await store.set_status(record.id, InterviewStatus.LIVE)
    except InvalidTransition as e:  # ended by someone else in between
        logger.error("job refused: %s", e, extra={"interview_id": record.id})
        if owns_store:
            await store.aclose()
        ctx.shutdown(reason="interview refused")
        return None

    ictx = InterviewContext(
        interview_id=record.id,
        plan=record.plan,
        store=store,
        options=options or AgentOptions.from_settings(settings),
        clock=clock,
    )
    resolved_vad: vad.VAD | None
    if isinstance(vad_model, vad.VAD) or vad_model is None:
        resolved_vad = vad_model
    else:  # not given: the one prewarm loaded for this process
        resolved_vad = ctx.proc.userdata.get("vad") or load_vad(settings)
    agent = Interviewer(ictx, greet=greet)
    # vision: with a room (camera/screen tracks), or when a test passes its settings
    vsettings = vision_settings or (get_vision_settings() if use_room else None)
    vision = None
    if vsettings is not None and vsettings.enabled:
        vision = VisionService(
            settings=vsettings,
            interview_id=ictx.interview_id,
            store=store,
            phase=lambda: ictx.phases.current.value,
            on_drop=lambda n: prometheus_metrics.record_analysis_drop("vision-analysis", n),
            clock=clock,
        )
        ictx.extras["vision"] = vision
    # recording (agent/recording.py): with a room, or when a test passes its settings
    rsettings = recording_settings or (get_recording_settings() if use_room else None)
    recorder = None
    if rsettings is not None:
        recorder = InterviewRecorder.create(
            rsettings,
            interview_id=ictx.interview_id,
            room_name=record.room,
            store=store,
            livekit_url=settings.livekit_url,
            api_key=settings.livekit_api_key,
            api_secret=settings.livekit_api_secret.get_secret_value(),
            clock=clock,
        )
        ictx.extras["recorder"] = recorder
    session = build_session(
        ictx,
        llm_model=llm_model if llm_model is not None else build_realtime_model(settings),
        vad_model=resolved_vad,
        video_sampler=vision.sampler if vision is not None else NOT_GIVEN,
    )
    if io_setup is not None:
        io_setup(session)
    ictx.log.start()
    ictx.log.attach(session)
    prometheus_metrics.attach_session_metrics(session)  # turn latency, Gemini errors/reconnects

    async def publish(attrs: dict[str, str]) -> None:
        if use_room and ctx.room.isconnected():
            await ctx.room.local_participant.set_attributes(attrs)

    async def on_stall() -> None:
        if force_reconnect(session, voice=settings.gemini_voice):
            prometheus_metrics.record_gemini_reconnect("stall")
            logger.warning(
                "reply stalled: reconnecting Gemini", extra={"interview_id": ictx.interview_id}
            )
        session.generate_reply(instructions=RECONNECT_PROMPT)

    pacer = Pacer(
        ictx, session, agent, publish=publish, on_stall=on_stall, tick_s=ictx.options.tick_s
    )
    run = InterviewRun(ictx=ictx, session=session, pacer=pacer, owns_store=owns_store)
    _RUNS[ctx.job.id] = run
    prometheus_metrics.interview_started()  # ended in on_session_end, which pops _RUNS

    def on_close(ev: CloseEvent) -> None:
        ctx.shutdown(reason=f"session closed: {ev.reason.value}")

    session.on("close", on_close)

    ictx.phases.start()
    extra: dict[str, Any] = dict(recorder.start_options) if recorder is not None else {}
    if use_room:
        extra["room"] = ctx.room
        extra["room_options"] = room_io.RoomOptions(
            video_input=True, participant_identity=record.candidate_identity
        )
    await session.start(agent, **extra)
    if recorder is not None and use_room:
        recorder.watch(ctx.room)  # room composite once the agent's audio is published
    if vision is not None:
        await vision.start(session, room=ctx.room if use_room else None)
        ictx.phases.subscribe(lambda change: vision.phase_changed(change.to_phase.value))
    pacer.start()
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
    vision: VisionService | None = ictx.extras.get("vision")
    if vision is not None:
        await vision.aclose()  # last face window, pipeline stats
    usage = [
        u.model_dump(mode="json") if hasattr(u, "model_dump") else dict(vars(u))
        for u in run.session.usage.model_usage
    ]
    ictx.log.event(EventKind.USAGE, {"models": usage})
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
        await ictx.log.flush()
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
            await ictx.log.aclose()  # every row written before the evaluator can see the status
            if candidate_spoke:
                await store.set_status(ictx.interview_id, InterviewStatus.ENDED)
            else:
                await store.set_status(
                    ictx.interview_id, InterviewStatus.FAILED, reason="the candidate never spoke"
                )
        logger.info(
            "interview finalized",
            extra={"interview_id": ictx.interview_id, "ended_by": ictx.ended_by},
        )
    except Exception:
        logger.exception("finalize failed", extra={"interview_id": ictx.interview_id})
    finally:
        await ictx.log.aclose()
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
        recorder: InterviewRecorder | None = run.ictx.extras.get("recorder")
        if recorder is not None:  # before finalize: it may close the store
            await recorder.finish(audio_path=(report or {}).get("audio_recording_path"))
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
