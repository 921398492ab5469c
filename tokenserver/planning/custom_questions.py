"""A recruiter's own questions (from an invitation's template) put into the interview plan.

They come first, in the recruiter's order, in the interview type's main question phase, and
push out the planner's questions beyond the plan's maximum. Only the question's text enters
the design the interviewer follows: the hidden ideal answer stays in
`InterviewPlan.custom_questions`, where only the evaluator reads it (by `custom_question_id`),
so the interviewer can never say it aloud.
"""

from __future__ import annotations

from collections.abc import Sequence

from interview_store import (
    MAX_QUESTIONS,
    PHASES_BY_TYPE,
    CustomQuestion,
    InterviewDesign,
    InterviewType,
    Level,
    Phase,
    PlannedQuestion,
    custom_question_id,
)

_PREFERRED_PHASES = (Phase.TECHNICAL, Phase.BEHAVIOURAL, Phase.CODING, Phase.INTRO)


def with_custom_questions(
    design: InterviewDesign,
    questions: Sequence[CustomQuestion],
    *,
    interview_type: InterviewType,
    level: Level,
) -> InterviewDesign:
    if not questions:
        return design
    phases = PHASES_BY_TYPE[interview_type]
    phase = next(p for p in _PREFERRED_PHASES if p in phases)
    competency = max(design.competencies, key=lambda c: c.weight).key
    custom = [
        PlannedQuestion(
            id=custom_question_id(i),
            phase=phase,
            competency=competency,
            text=q.text,
            follow_ups=["Can you walk me through a concrete example?"],
            good_answer=["A direct, specific answer to the recruiter's question"],
            difficulty=level,
            easier=q.text,
            harder=q.text,
        )
        for i, q in enumerate(questions)
    ]
    room = max(MAX_QUESTIONS - len(custom), 0)
    kept = [q for q in design.questions if not q.id.startswith("custom-")][:room]
    # the recruiter's questions lead their phase; the planner's keep their order around them
    before = [q for q in kept if _order(q.phase, phases) < _order(phase, phases)]
    after = [q for q in kept if _order(q.phase, phases) >= _order(phase, phases)]
    return design.model_copy(update={"questions": [*before, *custom, *after]})


def _order(phase: Phase, phases: tuple[Phase, ...]) -> int:
    return phases.index(phase) if phase in phases else len(phases)
