"""The interview record and its storage: the only module shared by `agent`, `tokenserver`
and `evals`. Nothing else belongs here."""

from .config import SettingsError, StoreSettings, database_url_for, load_settings
from .models import (
    CVSections,
    EventKind,
    InterviewEvent,
    InterviewPlan,
    InterviewRecord,
    InterviewStatus,
    InterviewSummary,
    InterviewType,
    Level,
    Observation,
    ParsedCV,
    Recording,
    RecordingKind,
    SkillGap,
    Speaker,
    TranscriptItem,
)
from .store import InterviewNotFound, InterviewStore, InvalidTransition

__all__ = [
    "CVSections",
    "EventKind",
    "InterviewEvent",
    "InterviewNotFound",
    "InterviewPlan",
    "InterviewRecord",
    "InterviewStatus",
    "InterviewStore",
    "InterviewSummary",
    "InterviewType",
    "InvalidTransition",
    "Level",
    "Observation",
    "ParsedCV",
    "Recording",
    "RecordingKind",
    "SettingsError",
    "SkillGap",
    "Speaker",
    "StoreSettings",
    "TranscriptItem",
    "database_url_for",
    "load_settings",
]
