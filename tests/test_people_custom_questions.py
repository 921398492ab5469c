"""A recruiter's own questions from an invitation template: asked first and in order (the
plan), never said aloud with their ideal answers (the interviewer's instructions), and scored
against those answers (the evaluator's prompt)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from agent.instructions import build_instructions
from agent.phases import PhaseMachine
from agent.plan_progress import PlanProgress
from agent.settings import DEFAULT_PHASE_WEIGHTS
from evals.prompt import build_prompt
from interview_store import (
    MAX_QUESTIONS,
    CustomQuestion,
    InterviewPlan,
    InterviewRecord,
    InterviewStatus,
    InterviewType,
    Level,
    Phase,
)
from testkit.interview_fixtures import FakeClock
from tests.fake_interview import empty_metrics
from tokenserver.planning import PlanRequest, fallback_design
from tokenserver.planning.custom_questions import with_custom_questions

QUESTIONS = [
    CustomQuestion(text="How do you roll back a bad deploy?", ideal_answer="SECRET-ROLLBACK"),
    CustomQuestion(text="What does a readiness probe do?", ideal_answer="SECRET-PROBE"),
    CustomQuestion(text="Tell me about an outage you handled."),
]


def plan_with(questions: list[CustomQuestion], kind: InterviewType) -> InterviewPlan:
    plan = InterviewPlan(
        role="Platform engineer",
        level=Level.ADVANCED,
        interview_type=kind,
        custom_questions=questions,
    )
    design = fallback_design(PlanRequest.from_plan("custom-test", plan), reason="test")
    design = with_custom_questions(design, questions, interview_type=kind, level=plan.level)
    planned = plan.model_copy(update={"design": design})
    # what the store does before writing it: the design must still be valid
    return InterviewPlan.model_validate(planned.model_dump(mode="json"))


def test_custom_questions_come_first_in_order_without_ideal_answers() -> None:
    plan = plan_with(QUESTIONS, InterviewType.BACKEND)
    design = plan.design
    assert design is not None
    technical = design.questions_for(Phase.TECHNICAL)
    assert [q.text for q in technical[:3]] == [q.text for q in QUESTIONS]
    assert [q.id for q in technical[:3]] == ["custom-1", "custom-2", "custom-3"]
    assert "SECRET" not in design.model_dump_json()
    # a behavioural interview has no technical phase: they lead the behavioural one
    behavioural = plan_with(QUESTIONS, InterviewType.BEHAVIOURAL).design
    assert behavioural is not None
    assert behavioural.questions_for(Phase.BEHAVIOURAL)[0].id == "custom-1"


def test_ten_questions_fit_the_plan() -> None:
    ten = [CustomQuestion(text=f"Own question {i}?", ideal_answer=f"A{i}") for i in range(10)]
    design = plan_with(ten, InterviewType.MIXED).design
    assert design is not None
    assert len(design.questions) == MAX_QUESTIONS
    assert [q.id for q in design.questions if q.id.startswith("custom-")] == [
        f"custom-{i + 1}" for i in range(10)
    ]


def test_the_interviewer_never_gets_the_ideal_answers() -> None:
    plan = plan_with(QUESTIONS, InterviewType.BACKEND)
    machine = PhaseMachine(
        interview_type=plan.interview_type,
        planned_minutes=plan.planned_minutes,
        weights=DEFAULT_PHASE_WEIGHTS,
        min_phase_s=0,
        min_duration_fraction=0,
        clock=FakeClock(),
    )
    machine.start()
    progress = PlanProgress(plan.design)
    seen = ""
    for phase in machine.phases:
        if phase != machine.current:
            machine.transition(phase.value)
        text = build_instructions(plan, machine, progress)
        assert "SECRET" not in text, phase
        seen += text
    assert "How do you roll back a bad deploy?" in seen  # the question itself is asked


def test_the_evaluator_scores_against_the_ideal_answers() -> None:
    plan = plan_with(QUESTIONS, InterviewType.BACKEND)
    record = InterviewRecord(
        id="00000000-0000-0000-0000-000000000001",
        room="interview-x",
        status=InterviewStatus.ENDED,
        role=plan.role,
        level=plan.level,
        interview_type=plan.interview_type,
        created_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        plan=plan,
        candidate_identity="candidate-x",
    )
    prompt = build_prompt(record, [], empty_metrics())
    assert "ideal_answer" in prompt.system_instruction
    context_line = prompt.user_content.split("### Interview context (JSON)\n", 1)[1].split("\n")[0]
    planned = {q["id"]: q for q in json.loads(context_line)["planned_questions"]}
    assert planned["custom-1"]["ideal_answer"] == "SECRET-ROLLBACK"
    assert planned["custom-2"]["ideal_answer"] == "SECRET-PROBE"
    assert planned["custom-3"]["ideal_answer"] is None
    assert all(q["ideal_answer"] is None for k, q in planned.items() if not k.startswith("custom-"))
