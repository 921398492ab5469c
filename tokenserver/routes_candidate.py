"""`POST /api/interviews`: the public front door that turns a form into a joinable room.

Order matters for "nothing half-written": rate limit, then consent (`consent=true`, else 422),
then validate every field (an invitation's fields come locked from its template), then parse
the CV and compute the skill gap, then mint the token, and only then write the record, in a
single insert, and link it to the candidate's profile and invitation (`candidate_intake`).
Any failure before the insert leaves the database untouched.

The record is inserted `preparing`: the interview plan (Gemini reading the job and the CV,
or the question bank) is written in the background within a deadline, so the candidate gets
the room at once and the page shows progress until the status is `created`.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store import (
    DEFAULT_LANGUAGE,
    DURATION_MINUTES,
    LANGUAGES,
    CreatedInterview,
    InterviewOptions,
    InterviewPlan,
    InterviewStatus,
    InterviewType,
    LanguageOption,
    Level,
    ParsedCV,
    language_name,
)
from interview_store.people_store import InvitationGrant

from .app_context import AppContext
from .cv_parsing import CVRejected
from .errors import ApiError
from .ratelimit import retry_after_header
from .settings import FORM_FIELD_BYTES
from .skill_gap import skill_gap
from .tokens import CandidateGrant

logger = logging.getLogger("tokenserver.candidate")

DEFAULT_DURATION_MINUTES = 30

MAX_ROLE_CHARS = 200
MAX_JOB_DESCRIPTION_CHARS = 20_000
MAX_NAME_CHARS = 100
_FORM_TYPES = (b"multipart/form-data", b"application/x-www-form-urlencoded")


def routes(ctx: AppContext) -> list[BaseRoute]:
    async def create_interview(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        wait = ctx.create_limiter.acquire(client)
        if wait is not None:
            logger.warning("rate limited", extra={"retry_after_s": round(wait, 1)})
            raise ApiError(
                429,
                "Too many interviews created from this address; wait a minute and try again.",
                headers=retry_after_header(wait),
            )
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type.encode() not in _FORM_TYPES:
            raise ApiError(415, "Send the form as multipart/form-data (fields and the CV file).")
        async with request.form(max_files=2, max_fields=20, max_part_size=FORM_FIELD_BYTES) as form:
            # consent first, then who may create it (an invitation, or self-serve practice)
            intake = await ctx.people.intake.begin(request, form)
            invited = intake.invitation
            plan_fields = _validate(form) if invited is None else _locked(invited, form)
            cv_bytes = await _cv_bytes(form, max_bytes=ctx.settings.max_cv_bytes)
        cv: ParsedCV | None = None
        if cv_bytes is not None:
            try:
                cv = await ctx.cv_parser.parse(cv_bytes)
            except CVRejected as e:
                logger.info("cv rejected", extra={"reason": e.reason, "bytes": len(cv_bytes)})
                raise ApiError(e.status, str(e), field="cv") from None
        job_description = plan_fields.job_description
        plan = InterviewPlan(
            role=plan_fields.role,
            level=plan_fields.level,
            interview_type=plan_fields.interview_type,
            job_description=job_description,
            candidate_name=plan_fields.candidate_name,
            cv=cv,
            skill_gap=skill_gap(job_description, cv.text) if (cv and job_description) else None,
            language=plan_fields.language,
            planned_minutes=plan_fields.duration_minutes,
            custom_questions=intake.custom_questions,
        )
        interview_id = str(uuid.uuid4())
        room = f"interview-{interview_id}"
        identity = f"candidate-{uuid.uuid4().hex[:16]}"
        token = ctx.minter.mint(
            CandidateGrant(
                interview_id=interview_id,
                room=room,
                identity=identity,
                display_name=plan.candidate_name or "Candidate",
            )
        )
        await ctx.people.intake.claim(intake)  # single use: 410 if another tab won
        try:
            await ctx.store.create(
                plan,
                interview_id=interview_id,
                room=room,
                candidate_identity=identity,
                preparing=True,
            )
        except BaseException:
            await ctx.people.intake.release(intake)
            raise
        profile_key = await ctx.people.intake.finish(intake, interview_id)
        ctx.plans.start(interview_id, plan)
        logger.info(
            "interview created",
            extra={
                "interview_id": interview_id,
                "interview_type": plan.interview_type.value,
                "interview_level": plan.level.value,
                "cv_type": cv.file_type if cv else None,
                "cv_pages": cv.pages if cv else None,
                "has_job_description": job_description is not None,
                "language": plan.language,
                "duration_minutes": plan.planned_minutes,
            },
        )
        created = CreatedInterview(
            interview_id=interview_id,
            room=room,
            server_url=ctx.settings.livekit_url,
            participant_token=token,
            status=InterviewStatus.PREPARING,
            ready_within_s=ctx.plans.planner.deadline_s,
            profile_key=profile_key,
        )
        return JSONResponse(
            created.model_dump(mode="json"),
            status_code=201,
            headers={"Cache-Control": "no-store"},
        )

    options_body = interview_options().model_dump(mode="json")

    async def get_options(_request: Request) -> Response:
        return JSONResponse(options_body, headers={"Cache-Control": "public, max-age=3600"})

    return [
        Route("/interviews", create_interview, methods=["POST"]),
        Route("/interview-options", get_options, methods=["GET"]),
    ]


def interview_options() -> InterviewOptions:
    """The create form's choices, from the same lists `_validate` checks."""
    return InterviewOptions(
        languages=[LanguageOption(code=c, name=language_name(c)) for c in LANGUAGES],
        durations_minutes=list(DURATION_MINUTES),
        interview_types=list(InterviewType),
        levels=list(Level),
        default_language=DEFAULT_LANGUAGE,
        default_duration_minutes=DEFAULT_DURATION_MINUTES,
    )


