"""The interview's phase machine: plain Python, no LiveKit, so its rules are testable alone.

The model is free to *ask* for a transition (through the `transition_section` tool) but this
class decides: it owns the order, the per-phase time boxes, the minimum dwell per phase and
the conditions for ending. A refused move raises `PhaseError` whose message names the allowed
next phases, which the tool turns into a `ToolError` the model can self-correct from.

Time comes from an injectable clock (epoch seconds), so tests drive time boxes without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from interview_store import PHASES_BY_TYPE as PHASES_BY_TYPE  # the planner needs it too
from interview_store import InterviewType
from interview_store import Phase as Phase  # re-exported: the vocabulary is the store's

PHASE_ORDER: tuple[Phase, ...] = tuple(Phase)

_NO_MIN_DWELL = frozenset({Phase.INTRO, Phase.WRAP_UP})


class PhaseError(Exception):
    """A refused transition or ending; the message is written for the model to read."""


@dataclass(frozen=True)
class PhaseChange:
    from_phase: Phase | None
    to_phase: Phase
    at: float
    reason: str


PhaseListener = Callable[[PhaseChange], None]


class PhaseMachine:
    def __init__(
        self,
        *,
        interview_type: InterviewType,
        planned_minutes: int,
        weights: Mapping[str, float],
        min_phase_s: float,
        min_duration_fraction: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._phases = PHASES_BY_TYPE[interview_type]
        self._planned_s = planned_minutes * 60.0
        total = sum(weights[p.value] for p in self._phases)
        self._time_boxes = {p: self._planned_s * weights[p.value] / total for p in self._phases}
        self._min_phase_s = min_phase_s
        self._min_duration_s = self._planned_s * min_duration_fraction
        self._clock = clock
        self._listeners: list[PhaseListener] = []
        self._started_at: float | None = None
        self._current = self._phases[0]
        self._phase_started_at = 0.0
        self._spoke_in_phase = False
        self._ended = False

    # --- read-only view ---------------------------------------------------------------------

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    @property
    def current(self) -> Phase:
        return self._current

    @property
    def started(self) -> bool:
        return self._started_at is not None

    @property
    def ended(self) -> bool:
        return self._ended

    def time_box(self, phase: Phase) -> float:
        return self._time_boxes[phase]

    def elapsed(self) -> float:
        return 0.0 if self._started_at is None else self._clock() - self._started_at

    def remaining(self) -> float:
        """Seconds left of the planned duration (negative once overtime)."""
        return self._planned_s - self.elapsed()

    def phase_elapsed(self) -> float:
        return 0.0 if self._started_at is None else self._clock() - self._phase_started_at

    def phase_overrun(self) -> float:
        """Seconds the current phase is past its time box (0 if within it)."""
        return max(0.0, self.phase_elapsed() - self._time_boxes[self._current])

    def allowed_next(self) -> list[Phase]:
        """The phases `transition` accepts now: the next one in order, plus wrap-up once the
        planned time is over (so an overrun can always be closed)."""
        idx = self._phases.index(self._current)
        allowed = list(self._phases[idx + 1 : idx + 2])
        overtime = self.remaining() <= 0
        if overtime and self._current != Phase.WRAP_UP and Phase.WRAP_UP not in allowed:
            allowed.append(Phase.WRAP_UP)
        return allowed

    # --- subscriptions ----------------------------------------------------------------------

    def subscribe(self, listener: PhaseListener) -> Callable[[], None]:
        """Call `listener` on every phase change (including the start). Returns unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- moves ------------------------------------------------------------------------------

    def start(self) -> PhaseChange:
        if self._started_at is not None:
            raise PhaseError("the interview has already started")
        now = self._clock()
        self._started_at = now
        self._phase_started_at = now
        return self._emit(PhaseChange(None, self._current, now, "interview started"))

    def transition(self, to: str, *, reason: str = "", force: bool = False) -> PhaseChange:
        """Move to `to` if the rules allow it. `force` (pacing at the planned end) may jump to
        wrap-up from anywhere but still cannot go backwards or to a skipped phase."""
        if self._started_at is None:
            raise PhaseError("the interview has not started")
        try:
            target = Phase(to)
        except ValueError:
            raise PhaseError(
                f"'{to}' is not a phase. Phases of this interview, in order: "
                f"{', '.join(self._phases)}. Allowed next: {self._allowed_text()}."
            ) from None
        if target not in self._phases:
            raise PhaseError(
                f"this interview has no '{target}' phase. Allowed next: {self._allowed_text()}."
            )
        if target == self._current:
            raise PhaseError(f"already in '{target}'. Allowed next: {self._allowed_text()}.")
        forced_wrap_up = force and target == Phase.WRAP_UP
        if not forced_wrap_up:
            if target not in self.allowed_next():
                raise PhaseError(
                    f"cannot move from '{self._current}' to '{target}' (phases go in order: "
                    f"{' -> '.join(self._phases)}). Allowed next: {self._allowed_text()}."
                )
            dwell = self.phase_elapsed()
            if (
                self._current not in _NO_MIN_DWELL
                and dwell < self._min_phase_s
                and self.remaining() > 0
            ):
                raise PhaseError(
                    f"too early to leave '{self._current}' ({dwell:.0f}s in, minimum "
                    f"{self._min_phase_s:.0f}s): ask at least one more question first."
                )
        change = PhaseChange(self._current, target, self._clock(), reason)
        self._current = target
        self._phase_started_at = change.at
        self._spoke_in_phase = False
        return self._emit(change)

    def note_agent_spoke(self) -> None:
        """The interviewer finished a spoken turn in the current phase (the closing line
        in wrap-up is what `end_interview` waits for)."""
        self._spoke_in_phase = True

    def check_can_end(self) -> None:
        """Raise `PhaseError` explaining what is missing before the interview may end."""
        if self._current != Phase.WRAP_UP:
            raise PhaseError(
                f"the interview can only end from 'wrap_up' (now in '{self._current}'). "
                f"Continue the interview; allowed next: {self._allowed_text()}."
            )
        if not self._spoke_in_phase:
            raise PhaseError(
                "say your closing words to the candidate first (thank them and explain the "
                "next steps), then call end_interview."
            )
        if self.elapsed() < self._min_duration_s:
            left = self._min_duration_s - self.elapsed()
            raise PhaseError(
                f"the interview is too short to end ({left:.0f}s below the minimum). Invite "
                "more questions from the candidate before ending."
            )

    def end(self) -> None:
        self.check_can_end()
        self._ended = True

    def _allowed_text(self) -> str:
        allowed = self.allowed_next()
        return ", ".join(allowed) if allowed else "none (end the interview with end_interview)"

    def _emit(self, change: PhaseChange) -> PhaseChange:
        for listener in list(self._listeners):
            listener(change)
        return change
