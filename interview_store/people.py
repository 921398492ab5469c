"""The people around an interview: invitation templates and links, the candidate's consent,
candidate profiles and their progress, outgoing webhooks.

They live in `interview_store` for the same reason as `api_bodies`: the JSON Schema export
(the browser's types) and the tests need them without importing the token server. A
template's hidden ideal answers appear only in `TemplateBody.questions` (recruiters) and in the
interview plan (for scoring); the candidate's `InvitationView` never carries them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, HttpUrl, field_validator

from .contract import ContractModel
from .evaluation_report import LearningItem
from .languages import DEFAULT_LANGUAGE, DURATION_MINUTES, LANGUAGES
from .models import MAX_CUSTOM_QUESTIONS, CustomQuestion, InterviewSummary
from .vocabulary import InterviewStatus, InterviewType, Level

MAX_TEMPLATE_QUESTIONS = MAX_CUSTOM_QUESTIONS
MAX_LABEL_CHARS = 100
MAX_EMAIL_CHARS = 254
CONSENT_VERSION = "2026-12-01"
"""Bumped whenever the wording of the notice changes: the stored consent names the text the
candidate actually agreed to."""


# --- consent ---------------------------------------------------------------------------


class ConsentChoices(ContractModel):
    """What the candidate agreed to; all three are needed for an interview."""

    recording: bool
    """Audio and video of the interview are recorded, with a transcript."""
    camera_analysis: bool
    """The camera is analysed for two facts only: face visible, looking away."""
    ai_processing: bool
    """Speech, video frames and documents are processed by Google Gemini."""


class ConsentRecord(ContractModel):
    """Stored with the interview: which notice, when, and the choices."""

    version: str
    agreed_at: datetime
    choices: ConsentChoices


class ConsentNotice(ContractModel):
    """`GET /api/consent`: the notice a candidate reads before the device check."""

    version: str
    retention_days: int
    items: list[str]
    """One plain sentence each: what is recorded, analysed, by whom, who sees it, how long."""


# --- templates and invitations -----------------------------------------------------------


class TemplateBody(ContractModel):
    """`POST /api/templates` (recruiter): a prepared interview to invite candidates to."""

    role: str = Field(min_length=1, max_length=200)
    level: Level = Level.INTERMEDIATE
    interview_type: InterviewType = InterviewType.MIXED
    language: str = DEFAULT_LANGUAGE
    duration_minutes: int = 30
    job_description: str | None = Field(default=None, max_length=20_000)
    questions: list[CustomQuestion] = Field(default_factory=list, max_length=MAX_TEMPLATE_QUESTIONS)
    deadline: datetime | None = None
    """After it no invitation of this template can start an interview."""

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of: {', '.join(LANGUAGES)}")
        return value

    @field_validator("duration_minutes")
    @classmethod
    def _offered_duration(cls, value: int) -> int:
        if value not in DURATION_MINUTES:
            raise ValueError(f"must be one of: {', '.join(str(m) for m in DURATION_MINUTES)}")
        return value

    @field_validator("deadline")
    @classmethod
    def _aware_deadline(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone (e.g. 2027-01-31T18:00:00Z)")
        return value


class InterviewTemplate(TemplateBody):
    id: str
    created_at: datetime
    created_by: str


class TemplateList(ContractModel):
    items: list[InterviewTemplate]


class InvitationStatus(StrEnum):
    SENT = "sent"
    OPENED = "opened"
    STARTED = "started"
    COMPLETED = "completed"
    EXPIRED = "expired"
    REVOKED = "revoked"
    """Withdrawn by a recruiter before it was used (a link sent to the wrong address, a
    position filled): the link opens a page that says so and starts nothing."""


class InvitationBody(ContractModel):
    """`POST /api/templates/{id}/invitations` (recruiter): an optional label, and a lifetime."""

    candidate_name: str | None = Field(default=None, max_length=MAX_LABEL_CHARS)
    candidate_email: str | None = Field(default=None, max_length=MAX_EMAIL_CHARS)
    expires_in_hours: int = Field(default=168, ge=1, le=24 * 90)


class Invitation(ContractModel):
    id: str
    template_id: str
    role: str
    candidate_name: str | None
    candidate_email: str | None
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None
    interview_id: str | None
    revoked_at: datetime | None
    status: InvitationStatus


class CreatedInvitation(Invitation):
    """→ 201: the link itself, shown this once (only its hash is stored)."""

    token: str
    url: str


class InvitationList(ContractModel):
    items: list[Invitation]


class InvitationView(ContractModel):
    """`GET /api/invitations/{token}` (the candidate): the prepared interview, fields locked.
    Never the questions' ideal answers."""

    role: str
    level: Level
    interview_type: InterviewType
    language: str
    duration_minutes: int
    job_description: str | None
    candidate_name: str | None
    question_count: int
    expires_at: datetime
    status: InvitationStatus


# --- candidate profiles and progress -------------------------------------------------------


class ProgressMetrics(ContractModel):
    """Objective delivery metrics of one interview (from its report)."""

    words_per_minute: float | None
    fillers_per_minute: float | None
    filler_words: int | None
    talk_ratio: float | None
    mean_answer_words: float | None


class ProgressInterview(ContractModel):
    id: str
    created_at: datetime
    status: InterviewStatus
    role: str
    interview_type: InterviewType
    level: Level
    overall_score: float | None
    scores: dict[str, float]
    """Rubric dimension name → score (only dimensions that were scored)."""
    metrics: ProgressMetrics | None


class ProgressResponse(ContractModel):
    """`GET /api/profile` (the profile key): every interview, oldest first, and the latest
    report's improvement plan."""

    email: str | None
    interviews: list[ProgressInterview]
    latest_plan: list[LearningItem]
    latest_improvements: list[str]


class ProfileEmailBody(ContractModel):
    email: str | None = Field(default=None, max_length=MAX_EMAIL_CHARS)


class CandidateGroup(ContractModel):
    """Interviews a profile or an invitation links to one candidate."""

    key: str
    label: str
    interviews: list[InterviewSummary]


class CandidateGroupList(ContractModel):
    """`GET /api/candidates` (recruiters): newest group first."""

    items: list[CandidateGroup]


# --- outgoing webhooks ---------------------------------------------------------------------


class WebhookEvent(StrEnum):
    INTERVIEW_COMPLETED = "interview.completed"
    INTERVIEW_EVALUATED = "interview.evaluated"


class WebhookEndpointBody(ContractModel):
    """`POST /api/webhooks` (admin)."""

    url: HttpUrl
    events: list[WebhookEvent] = Field(
        default_factory=lambda: list(WebhookEvent), min_length=1, max_length=len(WebhookEvent)
    )


class WebhookEndpoint(ContractModel):
    id: str
    url: str
    events: list[WebhookEvent]
    created_at: datetime


class CreatedWebhookEndpoint(WebhookEndpoint):
    """→ 201: the signing secret, shown this once."""

    secret: str


class WebhookEndpointList(ContractModel):
    items: list[WebhookEndpoint]


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Gave up after the last retry."""


class WebhookDelivery(ContractModel):
    seq: int
    endpoint_id: str
    event: WebhookEvent
    interview_id: str
    state: DeliveryState
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class WebhookDeliveryList(ContractModel):
    items: list[WebhookDelivery]