def _text(form: FormData, name: str) -> str | None:
    values = form.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(422, f"Send '{name}' only once.", field=name)
    value = values[0]
    if not isinstance(value, str):
        raise ApiError(422, f"'{name}' must be a text field, not a file.", field=name)
    return _clean(value)


def _clean(value: str) -> str:
    """Drop control characters (keeping newlines and tabs) and surrounding space."""
    return "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    ).strip()


@dataclass(frozen=True)
class _PlanFields:
    role: str
    level: Level
    interview_type: InterviewType
    job_description: str | None
    candidate_name: str | None
    language: str
    duration_minutes: int


def _validate(form: FormData) -> _PlanFields:
    role = _text(form, "role")
    if not role:
        raise ApiError(422, "Enter the role or topic to interview for.", field="role")
    if len(role) > MAX_ROLE_CHARS:
        raise ApiError(
            422, f"The role is {len(role)} characters; keep it to {MAX_ROLE_CHARS}.", field="role"
        )
    level = (_text(form, "level") or Level.INTERMEDIATE.value).lower()
    if level not in {v.value for v in Level}:
        allowed = ", ".join(v.value for v in Level)
        raise ApiError(422, f"'level' must be one of: {allowed}.", field="level")
    interview_type = (_text(form, "interview_type") or InterviewType.MIXED.value).lower()
    if interview_type not in {v.value for v in InterviewType}:
        allowed = ", ".join(v.value for v in InterviewType)
        raise ApiError(422, f"'interview_type' must be one of: {allowed}.", field="interview_type")
    job_description = _text(form, "job_description") or None
    if job_description and len(job_description) > MAX_JOB_DESCRIPTION_CHARS:
        raise ApiError(
            422,
            f"The job description is {len(job_description):,} characters; "
            f"shorten it to {MAX_JOB_DESCRIPTION_CHARS:,}.",
            field="job_description",
        )
    candidate_name = _text(form, "candidate_name") or None
    if candidate_name:
        candidate_name = " ".join(candidate_name.split())
        if len(candidate_name) > MAX_NAME_CHARS:
            raise ApiError(
                422, f"Keep the name to {MAX_NAME_CHARS} characters.", field="candidate_name"
            )
    language = (_text(form, "language") or DEFAULT_LANGUAGE).lower()
    if language not in LANGUAGES:
        allowed = ", ".join(LANGUAGES)
        raise ApiError(422, f"'language' must be one of: {allowed}.", field="language")
    duration_text = _text(form, "duration_minutes") or str(DEFAULT_DURATION_MINUTES)
    allowed_minutes = ", ".join(str(m) for m in DURATION_MINUTES)
    if not duration_text.isdigit() or int(duration_text) not in DURATION_MINUTES:
        raise ApiError(
            422,
            f"'duration_minutes' must be one of: {allowed_minutes}.",
            field="duration_minutes",
        )
    return _PlanFields(
        role=role,
        level=Level(level),
        interview_type=InterviewType(interview_type),
        job_description=job_description,
        candidate_name=candidate_name,
        language=language,
        duration_minutes=int(duration_text),
    )


def _locked(invited: InvitationGrant, form: FormData) -> _PlanFields:
    """An invitation's interview: every field comes from the recruiter's template (the form's
    values are ignored, the page shows them locked); only the name may be typed when the
    invitation carries none."""
    template = invited.template
    name = invited.invitation.candidate_name or _text(form, "candidate_name") or None
    if name:
        name = " ".join(name.split())[:MAX_NAME_CHARS]
    return _PlanFields(
        role=template.role,
        level=template.level,
        interview_type=template.interview_type,
        job_description=template.job_description,
        candidate_name=name,
        language=template.language,
        duration_minutes=template.duration_minutes,
    )


async def _cv_bytes(form: FormData, *, max_bytes: int) -> bytes | None:
    values = form.getlist("cv")
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(422, "Upload one CV file.", field="cv")
    upload = values[0]
    if isinstance(upload, str):
        if not upload:
            return None  # an empty text field: no CV chosen
        raise ApiError(422, "'cv' must be a file upload (PDF or DOCX).", field="cv")
    assert isinstance(upload, UploadFile)
    if not upload.filename and not upload.size:
        return None  # browsers send an empty part for an untouched file input
    if upload.size is not None and upload.size > max_bytes:
        raise ApiError(
            413,
            f"The CV is {upload.size / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB. Upload a smaller PDF or DOCX.",
            field="cv",
        )
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ApiError(413, f"The CV is larger than {max_bytes / 1_048_576:.0f} MB.", field="cv")
    if not data:
        raise ApiError(422, "The CV file is empty; choose the file again.", field="cv")
    return data
