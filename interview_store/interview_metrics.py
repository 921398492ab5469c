"""The objective, model-free measurements of an interview, as a data shape.

`evals/talk_metrics.py` computes them; they travel inside the report (store, token server,
report.html, browser), so their shape is defined here, once, next to the report.
"""

from __future__ import annotations

from pydantic import Field

from .contract import ContractModel
from .vocabulary import ObservationKind, ObservationSource, Phase, Speaker


class Distribution(ContractModel):
    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    max: float | None = None


class Answer(ContractModel):
    start_time: float
    phase: Phase | None
    words: int
    duration_s: float


class Pause(ContractModel):
    at: float
    duration_s: float
    phase: Phase | None
    before: Speaker
    """Who spoke after the silence: a long pause before the candidate is thinking time."""


class PhaseStats(ContractModel):
    phase: Phase
    start_time: float
    end_time: float
    duration_s: float
    candidate_talk_s: float = 0.0
    interviewer_talk_s: float = 0.0


class VisionPhaseStats(ContractModel):
    """Camera figures of one phase (`phase` None: frames analysed before any phase began)."""

    phase: Phase | None
    observed_s: float
    face_visible_pct: float | None
    looking_away_pct: float | None


class NotableMoment(ContractModel):
    """A camera moment worth a recruiter's look: a Gemini observation, a second face, a long
    absence."""

    at: float
    phase: Phase | None
    source: ObservationSource
    kind: ObservationKind
    confidence: float
    detail: str


class VisionStats(ContractModel):
    observed_s: float = 0.0
    """Camera time analysed (the denominator of face_visible_pct)."""
    face_visible_pct: float | None = None
    looking_away_pct: float | None = None
    """Share of the time the face was visible."""
    multiple_faces_events: int = 0
    absences: int = 0
    per_phase: list[VisionPhaseStats] = Field(default_factory=list)
    notable: list[NotableMoment] = Field(default_factory=list)


class InterviewMetrics(ContractModel):
    duration_s: float
    candidate_turns: int
    interviewer_turns: int
    candidate_talk_s: float
    interviewer_talk_s: float
    talk_ratio: float | None
    """Candidate share of all talk time (0..1)."""
    candidate_words: int
    words_per_minute: float | None
    filler_words: int
    fillers_per_minute: float | None
    top_fillers: dict[str, int]
    answer_words: Distribution
    answers: list[Answer]
    response_latency_s: Distribution
    """Interviewer turn end → candidate turn start."""
    agent_latency_s: Distribution
    """Candidate end of speech → first agent audio, from the agent's latency samples."""
    long_pauses: list[Pause]
    phases: list[PhaseStats]
    followups: dict[str, int]
    """`flag_followup` calls by reason (vague_answer, potential_red_flag, ...)."""
    tutor_mode_uses: int
    vision: VisionStats
