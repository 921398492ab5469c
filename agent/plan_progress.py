"""Where the interview stands against its plan: asked questions, outcomes, difficulty.

Plain Python (no LiveKit), owned by the `InterviewContext`. The interviewer reports each
answer with `record_answer_outcome(question_id, outcome, reason)`; this class checks the id
against the plan, moves the difficulty ladder (covered: one step harder, not covered: one
step easier, partly: stay) and names the next planned question of the current phase at the
new difficulty, so the model never has to remember the ladder itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from interview_store import (
    AnswerOutcome,
    DifficultyStep,
    InterviewDesign,
    Phase,
    PlannedQuestion,
)

_LADDER = (DifficultyStep.EASIER, DifficultyStep.PLANNED, DifficultyStep.HARDER)


class PlanError(Exception):
    """A refused outcome (unknown question id, or no plan); the text is for the model."""


@dataclass(frozen=True)
class OutcomeRecorded:
    question: PlannedQuestion
    outcome: AnswerOutcome
    before: DifficultyStep
    after: DifficultyStep
    next_question: PlannedQuestion | None

    def event_data(self, reason: str) -> dict[str, str]:
        return {
            "question_id": self.question.id,
            "competency": self.question.competency.value,
            "outcome": self.outcome.value,
            "reason": reason,
            "difficulty_before": self.before.value,
            "difficulty_after": self.after.value,
        }


class PlanProgress:
    def __init__(self, design: InterviewDesign | None) -> None:
        self._design = design
        self._step = DifficultyStep.PLANNED
        self._outcomes: dict[str, AnswerOutcome] = {}

    @property
    def design(self) -> InterviewDesign | None:
        return self._design

    @property
    def step(self) -> DifficultyStep:
        """The variant the next question is asked at."""
        return self._step

    @property
    def outcomes(self) -> dict[str, AnswerOutcome]:
        return dict(self._outcomes)

    def remaining(self, phase: Phase) -> list[PlannedQuestion]:
        """The phase's planned questions without an outcome yet, in plan order."""
        if self._design is None:
            return []
        return [q for q in self._design.questions_for(phase) if q.id not in self._outcomes]

    def record(self, question_id: str, outcome: str, *, phase: Phase) -> OutcomeRecorded:
        if self._design is None:
            raise PlanError("this interview has no planned questions; continue without it")
        question = self._design.question(question_id.strip().upper())
        if question is None:
            ids = ", ".join(q.id for q in self._design.questions_for(phase)) or "none"
            raise PlanError(
                f"'{question_id}' is not a planned question. Planned in this phase: {ids}."
            )
        try:
            result = AnswerOutcome(outcome)
        except ValueError:
            allowed = ", ".join(o.value for o in AnswerOutcome)
            raise PlanError(f"outcome must be one of: {allowed}") from None
        before = self._step
        index = _LADDER.index(before)
        if result == AnswerOutcome.COVERED:
            index = min(index + 1, len(_LADDER) - 1)
        elif result == AnswerOutcome.NOT_COVERED:
            index = max(index - 1, 0)
        self._step = _LADDER[index]
        self._outcomes[question.id] = result
        upcoming = self.remaining(phase)
        return OutcomeRecorded(
            question=question,
            outcome=result,
            before=before,
            after=self._step,
            next_question=upcoming[0] if upcoming else None,
        )
