"""`GET /api/interviews/{id}/feedback`: the candidate's own feedback, nothing else.

The candidate has no account; the LiveKit participant token they were given for this
interview is their proof. It is checked for signature, issuer, room and identity, but may be
up to `FEEDBACK_TOKEN_GRACE` past its expiry: the token lives 15 minutes, while the interview
and its evaluation take longer. Only the candidate-facing parts of the report are returned
(`CandidateFeedback`: strengths, improvements, learning plan) and how the evaluation went —
never scores, recommendation or notes meant for recruiters.
"""

from __future__ import annotations

from datetime import timedelta

from livekit import api
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store import FeedbackResponse, InterviewRecord, InterviewStatus

from .app_context import AppContext
from .auth import bearer_token
from .errors import ApiError

FEEDBACK_TOKEN_GRACE = timedelta(days=7)
_HEADERS = {"Cache-Control": "private, no-store"}


def routes(ctx: AppContext) -> list[BaseRoute]:
    verifier = api.TokenVerifier(
        ctx.settings.livekit_api_key,
        ctx.settings.livekit_api_secret.get_secret_value(),
        leeway=FEEDBACK_TOKEN_GRACE,
    )

    async def get_feedback(request: Request) -> Response:
        presented = bearer_token(request)
        if presented is None:
            raise ApiError(
                401,
                "Send the interview's participant token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": 'Bearer realm="candidate"'},
            )
        try:
            claims = verifier.verify(presented)
        except Exception:  # PyJWT's errors (bad signature, expired, wrong issuer) or ValueError
            raise ApiError(403, "This feedback link is not valid any more.") from None
        record = await ctx.store.get(str(request.path_params["interview_id"]))
        # same answer for "no such interview" and "not yours": ids are not secrets to probe
        if (
            record is None
            or claims.identity != record.candidate_identity
            or claims.video is None
            or claims.video.room != record.room
        ):
            raise ApiError(403, "This token does not belong to this interview.")
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
    )
