"""Shared helpers for the agent tests: a controllable clock and a sample plan."""

from __future__ import annotations

from interview_store import (
    CVSections,
    InterviewPlan,
    InterviewType,
    Level,
    ParsedCV,
    SkillGap,
)


class FakeClock:
    """Epoch seconds that only move when a test says so."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sample_plan(
    interview_type: InterviewType = InterviewType.MIXED, planned_minutes: int = 30
) -> InterviewPlan:
    return InterviewPlan(
        role="Backend Engineer",
        level=Level.INTERMEDIATE,
        interview_type=interview_type,
        job_description="We build payment APIs in Python with PostgreSQL and Kafka.",
        cv=ParsedCV(
            text="Ada Lovelace. Python developer, 5 years.",
            sections=CVSections(skills="Python, Django, SQL", experience="5 years at Acme"),
        ),
        skill_gap=SkillGap(matched=["Python", "SQL"], missing=["Kafka"]),
        candidate_name="Ada",
        planned_minutes=planned_minutes,
    )
