"""The words every process uses about an interview in progress: phases, who spoke, what kind
of event or camera observation a row is.

They are defined here once because they cross every boundary: the agent writes them, the
store keeps them, evals reads them, the token server serves them and the browser gets them
as generated TypeScript (`python -m interview_store.json_schema`). A value outside these
enums is rejected when the row is built, not discovered later by a reader that guessed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Phase(StrEnum):
    """Interview phases in the order the interviewer walks through them (an interview type
    may skip some; `agent/phases.py` owns which, and the transitions)."""

    INTRO = "intro"
    TECHNICAL = "technical"
    CODING = "coding"
    BEHAVIOURAL = "behavioural"
    CANDIDATE_QUESTIONS = "candidate_questions"
    WRAP_UP = "wrap_up"


Speaker = Literal["candidate", "interviewer"]


class EventKind(StrEnum):
    """What an `InterviewEvent` row records; its `data` shape depends on the kind."""

    PHASE_CHANGE = "phase_change"
    """data: {"from": phase | null, "to": phase, ...}"""
    TOOL_CALL = "tool_call"
    """data: {"name": tool name, "arguments": {...}, ...}"""
    ERROR = "error"
    LATENCY = "latency"
    """data: {"metric": ..., "ms": end of speech -> first agent audio}"""
    USAGE = "usage"
    HINT = "hint"
    """A private note to the interviewer; `explain_concept` hints carry {"concept": ...}."""
    NOTE = "note"
    MODEL_FAILOVER = "model_failover"
    """The live interview switched realtime model (`agent/model_failover.py`). data: {"to":
    "fallback" | "primary", "model": the model now serving, "reason": "latency_p95" |
    "failed_connects" | "recovered" | "probe_failed", "p95_ms", "failed_connects",
    "summary_chars": size of the summary the new session started from}"""
    ANSWER_OUTCOME = "answer_outcome"
    """data: {"question_id", "competency", "outcome": AnswerOutcome, "reason",
    "difficulty_before", "difficulty_after"} (the interviewer's `record_answer_outcome`)."""
    PROBLEM = "problem"
    """The coding problem shown to the candidate changed. data: {"action": "picked" | "easier"
    | "harder", "previous": problem id | null, "problem": the candidate view (id, title,
    difficulty, topics, statement, examples, constraints, signature, starter, visible_tests,
    hidden_test_count; never hidden tests or reference solutions)}"""
    CODE_SNAPSHOT = "code_snapshot"
    """The candidate's editor as the page sent it. data: {"problem_id", "language", "code",
    "lines", "changed_lines": vs the previous snapshot, "seq": the page's counter | null}"""
    AVATAR = "avatar"
    """The interviewer's avatar (`agent/avatar.py`). data: {"status": AvatarStatus, "provider":
    "tavus", "reason": why it is unavailable ("start_failed" | "join_timeout" |
    "disconnected") | null, "error": the failure's class or HTTP status | null, "active_s":
    seconds it rendered the interviewer so far, "minutes": the same in minutes (what the
    provider bills; the `ended` row carries the interview's total)}"""
    CODE_RUN = "code_run"
    """One Run (visible tests) or Submit (hidden tests). data: {"problem_id", "language",
    "which": "visible" | "hidden", "code", "status": the sandbox status | "unavailable",
    "passed", "total", "all_passed", "tests": [{"index", "hidden", "passed", "error"}],
    "time_ms", "compile_ms"}"""


class AgentAttribute(StrEnum):
    """The participant attributes the interviewer publishes in the room, which the candidate's
    page reads (LiveKit attributes are strings)."""

    PHASE = "interview.phase"
    """The current `Phase`."""
    REMAINING_S = "interview.remaining_s"
    """Whole seconds left of the planned time, at the last update."""
    ENDS_AT = "interview.ends_at"
    """When the planned time runs out, Unix seconds (the page counts down from it)."""
    AVATAR = "interview.avatar"
    """The `AvatarStatus` (absent: no avatar configured)."""
    PROBLEM_ID = "interview.problem_id"
    """The coding problem on screen; the page fetches it over RPC when this changes."""


class AvatarStatus(StrEnum):
    """The interviewer's avatar as the candidate's page sees it (participant attribute
    `interview.avatar`) and the record keeps it (`EventKind.AVATAR`)."""

    ACTIVE = "active"
    """The avatar joined and speaks for the interviewer."""
    UNAVAILABLE = "unavailable"
    """It failed to start or dropped: the interview continues voice-only."""
    ENDED = "ended"
    """Record only: the interview ended; carries the avatar minutes."""


ObservationSource = Literal["local", "gemini"]


class ObservationKind(StrEnum):
    """What an `Observation` row records. Local rows come from the face pipeline, Gemini rows
    from the frame review; all are observable facts, never emotions or traits."""

    CALIBRATION = "calibration"
    """local: the neutral head pose of this session."""
    FACE_STATE = "face_state"
    """local: presence (absent / single / multiple) or looking-away changed."""
    FACE_WINDOW = "face_window"
    """local: time observed / with a face / looking away over a window (exact percentages)."""
    ABSENCE = "absence"
    """local: the face left the camera for a long stretch."""
    READING_FROM_NOTES = "reading_from_notes"
    LOOKING_AT_OTHER_SCREEN = "looking_at_other_screen"
    ANOTHER_PERSON = "another_person"
    SCREEN_CONTENT = "screen_content"
    CODE_VISIBLE = "code_visible"
    CAMERA_ISSUE = "camera_issue"


class InterviewStatus(StrEnum):
    PREPARING = "preparing"
    """Created and joinable later: the interview plan is still being written (a deadline
    bounds it; the fallback plan is used after it). The agent waits for `created`."""
    CREATED = "created"
    LIVE = "live"
    ENDED = "ended"
    EVALUATED = "evaluated"
    FAILED = "failed"
    ABANDONED = "abandoned"
    """Never started: its join token expired unused (the token server's sweep, or a lazy
    check when the candidate's page asks). Left out of the recruiters' default list."""


class FailureReason(StrEnum):
    """Why an interview ended `failed`, as stored in its `failure_reason`: the candidate's page
    words a silent candidate differently from a fault of ours. The values are the sentences
    recruiters read (older rows hold the same text)."""

    CANDIDATE_SILENT = "the candidate never spoke"
    AGENT_STOPPED = "the interviewer stopped unexpectedly"


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class InterviewType(StrEnum):
    """The first five are the original values (stored records keep working); the rest
    came with planned interviews. `custom` covers any role, non-technical ones included
    (sales, nursing, marketing): domain questions, no coding phase."""

    TECHNICAL = "technical"
    BEHAVIOURAL = "behavioural"
    SYSTEM_DESIGN = "system_design"
    CODING = "coding"
    MIXED = "mixed"
    FRONTEND = "frontend"
    BACKEND = "backend"
    DATA_ML = "data_ml"
    CUSTOM = "custom"


class Competency(StrEnum):
    """What an interview assesses: the evaluation rubric's dimensions (`evals/rubric.py`
    anchors each one). A plan weights them per interview type; every planned question
    serves one of them, and the report's score for it cites those questions."""

    TECHNICAL_DEPTH = "technical_depth"
    PROBLEM_SOLVING = "problem_solving"
    COMMUNICATION = "communication"
    EXPERIENCE_AUTHENTICITY = "experience_authenticity"
    COLLABORATION = "collaboration"


class AnswerOutcome(StrEnum):
    """How well an answer covered what the planned question looks for."""

    COVERED = "covered"
    PARTLY = "partly"
    NOT_COVERED = "not_covered"
