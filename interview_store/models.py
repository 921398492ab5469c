"""The interview record: the one shape every process agrees on.

Lifecycle timestamps are timezone-aware datetimes; times *inside* an interview
(transcript items, events, observations) are float epoch seconds, because that is
what livekit-agents reports and what the evaluation does arithmetic on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, computed_field

from .contract import ContractModel
from .evaluation_report import Report, ReportRender
from .interview_cost import InterviewCost
from .interview_design import InterviewDesign
from .languages import DEFAULT_LANGUAGE
from .vocabulary import (
    EventKind,
    InterviewStatus,
    InterviewType,
    Level,
    ObservationKind,
    ObservationSource,
    Phase,
    Speaker,
)


class CVSections(ContractModel):
    contact: str = ""
    skills: str = ""
    experience: str = ""
    projects: str = ""
    education: str = ""


class ParsedCV(ContractModel):
    text: str
    sections: CVSections = Field(default_factory=CVSections)
    pages: int = 0
    file_type: Literal["pdf", "docx"] = "pdf"


class SkillGap(ContractModel):
    """Skills the job description asks for, split by whether the CV mentions them."""

    matched: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)


class CustomQuestion(ContractModel):
    """A recruiter's own question (from an invitation template), asked in order and scored
    against its ideal answer. The ideal answer is for scoring only: it never reaches the
    candidate or the interviewer's instructions."""

    text: str = Field(min_length=1, max_length=500)
    ideal_answer: str | None = Field(default=None, max_length=4_000)


MAX_CUSTOM_QUESTIONS = 10


def custom_question_id(index: int) -> str:
    """The planned question id of `InterviewPlan.custom_questions[index]`: the planner gives
    it, the evaluator finds the ideal answer by it."""
    return f"custom-{index + 1}"


class InterviewPlan(ContractModel):
    role: str
    level: Level = Level.INTERMEDIATE
    interview_type: InterviewType = InterviewType.MIXED
    job_description: str | None = None
    cv: ParsedCV | None = None
    skill_gap: SkillGap | None = None
    candidate_name: str | None = None
    language: str = DEFAULT_LANGUAGE
    """A code of `languages.LANGUAGES`: the interviewer speaks it, the report is written in
    it (the API refuses others; stored records keep whatever they were created with)."""
    planned_minutes: int = 30
    """The interview's length (the API's `duration_minutes`): time boxes scale with it."""
    custom_questions: list[CustomQuestion] = Field(
        default_factory=list, max_length=MAX_CUSTOM_QUESTIONS
    )
    """From an invitation's template: the planner puts them first, in order, into the design
    (text only); the evaluator scores their answers against the ideal answers."""
    design: InterviewDesign | None = None
    """Questions, competencies, coding and system design parts; None while the interview
    is `preparing` and for records made before plans existed."""


class TranscriptItem(ContractModel):
    """One finalised utterance. `item_id` makes appends idempotent across reconnects."""

    item_id: str
    speaker: Speaker
    text: str
    start_time: float
    end_time: float
    phase: Phase | None = None
    interrupted: bool = False


class InterviewEvent(ContractModel):
    kind: EventKind
    at: float
    phase: Phase | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def tool_call(self) -> tuple[str, dict[str, Any]] | None:
        """(tool name, arguments) of a TOOL_CALL event as the agent writes it, else None."""
        if self.kind != EventKind.TOOL_CALL:
            return None
        name = self.data.get("name")
        if not isinstance(name, str):
            return None
        args = self.data.get("arguments")
        return name, args if isinstance(args, dict) else {}


class Observation(ContractModel):
    """An observable fact from the video analysis (never an inferred emotion or trait)."""

    at: float
    source: ObservationSource
    kind: ObservationKind
    phase: Phase | None = None
    confidence: float = 1.0
    data: dict[str, Any] = Field(default_factory=dict)


class RecordingKind(StrEnum):
    EGRESS = "egress"
    AGENT_AUDIO = "agent_audio"
    BROWSER = "browser"
    """The candidate's browser recording (camera + both voices, WebM), uploaded in chunks
    while the interview runs: video where no egress is running."""


class Recording(ContractModel):
    kind: RecordingKind
    status: Literal["complete", "failed"] = "complete"
    location: str | None = None
    duration_s: float | None = None
    egress_id: str | None = None
    error: str | None = None
    created_at: datetime | None = None


class InterviewSummary(ContractModel):
    """A row of the recruiters' list: cheap to load, no transcript."""

    id: str
    room: str
    status: InterviewStatus
    failure_reason: str | None = None
    role: str
    level: Level
    interview_type: InterviewType
    candidate_name: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    overall_score: float | None = None
    flags: list[str] = Field(default_factory=list)
    cost_usd: float | None = None
    """What the interview cost so far (live session, frame reviews, evaluation); None until
    the agent stored its part. The breakdown is the record's `cost`."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def duration_s(self) -> float | None:
        """From going live to the end; None until both happened."""
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


class InterviewRecord(InterviewSummary):
    plan: InterviewPlan
    candidate_identity: str
    evaluated_at: datetime | None = None
    transcript: list[TranscriptItem] = Field(default_factory=list)
    events: list[InterviewEvent] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)
    recordings: list[Recording] = Field(default_factory=list)
    report: Report | None = None
    report_issue: str | None = None
    """Why a stored report could not be read (another schema version, or invalid); the
    record stays readable and `report` is None."""
    report_render: ReportRender = Field(default_factory=ReportRender)
    session_report: dict[str, Any] | None = None
    cost: InterviewCost | None = None
    """Tokens and price by source and model; None before the agent stored its part."""

    def events_of(self, kind: EventKind) -> list[InterviewEvent]:
        return [e for e in self.events if e.kind == kind]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def phase_timeline(self) -> list[InterviewEvent]:
        """The phase changes, in the order they happened."""
        return self.events_of(EventKind.PHASE_CHANGE)

    @property
    def tool_events(self) -> list[InterviewEvent]:
        return self.events_of(EventKind.TOOL_CALL)

    @property
    def latency_samples(self) -> list[InterviewEvent]:
        return self.events_of(EventKind.LATENCY)
