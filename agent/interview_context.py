"""Per-interview state shared by the tools, the pacing timer and the session-end path.

An `InterviewContext` is the AgentSession's `userdata` (tools reach it as `ctx.userdata`):

- `interview_id`, `plan`, `store` — the record being run and where it lives;
- `phases` — the `PhaseMachine` (`phases.current`, `phases.subscribe(listener)` for changes);
- `log` — the `InterviewLog` writing transcript/events as they happen (`log.event(...)`);
- `options` — the tuning knobs (`AgentOptions`, built from `AgentSettings`);
- counters the report uses (`hints_given`, `followups`) and how the interview ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from interview_store import InterviewPlan, InterviewStore

from .persistence import InterviewLog
from .phases import Phase, PhaseMachine
from .settings import DEFAULT_PHASE_WEIGHTS, AgentSettings


@dataclass
class AgentOptions:
    """The behaviour knobs of one interview (a plain copy of the relevant settings, so tests
    and the benchmark can build one without environment variables)."""

    phase_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PHASE_WEIGHTS))
    min_phase_s: float = 30.0
    min_duration_fraction: float = 0.5
    silence_patience_s: float = 20.0
    coding_patience_s: float = 90.0
    reply_stall_timeout_s: float = 10.0
    nudge_repeat_s: float = 120.0
    publish_interval_s: float = 5.0
    hard_overrun_s: float = 300.0
    """Beyond the planned duration plus this, the session is closed even without goodbye."""
    tick_s: float = 1.0
    """How often the pacer re-evaluates (tests raise it and call `Pacer.tick()` themselves)."""

    @classmethod
    def from_settings(cls, settings: AgentSettings) -> AgentOptions:
        return cls(
            phase_weights=dict(settings.phase_weights),
            min_phase_s=settings.min_phase_s,
            min_duration_fraction=settings.min_duration_fraction,
            silence_patience_s=settings.silence_patience_s,
            coding_patience_s=settings.coding_patience_s,
            reply_stall_timeout_s=settings.reply_stall_timeout_s,
            nudge_repeat_s=settings.nudge_repeat_s,
            publish_interval_s=settings.publish_interval_s,
        )


@dataclass
class Followup:
    topic: str
    reason: str
    phase: str
    at: float


class InterviewContext:
    def __init__(
        self,
        *,
        interview_id: str,
        plan: InterviewPlan,
        store: InterviewStore,
        options: AgentOptions | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._options = options or AgentOptions()
        self._clock = clock
        self.interview_id = interview_id
        self.plan = plan
        self.store = store
        self.phases = PhaseMachine(
            interview_type=plan.interview_type,
            planned_minutes=plan.planned_minutes,
            weights=self._options.phase_weights,
            min_phase_s=self._options.min_phase_s,
            min_duration_fraction=self._options.min_duration_fraction,
            clock=clock,
        )
        self.log = InterviewLog(
            store, interview_id, phase=lambda: self.phases.current.value, clock=clock
        )
        self.phases.subscribe(self.log.phase_changed)
        self.log.on_agent_turn(self.phases.note_agent_spoke)
        self.hints_given = 0
        self.followups: list[Followup] = []
        self.needs_time = False
        """Set by `candidate_needs_time`; cleared when the candidate speaks again."""
        self.ended_by: str | None = None
        """'end_interview', 'time_limit', or None until the interview is closed on purpose."""
        self.finalized = False
        self.extras: dict[str, Any] = {}
        """Room for helpers (vision, recording, metrics) to keep per-interview state."""

    @property
    def options(self) -> AgentOptions:
        return self._options

    def now(self) -> float:
        return self._clock()

    @property
    def quiet_work(self) -> bool:
        """The candidate is expected to work in silence: coding, or they asked for time."""
        return self.needs_time or self.phases.current == Phase.CODING

    @property
    def patience_s(self) -> float:
        """How long both sides may stay silent before a gentle check-in."""
        if self.quiet_work:
            return self._options.coding_patience_s
        return self._options.silence_patience_s
