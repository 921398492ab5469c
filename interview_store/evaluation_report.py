"""The evaluation report: what `evals` produces, the store keeps, the token server serves and
report.html draws.

Before this model the report was a bare dict and every reader re-knew (or guessed) its keys.
Now `evals` builds a `Report`, the store validates it on write and on read, and the browser's
types are generated from its JSON Schema. `schema_version` changes whenever a stored report
would no longer validate; a stored report of another version is reported as such (see
`InterviewRecord.report_issue`), never half-read.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final, Literal

from pydantic import Field

from .contract import ContractModel
from .interview_design import QuestionCoverage
from .interview_metrics import InterviewMetrics
from .vocabulary import InterviewType, Level

REPORT_SCHEMA_VERSION: Final = 2
"""1: the untyped dict of the first release. 2: this model."""


class ReportStatus(StrEnum):
    SCORED = "scored"
    INSUFFICIENT_SIGNAL = "insufficient_signal"
    """Too few candidate turns: metrics only, no scores, no recommendation."""
    EVALUATION_FAILED = "evaluation_failed"
    """Scoring failed after retries: metrics only; re-run the evaluation later."""


class ReportFlag(StrEnum):
    NEEDS_HUMAN_REVIEW = "needs_human_review"
    SCORE_DISAGREEMENT = "score_disagreement"
    UNSUPPORTED_EVIDENCE = "unsupported_evidence"
    MULTIPLE_FACES_SEEN = "multiple_faces_seen"
    POSSIBLE_PROMPT_INJECTION = "possible_prompt_injection"
    INSUFFICIENT_SIGNAL = "insufficient_signal"
    EVALUATION_FAILED = "evaluation_failed"


class RecommendationValue(StrEnum):
    STRONG_YES = "strong_yes"
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"
    STRONG_NO = "strong_no"


class Recommendation(ContractModel):
    """Computed in code from the supported scores: advice to a human, never a decision."""

    value: RecommendationValue
    label: str
    advice: str
    bar: float
    """The overall score at which 'yes' starts for the interview's level."""
    basis: str


class EvidenceQuote(ContractModel):
    """A quote a scoring run gave as evidence, after checking it against the transcript."""

    quote: str
    turn: str | None
    """The turn id the quote was found in (may differ from the one the model named)."""
    timestamp: float | None
    """Epoch seconds of the transcript item holding the quote (None when rejected)."""
    offset_s: float | None
    """Seconds from the first turn, for seeking in the recording."""
    verified: bool
    reason: str = ""
    """Why a rejected quote was rejected."""


class DimensionScore(ContractModel):
    key: str
    name: str
    question: str
    score: float | None
    """Mean over the runs whose evidence checked out; None = unsupported."""
    run_scores: list[int]
    supported: bool
    disagreement: bool
    """The runs are more than a point apart: a human should look."""
    anchor: str | None
    """The rubric's anchor text for the rounded score."""
    rationale: str
    evidence: list[EvidenceQuote]
    rejected_evidence: list[EvidenceQuote]
    question_ids: list[str] = Field(default_factory=list)
    """The planned questions of this competency that were asked (see `plan_coverage`)."""
    weight: float | None = None
    """The plan's weight of this competency in the overall score (None: unweighted)."""


class HumanReviewItem(ContractModel):
    dimension: str
    """A dimension key, or "*" for the whole interview."""
    reason: str


class LearningItem(ContractModel):
    topic: str
    why: str
    actions: list[str] = Field(default_factory=list)


ScoringOutcome = Literal[
    "ok", "malformed", "timeout", "rate_limited", "server_error", "client_error"
]


class ScoringAttempt(ContractModel):
    run: int
    attempt: int
    outcome: ScoringOutcome
    detail: str = ""
    """What went wrong (never model text)."""


class ScoringMeta(ContractModel):
    model: str
    temperature: float
    runs_requested: int
    runs_ok: int
    attempts: list[ScoringAttempt]


class CandidateFeedback(ContractModel):
    """The part of a report written for the candidate: never scores, recommendation or notes
    meant for recruiters."""

    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    learning_plan: list[LearningItem] = Field(default_factory=list)
    coding_note: str | None = None
    """One sentence on the coding problem(s): counts of tests passed, runs and hints only
    (never hidden test contents); None when no problem was shown."""


CodingTopic = Literal["complexity", "edge_cases"]
CodingEvidenceSource = Literal["model", "rules", "none"]
CodingRunWhich = Literal["visible", "hidden"]
CodingProblemAction = Literal["picked", "easier", "harder"]


class CodingEvidence(EvidenceQuote):
    """A quote from the candidate's discussion of their solution, checked like any evidence."""

    topic: CodingTopic


