"""The interview's clock: time-box nudges, the planned end, patience with silence, stalls,
and the countdown published to the room.

Everything is decided in `tick()`, which reads the interview's clock; `run()` just calls it
every `TICK_S`. Harnesses stop the loop and call `tick()` after moving a fake clock.

What it does, in order of precedence:
- planned duration over -> forced move to wrap_up and a "close now" reply; far beyond it
  (`HARD_OVERRUN_S`) -> the session is shut down even without a goodbye;
- phase over its time box -> a nudge (`generate_reply(instructions=...)`) asking the model to
  finish the question and move on, repeated every `nudge_repeat_s`;
- both sides silent longer than the patience (`silence_patience_s`, or `coding_patience_s` in
  coding and after `candidate_needs_time`) -> a gentle check-in;
- the candidate finished speaking and no reply started within `reply_stall_timeout_s` ->
  `on_stall` (the worker reconnects Gemini with its resumption handle and re-prompts).

Nudges and check-ins are only spoken while both sides are silent, so the candidate is never
talked over. The room sees the agent participant's attributes:
`interview.phase`, `interview.remaining_s` (integer seconds, refreshed every
`publish_interval_s` and on each phase change) and `interview.ends_at` (epoch seconds of the
planned end, so a client can count down locally between refreshes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from livekit.agents import AgentSession
from livekit.agents.voice.events import AgentStateChangedEvent, UserStateChangedEvent

from interview_store import AgentAttribute, EventKind

from .interview_context import InterviewContext
from .phases import Phase, PhaseChange, PhaseError

logger = logging.getLogger("agent.pacing")


TICK_S = 1.0
"""How often the pacer re-evaluates: time boxes and patience are whole seconds or more."""
HARD_OVERRUN_S = 300.0
"""Beyond the planned duration plus this, the session is closed even without a goodbye."""

Publisher = Callable[[dict[str, str]], Awaitable[None]]


class PhaseApplier(Protocol):
    async def apply_phase(self) -> None: ...


class Pacer:
    def __init__(
        self,
        ictx: InterviewContext,
        session: AgentSession[Any],
        agent: PhaseApplier,
        *,
        publish: Publisher | None = None,
        on_stall: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._ictx = ictx
        self._session = session
        self._agent = agent
        self._publish = publish
        self._on_stall = on_stall
        self._user_state = "listening"
        self._agent_state = "initializing"
        self._silent_since: float | None = None
        self._awaiting_reply_since: float | None = None
        self._last_nudge: dict[Phase, float] = {}
        self._last_publish: float | None = None
        self._wrapped_up_by_time = False
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self.nudges: list[str] = []
        """What was asked of the model, for tests and the session log."""
        ictx.phases.subscribe(self._on_phase)
        session.on("user_state_changed", self._on_user_state)
        session.on("agent_state_changed", self._on_agent_state)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="interview-pacer")

    async def stop_ticking(self) -> None:
        """Stop the periodic loop; `tick()` still works (a harness on virtual time calls it)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def aclose(self) -> None:
        await self.stop_ticking()
        for t in list(self._pending):
            t.cancel()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                await self.tick()
            except Exception:
                logger.exception("pacing tick failed")

    # --- the decision -----------------------------------------------------------------------

    async def tick(self) -> None:
        ictx = self._ictx
        machine = ictx.phases
        if not machine.started or machine.ended:
            return
        now = ictx.now()
        opts = ictx.options
        await self._maybe_publish(now)

        remaining = machine.remaining()
        if remaining <= -HARD_OVERRUN_S and ictx.ended_by is None:
            ictx.ended_by = "time_limit"
            ictx.log.event(EventKind.NOTE, {"note": "hard_time_limit_reached"})
            self._session.shutdown(drain=True)
            return

        if remaining <= 0 and machine.current != Phase.WRAP_UP and not self._wrapped_up_by_time:
            self._wrapped_up_by_time = True
            try:
                machine.transition(Phase.WRAP_UP, reason="planned duration over", force=True)
            except PhaseError:
                logger.warning("could not force wrap_up", extra={"interview_id": ictx.interview_id})
            else:
                await self._agent.apply_phase()
                self._say(
                    "The planned time is over. Politely tell the candidate time is up, thank "
                    "them, and close the interview now.",
                    kind="time_up",
                )
            return

        silent = self._both_silent()
        if (
            self._awaiting_reply_since is not None
            and self._on_stall is not None
            and now - self._awaiting_reply_since >= opts.reply_stall_timeout_s
        ):
            self._awaiting_reply_since = None
            ictx.log.event(EventKind.ERROR, {"type": "reply_stalled", "recoverable": True})
            self._spawn(self._on_stall())
            return

        overrun = machine.phase_overrun()
        if overrun > 0 and silent and machine.current != Phase.WRAP_UP:
            last = self._last_nudge.get(machine.current)
            if last is None or now - last >= opts.nudge_repeat_s:
                self._last_nudge[machine.current] = now
                allowed = ", ".join(machine.allowed_next()) or "wrap_up"
                self._say(
                    f"Time check: the {machine.current.value} phase is over its time box. "
                    f"Wrap up the current topic in one sentence and call transition_section to "
                    f"move to {allowed}.",
                    kind="phase_overrun",
                )
                return

        if (
            silent
            and self._silent_since is not None
            and now - self._silent_since >= ictx.patience_s
        ):
            offer = (
                "ask whether they would like to think aloud or need a hint"
                if ictx.quiet_work
                else "offer to rephrase the question"
            )
            self._say(
                f"The candidate has been quiet for a while. Gently check in with one short "
                f"sentence ({offer}), then wait.",
                kind="silence_check_in",
            )

    # --- helpers ----------------------------------------------------------------------------

    def _both_silent(self) -> bool:
        return self._user_state != "speaking" and self._agent_state in ("listening", "idle")

    def _say(self, instructions: str, *, kind: str) -> None:
        self.nudges.append(kind)
        self._ictx.log.event(EventKind.NOTE, {"note": "pacing", "kind": kind})
        self._silent_since = None
        self._session.generate_reply(instructions=instructions)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        async def _run() -> None:
            await coro

        task = asyncio.create_task(_run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _maybe_publish(self, now: float, *, force: bool = False) -> None:
        if self._publish is None:
            return
        if (
            not force
            and self._last_publish is not None
            and now - self._last_publish < self._ictx.options.publish_interval_s
        ):
            return
        self._last_publish = now
        machine = self._ictx.phases
        ends_at = now + machine.remaining()
        try:
            await self._publish(
                {
                    AgentAttribute.PHASE: machine.current.value,
                    AgentAttribute.REMAINING_S: str(max(0, round(machine.remaining()))),
                    AgentAttribute.ENDS_AT: f"{ends_at:.0f}",
                }
            )
        except Exception:
            logger.warning("could not publish interview attributes", exc_info=True)

    # --- events -----------------------------------------------------------------------------

    def _on_phase(self, change: PhaseChange) -> None:
        self._silent_since = None
        if self._publish is not None:
            self._spawn(self._maybe_publish(change.at, force=True))

    def _on_user_state(self, ev: UserStateChangedEvent) -> None:
        old, self._user_state = self._user_state, ev.new_state
        if ev.new_state == "speaking":
            self._ictx.needs_time = False
            self._silent_since = None
            self._awaiting_reply_since = None
        elif old == "speaking":
            self._awaiting_reply_since = self._ictx.now()
        self._update_silence()

    def _on_agent_state(self, ev: AgentStateChangedEvent) -> None:
        self._agent_state = ev.new_state
        if ev.new_state in ("thinking", "speaking"):
            self._awaiting_reply_since = None
        self._update_silence()

    def _update_silence(self) -> None:
        if self._both_silent():
            if self._silent_since is None:
                self._silent_since = self._ictx.now()
        else:
            self._silent_since = None
