"""Interview planning: the job and the CV turned into a rubric-driven interview plan.

`Planner` (Gemini within a deadline, else the question bank), `PlanPreparer` (runs it in the
background after the interview is created, then stores the plan and makes the interview
joinable), the bank itself (`question_bank`, data in `bank/`)."""

from .plan_builder import PlanRequest, question_count
from .planner import Planner, fallback_design
from .preparation import PlanPreparer
from .settings import PlannerSettings

__all__ = [
    "PlanPreparer",
    "PlanRequest",
    "Planner",
    "PlannerSettings",
    "fallback_design",
    "question_count",
]
