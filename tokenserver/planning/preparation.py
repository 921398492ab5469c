"""Writing the plan in the background, so creating an interview stays fast.

`POST /api/interviews` inserts the record as `preparing` and calls `start()`; the plan is
written within the planner's deadline (the bank's plan after it) and stored with
`store.save_plan`, which makes the interview `created` in the same UPDATE. The agent waits
for `created` before it speaks (it never runs an interview without a plan).

A token server that dies mid-preparation leaves `preparing` rows behind: `resume_pending()`
(called at start-up) plans them again. A plan for an interview that meanwhile ended or was
deleted is dropped without error.
"""

from __future__ import annotations

import asyncio
import logging

from interview_store import InterviewNotFound, InterviewPlan, InterviewStatus, InterviewStore

from .custom_questions import with_custom_questions
from .plan_builder import PlanRequest
from .planner import Planner, fallback_design

logger = logging.getLogger("tokenserver.planning")

RESUME_BATCH = 200


class PlanPreparer:
    def __init__(self, *, store: InterviewStore, planner: Planner) -> None:
        self._store = store
        self._planner = planner
        self._tasks: set[asyncio.Task[InterviewPlan]] = set()

    @property
    def planner(self) -> Planner:
        return self._planner

    @property
    def pending(self) -> int:
        """Plans being written right now."""
        return len(self._tasks)

    def start(self, interview_id: str, plan: InterviewPlan) -> None:
        """Plan in the background (the task is kept until it finishes)."""
        task = asyncio.create_task(self.prepare(interview_id, plan), name=f"plan-{interview_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def prepare(self, interview_id: str, plan: InterviewPlan) -> InterviewPlan:
        """Write and store the plan; returns the plan as stored (or as it would have been)."""
        request = PlanRequest.from_plan(interview_id, plan)
        try:
            outcome = await self._planner.plan(request)
            design, gap = outcome.design, outcome.skill_gap
        except Exception as e:  # the planner has its own fallback; this is the last resort
            logger.exception("planning failed", extra={"interview_id": interview_id})
            design = fallback_design(request, reason=f"planner error ({type(e).__name__})")
            gap = plan.skill_gap
        design = with_custom_questions(
            design,
            plan.custom_questions,
            interview_type=plan.interview_type,
            level=plan.level,
        )
        planned = plan.model_copy(update={"design": design, "skill_gap": gap})
        try:
            saved = await self._store.save_plan(interview_id, planned)
        except InterviewNotFound:
            saved = False
        except Exception:  # the database is down: resume_pending() plans it at next start
            logger.exception("could not store the plan", extra={"interview_id": interview_id})
            saved = False
        logger.info(
            "interview plan ready" if saved else "interview plan dropped (no longer preparing)",
            extra={
                "interview_id": interview_id,
                "plan_source": design.source.value,
                "questions": len(design.questions),
            },
        )
        return planned

    async def resume_pending(self) -> int:
        """Plan every interview left `preparing` by a previous process; returns how many."""
        items, _ = await self._store.list(status=InterviewStatus.PREPARING, limit=RESUME_BATCH)
        for item in items:
            record = await self._store.get(item.id)
            if record is not None and record.status == InterviewStatus.PREPARING:
                self.start(record.id, record.plan)
        return len(items)

    async def aclose(self) -> None:
        """Let running plans finish (each is bounded by the planner's deadline), then close
        the planner's client."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self._planner.aclose()
