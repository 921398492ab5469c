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
