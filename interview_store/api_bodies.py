"""The JSON bodies the token server answers with and the web client reads.

They live here, not in `tokenserver`, because two consumers need them without importing the
token server: the JSON Schema export (from which the browser's TypeScript types are
generated) and the tests. The token server builds these models and serialises them; it never
assembles a body dict by hand.
"""

from __future__ import annotations

from .contract import ContractModel
from .evaluation_report import CandidateFeedback, ReportStatus
from .interview_design import PlanSource
from .models import InterviewRecord, InterviewSummary, Recording
from .people import ConsentRecord
from .vocabulary import FailureReason, InterviewStatus, InterviewType, Level


class ErrorBody(ContractModel):
    """Every 4xx/5xx answer: what to fix, and the form field it concerns (if any)."""

    error: str
    field: str | None = None


class CreatedInterview(ContractModel):
    """`POST /api/interviews` → 201: what the browser needs to join the room."""

    interview_id: str
    room: str
    server_url: str
    participant_token: str
    status: InterviewStatus = InterviewStatus.CREATED
    """`preparing` while the plan is written in the background: poll the feedback endpoint
    (same token) until it is `created`, then join."""
    ready_within_s: float | None = None
    """The planner's deadline: the interview is `created` at the latest this long after
    creation (for a progress bar)."""
    profile_key: str | None = None
    """The candidate's private progress key, sent once when this interview created their
    profile (the browser keeps it in localStorage); None when an existing key was presented."""


class InterviewListPage(ContractModel):
    """`GET /api/interviews`: one page, newest first."""

    items: list[InterviewSummary]
    total: int
    limit: int
    offset: int


class RecordingEntry(Recording):
    url: str | None
    """Where to stream it (None for a failed recording)."""


class RecordingLinks(ContractModel):
    """The newest complete recording of each kind, for the player."""

    egress: str | None
    agent_audio: str | None


class InterviewDetail(InterviewRecord):
    """`GET /api/interviews/{id}`: the record for recruiters, with links.

    `session_report` (large) is null unless `?include=session_report` is asked for.
    """

    recordings: list[RecordingEntry]  # type: ignore[assignment]
    recording_links: RecordingLinks
    report_html_url: str | None
    """The rendered report page; None unless `report_render.state` is rendered."""
    consent: ConsentRecord | None = None
    """What the candidate agreed to before the interview (notice version, time, choices), so a
    recruiter can see the recording was consented to; None for interviews made before consent
    was recorded (or by the agent's tests, which have no people row)."""


class FeedbackResponse(ContractModel):
    """`GET /api/interviews/{id}/feedback`: the candidate's view."""

    status: InterviewStatus
    report_status: ReportStatus | None
    """How the evaluation went (scored, or why there are no detailed notes); None until
    evaluated."""
    feedback: CandidateFeedback | None
    plan_source: PlanSource | None = None
    """Who wrote the interview's questions, once planned: `fallback` means the question bank
    (the page says so rather than implying a plan tailored by Gemini); None while preparing."""
    failure_reason: FailureReason | None = None
    """Why a `failed` interview failed, when it is one the page words for the candidate (a
    candidate who never spoke is not told that something went wrong on our side)."""


class LanguageOption(ContractModel):
    code: str
    name: str
    """'Spanish (Español)': English name and the language's own."""


class InterviewOptions(ContractModel):
    """`GET /api/interview-options`: what the create form may send, from the lists the API
    validates against (so the form never offers a value the server refuses)."""

    languages: list[LanguageOption]
    durations_minutes: list[int]
    interview_types: list[InterviewType]
    levels: list[Level]
    default_language: str
    default_duration_minutes: int
