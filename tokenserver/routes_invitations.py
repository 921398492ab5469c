"""Interview templates and invitation links.

Recruiters (role `recruiter`) prepare a template and create single-use, expiring links from
it, optionally labelled with the candidate's name or email; viewers may list them with each
link's status (sent, opened, started, completed, expired, revoked). The link itself is shown
once: only its hash is stored. A candidate opening the link (`GET /api/invitations/{token}`)
sees the prepared interview with its fields locked, never the questions' ideal answers; the
create form then carries `invitation=<token>` (see `candidate_intake`).

A recruiter may take a link back (`POST /api/invitations/{id}/revoke`, audit-logged) until it
is used: a started or completed invitation has an interview, which is deleted instead, so
revoking it is a 409. Revoking is idempotent, and revoking an expired link is a no-op 200
(it already starts nothing; its status stays `expired`). The candidate's link then answers
410 with "withdrawn by the recruiter", never "not found".
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store.accounts import AuditAction, Role
from interview_store.people import (
    CreatedInvitation,
    InvitationBody,
    InvitationList,
    InvitationStatus,
    InvitationView,
    TemplateBody,
    TemplateList,
)

from .app_context import AppContext
from .candidate_access import new_secret, secret_hash
from .errors import ApiError
from .json_body import read_json

logger = logging.getLogger("tokenserver.invitations")

_PRIVATE = {"Cache-Control": "private, no-store"}


def invitation_path(token: str) -> str:
    """The page a candidate opens (the web client's route)."""
    return f"/invite/{token}"


def routes(ctx: AppContext) -> list[BaseRoute]:
    people = ctx.people.store

    async def create_template(request: Request) -> Response:
        principal = await ctx.auth.require(request, Role.RECRUITER)
        body = await read_json(request, TemplateBody)
        body = body.model_copy(update={"role": " ".join(body.role.split())})
        if not body.role:
            raise ApiError(422, "role: enter the role to interview for.", field="role")
        template = await people.create_template(body, created_by=principal.actor)
        logger.info(
            "template created",
            extra={"template_id": template.id, "questions": len(template.questions)},
        )
        return JSONResponse(template.model_dump(mode="json"), status_code=201, headers=_PRIVATE)

    async def list_templates(request: Request) -> Response:
        await ctx.auth.require(request, Role.VIEWER)
        page = TemplateList(items=await people.templates())
        return JSONResponse(page.model_dump(mode="json"), headers=_PRIVATE)

    async def create_invitation(request: Request) -> Response:
        await ctx.auth.require(request, Role.RECRUITER)
        template = await people.template(str(request.path_params["template_id"]))
        if template is None:
            raise ApiError(404, "No template with this id.")
        body = await read_json(request, InvitationBody)
        now = datetime.now(UTC)
        expires_at = now + timedelta(hours=body.expires_in_hours)
        if template.deadline is not None:
            if template.deadline <= now:
                raise ApiError(409, "This template's deadline has passed; set a new one.")
            expires_at = min(expires_at, template.deadline)
        token = new_secret()
        invitation = await people.create_invitation(
            template,
            token_hash=secret_hash(token),
            candidate_name=_label(body.candidate_name),
            candidate_email=_label(body.candidate_email),
            expires_at=expires_at,
        )
        created = CreatedInvitation(
            **invitation.model_dump(), token=token, url=ctx.link(invitation_path(token))
        )
        logger.info("invitation created", extra={"invitation_id": invitation.id})
        return JSONResponse(created.model_dump(mode="json"), status_code=201, headers=_PRIVATE)

    async def list_invitations(request: Request) -> Response:
        await ctx.auth.require(request, Role.VIEWER)
        template_id = request.query_params.get("template_id") or None
        page = InvitationList(items=await people.invitations(template_id=template_id))
        return JSONResponse(page.model_dump(mode="json"), headers=_PRIVATE)

    async def revoke_invitation(request: Request) -> Response:
        principal = await ctx.auth.require(request, Role.RECRUITER)
        invitation_id = str(request.path_params["invitation_id"])
        result = await people.revoke_invitation(invitation_id, now=datetime.now(UTC))
        if result is None:
            raise ApiError(404, "No invitation with this id.")
        status = result.invitation.status
        if status in (InvitationStatus.STARTED, InvitationStatus.COMPLETED):
            raise ApiError(
                409,
                f"This invitation was already used (it is {status.value}): the interview "
                "exists. Delete the interview instead if it should not be kept.",
            )
        if result.revoked_now:
            await ctx.auth.accounts.audit(
                actor=principal.actor,
                action=AuditAction.INVITATION_REVOKED,
                target=f"invitation:{invitation_id}",
            )
            logger.info("invitation revoked", extra={"invitation_id": invitation_id})
        return JSONResponse(result.invitation.model_dump(mode="json"), headers=_PRIVATE)

    async def open_invitation(request: Request) -> Response:
        """The candidate's view of an invitation (the link is the credential)."""
        grant = await ctx.people.intake.invitation(str(request.path_params["token"]))
        assert grant is not None
        await people.mark_opened(grant.invitation.id)
        t = grant.template
        view = InvitationView(
            role=t.role,
            level=t.level,
            interview_type=t.interview_type,
            language=t.language,
            duration_minutes=t.duration_minutes,
            job_description=t.job_description,
            candidate_name=grant.invitation.candidate_name,
            question_count=len(t.questions),
            expires_at=min(grant.invitation.expires_at, t.deadline or grant.invitation.expires_at),
            status=grant.invitation.status,
        )
        return JSONResponse(
            view.model_dump(mode="json"),
            headers={**_PRIVATE, "Referrer-Policy": "no-referrer"},
        )

    return [
        Route("/templates", create_template, methods=["POST"]),
        Route("/templates", list_templates, methods=["GET"]),
        Route("/templates/{template_id:uuid}/invitations", create_invitation, methods=["POST"]),
        Route("/invitations", list_invitations, methods=["GET"]),
        Route("/invitations/{invitation_id:uuid}/revoke", revoke_invitation, methods=["POST"]),
        Route("/invitations/{token:str}", open_invitation, methods=["GET"]),
    ]


def _label(value: str | None) -> str | None:
    cleaned = " ".join(value.split()) if value else ""
    return cleaned or None
