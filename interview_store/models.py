"""The interview record: the one shape every process agrees on.

Lifecycle timestamps are timezone-aware datetimes; times *inside* an interview
(transcript items, events, observations) are float epoch seconds, because that is
what livekit-agents reports and what the evaluation does arithmetic on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field


class InterviewStatus(StrEnum):
    CREATED = "created"
    LIVE = "live"
    ENDED = "ended"
    EVALUATED = "evaluated"
    FAILED = "failed"


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class InterviewType(StrEnum):
    TECHNICAL = "technical"
    BEHAVIOURAL = "behavioural"
    SYSTEM_DESIGN = "system_design"
    CODING = "coding"
    MIXED = "mixed"


class CVSections(BaseModel):
    contact: str = ""
    skills: str = ""
    experience: str = ""
    projects: str = ""
    education: str = ""


class ParsedCV(BaseModel):
    text: str
    sections: CVSections = Field(default_factory=CVSections)
    pages: int = 0
    file_type: Literal["pdf", "docx"] = "pdf"


class SkillGap(BaseModel):
    """Skills the job description asks for, split by whether the CV mentions them."""

    matched: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)


class InterviewPlan(BaseModel):
    role: str
    level: Level = Level.INTERMEDIATE
    interview_type: InterviewType = InterviewType.MIXED
    job_description: str | None = None
    cv: ParsedCV | None = None
    skill_gap: SkillGap | None = None
    candidate_name: str | None = None
    language: str = "en"
    planned_minutes: int = 30


Speaker = Literal["candidate", "interviewer"]


class TranscriptItem(BaseModel):
    """One finalised utterance. `item_id` makes appends idempotent across reconnects."""

    item_id: str
    speaker: Speaker
    text: str
    start_time: float
    end_time: float
    phase: str | None = None
    interrupted: bool = False


class EventKind(StrEnum):
    PHASE_CHANGE = "phase_change"
    TOOL_CALL = "tool_call"
    ERROR = "error"
    LATENCY = "latency"
    USAGE = "usage"
    HINT = "hint"
    NOTE = "note"


class InterviewEvent(BaseModel):
    kind: EventKind
    at: float
    phase: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Observation(BaseModel):
    """An observable fact from the video analysis (never an inferred emotion or trait)."""

    at: float
    source: Literal["local", "gemini"]
    kind: str
    phase: str | None = None
    confidence: float = 1.0
    data: dict[str, Any] = Field(default_factory=dict)


class RecordingKind(StrEnum):
    EGRESS = "egress"
    AGENT_AUDIO = "agent_audio"


class Recording(BaseModel):
    kind: RecordingKind
    status: Literal["complete", "failed"] = "complete"
    location: str | None = None
    duration_s: float | None = None
    egress_id: str | None = None
    error: str | None = None
    created_at: datetime | None = None


class InterviewSummary(BaseModel):
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

    @property
    def duration_s(self) -> float | None:
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
    report: dict[str, Any] | None = None
    session_report: dict[str, Any] | None = None

    def events_of(self, kind: EventKind) -> list[InterviewEvent]:
        return [e for e in self.events if e.kind == kind]

    @property
    def phase_timeline(self) -> list[InterviewEvent]:
        return self.events_of(EventKind.PHASE_CHANGE)

    @property
    def tool_events(self) -> list[InterviewEvent]:
        return self.events_of(EventKind.TOOL_CALL)

    @property
    def latency_samples(self) -> list[InterviewEvent]:
        return self.events_of(EventKind.LATENCY)
