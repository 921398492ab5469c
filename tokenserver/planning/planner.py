"""The planner: Gemini's plan within a deadline, or the question bank's.

`Planner.plan(request)` never fails: without a Google key, past the deadline, or with an
answer that is malformed, refused or empty it returns the deterministic bank plan, whose
`fallback_reason` says why (no model text, no CV content).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from interview_store import InterviewDesign, PlanSource, SkillGap

from ..skill_gap import skill_gap_for
from .gemini_planner import GeminiPlanner, PlanningFailed
from .plan_builder import PlanRequest, allocation, assemble, probe_drafts
from .question_bank import load_bank
from .rule_profiles import cv_profile, job_profile
from .settings import PlannerSettings

logger = logging.getLogger("tokenserver.planning")

NO_KEY = "no Google API key is configured"


@dataclass(frozen=True)
class PlanOutcome:
    design: InterviewDesign
    skill_gap: SkillGap | None
    """Recomputed from Gemini's extracted skills (with synonyms); the keyword one otherwise."""


def fallback_design(request: PlanRequest, *, reason: str) -> InterviewDesign:
    """The bank's plan: rule-based profiles, probes of CV claims and missing skills."""
    cv = cv_profile(request.cv)
    gap = request.skill_gap
    probes = probe_drafts(request, load_bank(), allocation(request, load_bank()), cv=cv, gap=gap)
    return assemble(
        request,
        source=PlanSource.FALLBACK,
        preferred=probes,
        job=job_profile(request.job_description, request.role) if request.job_description else None,
        cv=cv,
        fallback_reason=reason,
        language="en",
    )


class Planner:
    def __init__(self, *, gemini: GeminiPlanner | None, deadline_s: float) -> None:
        self._gemini = gemini
        self._deadline_s = deadline_s

    @classmethod
    def from_settings(cls, settings: PlannerSettings) -> Planner:
        key = settings.google_api_key.get_secret_value() if settings.google_api_key else ""
        gemini = (
            GeminiPlanner.connect(
                api_key=key,
                base_url=settings.gemini_base_url,
                model=settings.planner_model,
                temperature=settings.planner_temperature,
            )
            if key
            else None
        )
        return cls(gemini=gemini, deadline_s=settings.planner_deadline_s)

    @property
    def deadline_s(self) -> float:
        return self._deadline_s

    async def aclose(self) -> None:
        if self._gemini is not None:
            await self._gemini.aclose()

    async def plan(self, request: PlanRequest) -> PlanOutcome:
        if self._gemini is None:
            return PlanOutcome(fallback_design(request, reason=NO_KEY), request.skill_gap)
        try:
            async with asyncio.timeout(self._deadline_s):
                draft = await self._gemini.draft(request)
        except TimeoutError:
            reason = f"Gemini did not answer within {self._deadline_s:g} s"
        except PlanningFailed as e:
            reason = str(e)
        except Exception as e:  # a dropped connection, a client bug: the bank still works
            logger.exception("planner failed", extra={"interview_id": request.interview_id})
            reason = f"planner error ({type(e).__name__})"
        else:
            required = draft.job.required_skills + draft.job.preferred_skills
            gap = (
                skill_gap_for(required, draft.cv.skills, request.cv.text)
                if draft.cv is not None and request.cv is not None and required
                else request.skill_gap
            )
            design = assemble(
                request,
                source=PlanSource.GEMINI,
                preferred=draft.questions,
                job=draft.job,
                cv=draft.cv,
                language=request.language,
                design_prompt=draft.design_prompt,
            )
            return PlanOutcome(design, gap)
        logger.warning(
            "plan from the question bank",
            extra={"interview_id": request.interview_id, "reason": reason},
        )
        return PlanOutcome(fallback_design(request, reason=reason), request.skill_gap)
