"""Per-interview state shared by the tools, the pacing timer and the session-end path.

An `InterviewContext` is the AgentSession's `userdata` (tools reach it as `ctx.userdata`):

- `interview_id`, `plan`, `store` — the record being run and where it lives;
- `phases` — the `PhaseMachine` (`phases.current`, `phases.subscribe(listener)` for changes);
- `writer` — the `StoreWriter`, the one queued and retried path for every row the agent
  writes; `log` — the `InterviewLog` turning session events into rows (`log.event(...)`);
- `options` — the tuning knobs (`AgentOptions`, built from `AgentSettings`);
- counters the report uses (`hints_given`, `followups`) and how the interview ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from interview_store import InterviewPlan, InterviewStore

from .persistence import InterviewLog
from .phases import Phase, PhaseMachine
from .plan_progress import PlanProgress
from .settings import AgentSettings
from .store_writer import StoreWriter


@dataclass
class AgentOptions:
    """The behaviour knobs of one interview. No defaults here: `from_settings` copies the
    deployed values and `defaults()` the settings' own defaults (harnesses without an
    environment), so each knob has one default, in `AgentSettings`. Mutable on purpose:
    tests widen a patience mid-interview."""

    phase_weights: dict[str, float]
    min_phase_s: float
    min_duration_fraction: float
    silence_patience_s: float
    coding_patience_s: float
    reply_stall_timeout_s: float
    nudge_repeat_s: float
    publish_interval_s: float

    @classmethod
    def from_settings(cls, settings: AgentSettings, **overrides: Any) -> AgentOptions:
        values = {f.name: getattr(settings, f.name) for f in fields(cls)}
        values["phase_weights"] = dict(values["phase_weights"])
        return cls(**{**values, **overrides})

    @classmethod
    def defaults(cls, **overrides: Any) -> AgentOptions:
        """`AgentSettings`' defaults, without reading the environment."""
        values = {
            f.name: AgentSettings.model_fields[f.name].get_default(call_default_factory=True)
            for f in fields(cls)
        }
        return cls(**{**values, **overrides})


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
        options: AgentOptions,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._options = options
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
        self.writer = StoreWriter(store, interview_id)
        """The one path for this interview's rows (session log, vision, hints, recording)."""
        self.log = InterviewLog(self.writer, phase=lambda: self.phases.current.value, clock=clock)
        self.phases.subscribe(self.log.phase_changed)
        self.log.on_agent_turn(self.phases.note_agent_spoke)
        self.hints_given = 0
        self.progress = PlanProgress(plan.design)
        """Planned questions asked, their outcomes and the difficulty ladder."""
        self.followups: list[Followup] = []
        self.needs_time = False
        """Set by `candidate_needs_time`; cleared when the candidate speaks again."""
        self.ended_by: str | None = None
        """'end_interview', 'time_limit', or None until the interview is closed on purpose."""
        self.finalized = False

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
