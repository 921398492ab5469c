"""Provider failover: a live interview leaves a degraded realtime model for the fallback one,
and comes back when the primary has had time to recover.

How the model is swapped mid-session, and why this way. livekit-agents 1.8.9 offers three:
1. `AgentSession.update_agent(Agent(llm=fallback))`: a new Agent means a new activity — the
   interviewer's tools, coding workspace and phase listeners would be rebuilt, its
   `on_enter` greeting would run again, and `Agent.update_options(llm=...)` explicitly
   refuses to swap a RealtimeModel on a running agent.
2. A hand-made second RealtimeSession: the activity binds its event handlers (generation,
   transcription, speech start/stop, tool calls) to the session it created at start; a
   session we create ourselves would be deaf to them.
3. `llm.RealtimeModelFallbackAdapter([primary, fallback])` (chosen): the activity binds once
   to the adapter's session, which swaps the child session underneath it
   (`restart_session(switch_model=True)`), interrupting a reply in progress and re-issuing it
   on the new model, replaying the current instructions and tools and the agent's chat
   context. It is also what handles a primary that fails outright (non-recoverable error:
   the adapter itself moves to the fallback for its cooldown).

The adapter replays the agent's whole chat context into the new session. The issue asks for a
short summary instead (a long transcript re-sent as text costs tokens and seconds on a model
we are switching to precisely because it must answer fast), so just before the swap the
agent's chat context is replaced (`Agent.update_chat_ctx`, the public way) by one assistant
message: the current phase, the questions asked so far, the candidate's last point. Gemini
drops system messages from chat history, hence the assistant role (as `vision/hints.py`).
The phase machine, the transcript and the record are not the model's: they live in
`InterviewContext` and the session's history, which a swap does not touch, so they continue
without a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from livekit.agents import AgentSession, llm
from livekit.agents.llm.realtime_fallback_adapter import (
    RealtimeAvailabilityChangedEvent,
    RealtimeModelFallbackAdapter,
)
from livekit.agents.voice.events import (
    AgentStateChangedEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    UserStateChangedEvent,
)
from livekit.plugins import openai

from interview_store import EventKind

from . import prometheus_metrics
from .circuit_breaker import BreakerOptions, CircuitBreaker, SwitchTo, Trip
from .interview_context import InterviewContext
from .session import build_realtime_model
from .settings import AgentSettings

logger = logging.getLogger("agent.model_failover")

POLL_S = 1.0
"""How often an open breaker checks whether its recovery period is over."""
SUMMARY_QUESTIONS = 8
"""The most recent interviewer questions the summary lists."""
SUMMARY_POINT_CHARS = 400


def breaker_options(settings: AgentSettings) -> BreakerOptions:
    return BreakerOptions(
        latency_budget_ms=settings.failover_latency_budget_ms,
        window_turns=settings.failover_window_turns,
        min_turns=settings.failover_min_turns,
        max_failed_connects=settings.failover_max_failed_connects,
        recovery_s=settings.failover_recovery_s,
        max_recovery_s=settings.failover_max_recovery_s,
        probe_turns=settings.failover_probe_turns,
    )


def build_interview_model(
    settings: AgentSettings,
) -> llm.RealtimeModel:
    """The production model: Gemini Live, wrapped with its fallback when one is configured —
    OpenAI Realtime when OPENAI_API_KEY is set (another provider), else GEMINI_FALLBACK_MODEL.
    `cooldown` is the adapter's own pause for a model that failed outright; the recovery
    period is the same idea, so one setting serves both."""
    primary = build_realtime_model(settings)
    fallback: llm.RealtimeModel
    if settings.openai_api_key is not None:
        fallback = openai.realtime.RealtimeModel(
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.openai_realtime_model,
            voice=settings.openai_voice,
        )
    elif settings.gemini_fallback_model:
        fallback = build_realtime_model(settings, model=settings.gemini_fallback_model)
    else:
        return primary
    return RealtimeModelFallbackAdapter([primary, fallback], cooldown=settings.failover_recovery_s)


def _question_lines(text: str) -> list[str]:
    return [s.strip() + "?" for s in text.split("?")[:-1] if s.strip()]


class ModelFailover:
    """Watches one interview's session, feeds the circuit breaker, and switches the adapter's
    model when it trips. `start()` runs the half-open poll; `aclose()` stops it."""

    def __init__(
        self,
        ictx: InterviewContext,
        session: AgentSession[Any],
        adapter: RealtimeModelFallbackAdapter,
        *,
        options: BreakerOptions,
    ) -> None:
        self._ictx = ictx
        self._session = session
        self._adapter = adapter
        self._breaker = CircuitBreaker(options, clock=ictx.now)
        self._serving = SwitchTo.PRIMARY
        self._asked_at: float | None = None
        self._voice_turns = False
        self._agent_state = "initializing"
        self._quiet = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._switches: set[asyncio.Task[None]] = set()
        self.summaries: list[str] = []
        """Every summary a new session started from (for tests and the log)."""
        session.on("user_state_changed", self._on_user_state)
        session.on("agent_state_changed", self._on_agent_state)
        session.on("conversation_item_added", self._on_item)
        session.on("error", self._on_error)
        adapter.on("realtime_availability_changed", self._on_availability)

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    @property
    def serving(self) -> SwitchTo:
        return self._serving

    @property
    def serving_model(self) -> str:
        return str(self._adapter._models[0 if self._serving is SwitchTo.PRIMARY else 1].model)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._poll_loop(), name="model-failover-poll")

    async def aclose(self) -> None:
        tasks = [t for t in (self._task, *self._switches) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._task = None

    async def wait_idle(self) -> None:
        """Wait for switches in progress (tests, shutdown)."""
        while self._switches:
            await asyncio.gather(*list(self._switches), return_exceptions=True)

    def poll(self) -> None:
        """One half-open check (the loop calls it every `POLL_S`; harnesses may call it)."""
        self._act(self._breaker.poll())

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            self.poll()

    # --- what the session reports -----------------------------------------------------------

    def _on_user_state(self, ev: UserStateChangedEvent) -> None:
        if ev.old_state == "speaking" and ev.new_state != "speaking":
            self._voice_turns = True
            self._asked_at = self._ictx.now()
        elif ev.new_state == "speaking":
            self._asked_at = None

    def _on_item(self, ev: ConversationItemAddedEvent) -> None:
        # a typed turn (text mode): the reply is asked for when the user's message is added.
        # With voice, the transcription arrives late (often after the reply has started), so
        # the end of speech above is the start and user messages are ignored
        msg = ev.item
        if (
            not self._voice_turns
            and isinstance(msg, llm.ChatMessage)
            and msg.role == "user"
            and self._agent_state != "speaking"
        ):
            self._asked_at = self._ictx.now()

    def _on_agent_state(self, ev: AgentStateChangedEvent) -> None:
        self._agent_state = ev.new_state
        if ev.new_state in ("listening", "idle"):
            self._quiet.set()
        else:
            self._quiet.clear()
        if ev.new_state != "speaking" or self._asked_at is None:
            return
        latency_ms = max(0.0, (self._ictx.now() - self._asked_at) * 1000.0)
        self._asked_at = None
        self._act(self._breaker.record_reply(latency_ms))

    def _on_error(self, ev: ErrorEvent) -> None:
        if isinstance(ev.error, llm.RealtimeModelError) and ev.error.recoverable:
            # the plugin is reconnecting: one more failed (re)connect until a reply arrives
            self._act(self._breaker.record_connect_failure())

    def _on_availability(self, ev: RealtimeAvailabilityChangedEvent) -> None:
        """The adapter itself left the primary: it failed outright (a non-recoverable error,
        e.g. its retries exhausted or a refused setup). The adapter has already moved to the
        fallback, replaying the whole context (its own path, not our summary); the breaker
        opens so the primary is retried after the recovery period like any other failover."""
        if ev.available or ev.realtime_model is not self._adapter._models[0]:
            return
        if self._serving is not SwitchTo.PRIMARY:
            return
        trip = self._breaker.opened_elsewhere("failed_connects")
        if trip is None:
            return
        self._serving = SwitchTo.FALLBACK
        self._record(trip, summary_chars=None)

    # --- switching --------------------------------------------------------------------------

    def _act(self, trip: Trip | None) -> None:
        if trip is None:
            return
        task = asyncio.create_task(self._switch(trip), name="model-failover-switch")
        self._switches.add(task)
        task.add_done_callback(self._switches.discard)

    async def _switch(self, trip: Trip) -> None:
        # the slow reply that tripped the breaker is being spoken: let it finish (the adapter
        # would cut it and ask the new model for it again) and switch between turns
        await self._quiet.wait()
        async with self._lock:
            if trip.to is self._serving:
                return
            summary = self.summary()
            try:
                ctx = llm.ChatContext.empty()
                ctx.add_message(role="assistant", content=summary)
                await self._session.current_agent.update_chat_ctx(ctx)
                await self._adapter.restart_session(switch_model=True)
            except Exception:
                logger.exception(
                    "model switch failed", extra={"interview_id": self._ictx.interview_id}
                )
                return
            self._serving = trip.to
            self.summaries.append(summary)
        self._record(trip, summary_chars=len(summary))

    def _record(self, trip: Trip, *, summary_chars: int | None) -> None:
        prometheus_metrics.record_model_failover(to=trip.to.value, reason=trip.reason)
        self._ictx.log.event(
            EventKind.MODEL_FAILOVER,
            {
                "to": trip.to.value,
                "model": self.serving_model,
                "reason": trip.reason,
                "p95_ms": round(trip.p95_ms, 1) if trip.p95_ms is not None else None,
                "failed_connects": trip.failed_connects,
                "summary_chars": summary_chars,
            },
        )
        logger.warning(
            "realtime model switched",
            extra={
                "interview_id": self._ictx.interview_id,
                "to": trip.to.value,
                "reason": trip.reason,
                "breaker": self._breaker.state.value,
            },
        )

    def summary(self) -> str:
        """What the new session starts from: where the interview is, not what was said."""
        questions: list[str] = []
        last_point = ""
        for msg in self._session.history.messages():
            text = (msg.text_content or "").strip()
            if not text:
                continue
            if msg.role == "assistant":
                questions.extend(_question_lines(text))
            elif msg.role == "user":
                last_point = text
        asked = questions[-SUMMARY_QUESTIONS:]
        earlier = len(questions) - len(asked)
        lines = [
            "[interview so far — the connection moved to another model; continue the same "
            "interview, do not greet again or repeat questions]",
            f"Current phase: {self._ictx.phases.current.value}.",
            "Questions already asked: "
            + (" | ".join(asked) if asked else "none yet")
            + (f" (+{earlier} earlier)" if earlier else ""),
            "The candidate's last point: "
            + (f'"{last_point[:SUMMARY_POINT_CHARS]}"' if last_point else "nothing yet"),
        ]
        return "\n".join(lines)


def attach_failover(
    ictx: InterviewContext,
    session: AgentSession[Any],
    model: Any,
    *,
    settings: AgentSettings,
) -> ModelFailover | None:
    """A `ModelFailover` when the session's model is the failover adapter, else None."""
    if not isinstance(model, RealtimeModelFallbackAdapter):
        return None
    return ModelFailover(ictx, session, model, options=breaker_options(settings))
