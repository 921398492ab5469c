"""`GET /api/interviews/{id}/feedback`: the candidate's own feedback, nothing else.

The candidate has no account; the LiveKit participant token they were given for this
interview, or the profile key their browser holds, is their proof (`candidate_access`: the
token may be up to `FEEDBACK_TOKEN_GRACE` past its expiry, because the interview and its
evaluation outlast it; the profile key survives closing the tab). Only the candidate-facing
parts of the report are returned (`CandidateFeedback`: strengths, improvements, learning plan)
and how the evaluation went — never scores, recommendation or notes meant for recruiters.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store import FailureReason, FeedbackResponse, InterviewRecord, InterviewStatus

from .app_context import AppContext

_HEADERS = {"Cache-Control": "private, no-store"}


def routes(ctx: AppContext) -> list[BaseRoute]:
    async def get_feedback(request: Request) -> Response:
        # the participant token of this interview, or the profile key that owns it; an
        # interview whose token expired unused answers `abandoned` (it never started)
        record = await ctx.people.access.interview(
            request, str(request.path_params["interview_id"])
        )
        body = candidate_view(record)
        return JSONResponse(body.model_dump(mode="json"), headers=_HEADERS)

    return [Route("/interviews/{interview_id:uuid}/feedback", get_feedback, methods=["GET"])]


def candidate_view(record: InterviewRecord) -> FeedbackResponse:
    """The candidate's subset of the report (`Report.candidate_feedback`), and how the
    evaluation went so the page can explain a report without detailed notes."""
    report = record.report if record.status == InterviewStatus.EVALUATED else None
    return FeedbackResponse(
        status=record.status,
        report_status=report.status if report is not None else None,
        feedback=report.candidate_feedback if report is not None else None,
        plan_source=record.plan.design.source if record.plan.design is not None else None,
        failure_reason=_known_failure(record),
    )


def _known_failure(record: InterviewRecord) -> FailureReason | None:
    if record.status != InterviewStatus.FAILED or record.failure_reason is None:
        return None
    try:
        return FailureReason(record.failure_reason)
    except ValueError:  # a free-text reason from an older writer: the generic message
        return None
