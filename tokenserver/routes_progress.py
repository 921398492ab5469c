"""The candidate's side of people: the consent notice, the progress of a profile, and deleting
one's own interview.

A profile has no password: the key the browser holds (`X-Profile-Key`, from localStorage or
the "your progress" link) is the credential, and it opens that profile's interviews only.
The progress answer carries what the candidate may see of each report (rubric scores and
delivery metrics, the latest improvement plan), never recruiter notes or recommendations.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store import InterviewRecord, InterviewStatus
from interview_store.accounts import AuditAction
from interview_store.people import (
    ProfileEmailBody,
    ProgressInterview,
    ProgressMetrics,
    ProgressResponse,
)

from .app_context import AppContext
from .auth import bearer_token
from .consent import notice
from .errors import ApiError
from .json_body import read_json

logger = logging.getLogger("tokenserver.progress")

_PRIVATE = {"Cache-Control": "private, no-store"}


def routes(ctx: AppContext) -> list[BaseRoute]:
    access = ctx.people.access
    people = ctx.people.store

    async def get_consent(_request: Request) -> Response:
        body = notice(retention_days=ctx.settings.retention_days)
        return JSONResponse(body.model_dump(mode="json"))

    async def get_progress(request: Request) -> Response:
        found = await access.profile(request, required=True)
        assert found is not None
        profile_id, email = found
        records: list[InterviewRecord] = []
        for interview_id in await people.profile_interview_ids(profile_id):
            record = await ctx.store.get(interview_id)
            if record is not None:
                records.append(await access.settle_abandoned(record))
        latest = next(
            (r.report for r in reversed(records) if r.report is not None),
            None,
        )
        body = ProgressResponse(
            email=email,
            interviews=[_progress_item(r) for r in records],
            latest_plan=latest.learning_plan if latest else [],
            latest_improvements=latest.improvements if latest else [],
        )
        return JSONResponse(body.model_dump(mode="json"), headers=_PRIVATE)

    async def set_email(request: Request) -> Response:
        found = await access.profile(request, required=True)
        assert found is not None
        body = await read_json(request, ProfileEmailBody)
        email = body.email.strip() if body.email else None
        if email and ("@" not in email or any(c.isspace() for c in email)):
            raise ApiError(422, "email: enter an address like name@example.com.", field="email")
        await people.set_profile_email(found[0], email or None)
        return Response(status_code=204)

    async def delete_mine(request: Request) -> Response:
        record = await access.interview(request, str(request.path_params["interview_id"]))
        if record.status == InterviewStatus.LIVE:
            raise ApiError(409, "The interview is still running; leave the room first.")
        await ctx.store.delete(record.id)
        by = "participant token" if bearer_token(request) is not None else "profile key"
        await ctx.auth.accounts.audit(
            actor=f"candidate ({by})", action=AuditAction.INTERVIEW_DELETED, target=record.id
        )
        logger.info("interview deleted by the candidate", extra={"interview_id": record.id})
        return Response(status_code=204)

    return [
        Route("/consent", get_consent, methods=["GET"]),
        Route("/profile", get_progress, methods=["GET"]),
        Route("/profile/email", set_email, methods=["PUT"]),
        Route("/interviews/{interview_id:uuid}/mine", delete_mine, methods=["DELETE"]),
    ]


def _progress_item(record: InterviewRecord) -> ProgressInterview:
    report = record.report if record.status == InterviewStatus.EVALUATED else None
    metrics = None
    if report is not None:
        m = report.metrics
        metrics = ProgressMetrics(
            words_per_minute=m.words_per_minute,
            fillers_per_minute=m.fillers_per_minute,
            filler_words=m.filler_words,
            talk_ratio=m.talk_ratio,
            mean_answer_words=m.answer_words.mean,
        )
    return ProgressInterview(
        id=record.id,
        created_at=record.created_at,
        status=record.status,
        role=record.role,
        interview_type=record.interview_type,
        level=record.level,
        overall_score=report.overall_score if report else None,
        scores={d.name: d.score for d in report.dimensions if d.score is not None}
        if report
        else {},
        metrics=metrics,
    )
