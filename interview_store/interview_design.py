"""The interview plan's design: competencies, planned questions, coding and system design.

Written by the token server's planner (Gemini, or the deterministic question bank), stored
in the record (`InterviewPlan.design`), followed by the interviewer (its instructions carry
the current phase's questions; `record_answer_outcome` walks the difficulty ladder), cited by
the report (scores per competency name the questions they came from) and shown to
recruiters. Rubric first: every question serves one competency of the evaluation rubric.

Which phases an interview type has is defined here, not in the agent, because the planner
(token server) must place questions in phases the interviewer (agent) will walk through.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from pydantic import Field, model_validator

from .contract import ContractModel
from .vocabulary import AnswerOutcome, Competency, InterviewType, Level, Phase

MIN_QUESTIONS: Final = 6
MAX_QUESTIONS: Final = 12

_ALL = tuple(Phase)
_NO_CODING = (
    Phase.INTRO,
    Phase.TECHNICAL,
    Phase.BEHAVIOURAL,
    Phase.CANDIDATE_QUESTIONS,
    Phase.WRAP_UP,
)
PHASES_BY_TYPE: Final[dict[InterviewType, tuple[Phase, ...]]] = {
    InterviewType.MIXED: _ALL,
    InterviewType.TECHNICAL: (
        Phase.INTRO,
        Phase.TECHNICAL,
        Phase.CODING,
        Phase.CANDIDATE_QUESTIONS,
        Phase.WRAP_UP,
    ),
    InterviewType.SYSTEM_DESIGN: (
        Phase.INTRO,
        Phase.TECHNICAL,
        Phase.CANDIDATE_QUESTIONS,
        Phase.WRAP_UP,
    ),
    InterviewType.CODING: (Phase.INTRO, Phase.CODING, Phase.CANDIDATE_QUESTIONS, Phase.WRAP_UP),
    InterviewType.BEHAVIOURAL: (
        Phase.INTRO,
        Phase.BEHAVIOURAL,
        Phase.CANDIDATE_QUESTIONS,
        Phase.WRAP_UP,
    ),
    InterviewType.FRONTEND: _ALL,
    InterviewType.BACKEND: _ALL,
    InterviewType.DATA_ML: _ALL,
    InterviewType.CUSTOM: _NO_CODING,
}
"""The phases each interview type walks through, in order."""

QUESTION_PHASES: Final = (Phase.INTRO, Phase.TECHNICAL, Phase.CODING, Phase.BEHAVIOURAL)
"""Phases that hold planned questions (candidate questions and wrap-up do not)."""


class DifficultyStep(StrEnum):
    """Where the interview stands on a question's ladder: its easier variant, the question
    as planned, or its harder variant."""

    EASIER = "easier"
    PLANNED = "planned"
    HARDER = "harder"


class PlanSource(StrEnum):
    GEMINI = "gemini"
    """Questions written by Gemini from the job, the CV and the bank."""
    FALLBACK = "fallback"
    """The deterministic question bank (no Google key, a timeout, or an unusable answer:
    `fallback_reason` says which)."""


class WeightedCompetency(ContractModel):
    key: Competency
    name: str
    weight: float = Field(gt=0, le=1)
    """Share of the overall score for this interview type (the weights sum to 1)."""


class PlannedQuestion(ContractModel):
    id: str = Field(min_length=1, max_length=32)
    phase: Phase
    competency: Competency
    text: str = Field(min_length=1)
    follow_ups: list[str] = Field(min_length=1, max_length=3)
    good_answer: list[str] = Field(min_length=1, max_length=6)
    """What a good answer covers (for the interviewer's judgement and the recruiter)."""
    difficulty: Level
    easier: str = Field(min_length=1)
    harder: str = Field(min_length=1)
    probes_cv: bool = False
    """Probes a concrete claim of the CV."""
    probes_gap: bool = False
    """Probes a skill the job needs that the CV does not show."""
    bank_id: str | None = None
    """The question bank entry it was taken or adapted from."""

    def text_at(self, step: DifficultyStep) -> str:
        if step == DifficultyStep.EASIER:
            return self.easier
        if step == DifficultyStep.HARDER:
            return self.harder
        return self.text


class CodingPart(ContractModel):
    problem_ids: list[str] = Field(min_length=1)
    """Problems from `problem_bank`, the first to give; the others if time allows."""
    easier_problem_id: str | None = None
    harder_problem_id: str | None = None


class DesignCheckpoint(ContractModel):
    key: str
    """requirements, estimates, api, high_level_design, deep_dive, trade_offs."""
    prompt: str


class SystemDesignPart(ContractModel):
    prompt: str
    checkpoints: list[DesignCheckpoint] = Field(min_length=1)


class JobProfile(ContractModel):
    """What the job description asks for (extracted by Gemini or by rules)."""

    required_skills: list[str] = Field(default_factory=list)
    preferred_skills: list[str] = Field(default_factory=list)
    seniority: str | None = None
    domain: str | None = None
    responsibilities: list[str] = Field(default_factory=list)


class CVRole(ContractModel):
    title: str
    organisation: str | None = None
    start: str | None = None
    end: str | None = None


class CVProfile(ContractModel):
    """What the CV shows (extracted by Gemini or by rules)."""

    skills: list[str] = Field(default_factory=list)
    roles: list[CVRole] = Field(default_factory=list)
    claims: list[str] = Field(default_factory=list)
    """Concrete claims worth probing: numbers, ownership, technologies."""


class InterviewDesign(ContractModel):
    source: PlanSource
    fallback_reason: str | None = None
    language: str
    """The language the questions are written in (the plan's language when Gemini wrote
    them; the bank's English otherwise, and the interviewer asks them in the plan's)."""
    duration_minutes: int
    level_definition: str
    """What the level means for this interview type (from the bank's level definitions)."""
    type_guidance: str
    competencies: list[WeightedCompetency] = Field(min_length=1)
    questions: list[PlannedQuestion] = Field(min_length=MIN_QUESTIONS, max_length=MAX_QUESTIONS)
    coding: CodingPart | None = None
    system_design: SystemDesignPart | None = None
    job: JobProfile | None = None
    cv: CVProfile | None = None

    @model_validator(mode="after")
    def _consistent(self) -> InterviewDesign:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique")
        keys = {c.key for c in self.competencies}
        stray = sorted({q.competency.value for q in self.questions} - keys)
        if stray:
            raise ValueError(f"questions serve competencies the plan does not weight: {stray}")
        total = sum(c.weight for c in self.competencies)
        if abs(total - 1.0) > 0.02:
            raise ValueError(f"competency weights sum to {total:.2f}, not 1")
        return self

    def question(self, question_id: str) -> PlannedQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def questions_for(self, phase: Phase) -> list[PlannedQuestion]:
        return [q for q in self.questions if q.phase == phase]

    def weight_of(self, competency: str) -> float:
        return next((c.weight for c in self.competencies if c.key == competency), 0.0)


class QuestionCoverage(ContractModel):
    """One planned question as the interview went: asked or skipped, and how it went."""

    question_id: str
    phase: Phase
    competency: Competency
    text: str
    asked: bool
    outcome: AnswerOutcome | None = None
    reason: str | None = None
    """The interviewer's short reason for the outcome."""
    step: DifficultyStep | None = None
    """The variant that was asked."""