class CodingTally(ContractModel):
    """How many tests of one kind (visible: Run, hidden: Submit) a run passed."""

    passed: int
    total: int
    status: str
    """The sandbox status of that run (ok, error, timeout, memory, output_limit,
    compile_error) or "unavailable" when code could not be run."""
    offset_s: float
    """Seconds from the start of the interview."""


class CodingRun(ContractModel):
    """One Run (visible tests) or Submit (hidden tests), for the report's run timeline."""

    which: CodingRunWhich
    language: str
    status: str
    passed: int
    total: int
    all_passed: bool
    at: float
    """Epoch seconds."""
    offset_s: float
    """Seconds from the start of the interview (for seeking in the recording)."""
    since_problem_s: float
    """Seconds since this problem was shown."""


class CodingHint(ContractModel):
    """A hint from the problem bank, given by the interviewer."""

    number: int
    of: int | None
    text: str
    offset_s: float


class CodingProblemSummary(ContractModel):
    """What happened on one problem, from the moment it was shown until the next one (or the
    end): the facts are counted from the recorded CODE_RUN/CODE_SNAPSHOT/HINT rows."""

    problem_id: str
    title: str
    difficulty: Level | None
    """None when the recorded problem named a difficulty this version does not know."""
    topics: list[str] = Field(default_factory=list)
    action: CodingProblemAction
    """How it came on screen: the first pick, or a move to an easier or harder one."""
    shown_offset_s: float
    language: str | None
    """The language of the final code (None: the candidate never typed or ran any)."""
    final_code: str | None
    """The last code snapshot or run of this problem, whichever came later."""
    final_code_from: Literal["snapshot", "run"] | None
    final_code_truncated: bool = False
    visible_best: CodingTally | None
    visible_final: CodingTally | None
    hidden_best: CodingTally | None
    hidden_final: CodingTally | None
    first_pass_s: float | None
    """Seconds from the problem being shown to the first run (visible or hidden) that passed
    all its tests; None when none did."""
    runs: int
    """Runs against the visible tests."""
    submits: int
    """Submissions against the hidden tests."""
    hints: list[CodingHint] = Field(default_factory=list)
    timeline: list[CodingRun] = Field(default_factory=list)


class CodingSection(ContractModel):
    """The coding workspace of the interview: every problem shown, in order, and quotes of
    the candidate on complexity and edge cases. Absent (None) when no problem was shown."""

    problems: list[CodingProblemSummary]
    evidence: list[CodingEvidence] = Field(default_factory=list)
    rejected_evidence: list[CodingEvidence] = Field(default_factory=list)
    """Quotes the scoring model gave that are not in the candidate's turns."""
    evidence_source: CodingEvidenceSource = "none"
    """Who picked the accepted quotes: the scoring model, the rules of
    `evals/coding_summary.py` (when the model gave none that checked out), or nobody."""


class Report(ContractModel):
    schema_version: Literal[2] = REPORT_SCHEMA_VERSION
    interview_id: str
    generated_at: datetime
    status: ReportStatus
    role: str
    level: Level
    interview_type: InterviewType
    language: str = "en"
    """The language the report's text is written in (the interview's)."""
    overall_score: float | None = None
    """Mean of the supported dimensions, weighted by the plan's competency weights when
    there is a plan; None when nothing was supported or scored."""
    recommendation: Recommendation | None = None
    dimensions: list[DimensionScore] = Field(default_factory=list)
    human_review: list[HumanReviewItem] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    learning_plan: list[LearningItem] = Field(default_factory=list)
    cv_accuracy_notes: list[str] = Field(default_factory=list)
    body_language_notes: list[str] = Field(default_factory=list)
    """Observable camera facts, worded as observations, never as feelings."""
    metrics: InterviewMetrics
    flags: list[ReportFlag] = Field(default_factory=list)
    message: str | None = None
    """For the recruiter: why there are no scores, or what to do next."""
    candidate_feedback: CandidateFeedback = Field(default_factory=CandidateFeedback)
    scoring: ScoringMeta | None = None
    """How the model calls went; None when the model was not asked."""
    plan_coverage: list[QuestionCoverage] = Field(default_factory=list)
    """Every planned question: asked or skipped, and its recorded outcome."""
    coding: CodingSection | None = None
    """The coding section; None when no coding problem was shown."""


class ReportRenderState(StrEnum):
    """Whether report.html exists for the stored report."""

    NOT_READY = "not_ready"
    """No report yet, or it is being rendered."""
    RENDERED = "rendered"
    FAILED = "failed"
    """The report is stored but its page could not be drawn (see the error)."""


class ReportRender(ContractModel):
    """The state of report.html for the stored report, kept beside it so that a page that
    failed to draw is visible as such instead of silently missing."""

    state: ReportRenderState = ReportRenderState.NOT_READY
    error: str | None = None
    """Why rendering failed (state failed); no transcript text."""
