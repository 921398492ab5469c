"""`GET /api/openapi.json`: the OpenAPI 3.1 document of the whole HTTP API.

Component schemas are generated from the same pydantic models the handlers serialise
(`interview_store.api_bodies`, `interview_store.accounts`, ...), so the document cannot
drift from the bodies; the create form's limits are the handler's own constants, and JSON
Schema's `maxLength` counts code points exactly as the server does (the web form reads them
from here). Operations are listed below with their auth and role; a route the app serves but
this table does not describe still appears (generic JSON answer, the error shape), so the
document always covers every route and the fuzz test exercises it. Describe new routes here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from interview_store import (
    DURATION_MINUTES,
    LANGUAGES,
    CreatedInterview,
    ErrorBody,
    FeedbackResponse,
    InterviewDetail,
    InterviewListPage,
    InterviewOptions,
    InterviewStatus,
    InterviewType,
    Level,
    RecordingKind,
)
from interview_store.accounts import (
    ApiKeyList,
    AuditPage,
    CreatedApiKey,
    CreatedUser,
    NewApiKeyBody,
    NewUserBody,
    Role,
    SignedInUser,
    SignInBody,
    UserAccount,
    UserList,
    UserUpdateBody,
)
from interview_store.people import (
    CandidateGroupList,
    ConsentNotice,
    CreatedInvitation,
    CreatedWebhookEndpoint,
    InterviewTemplate,
    Invitation,
    InvitationBody,
    InvitationList,
    InvitationView,
    ProfileEmailBody,
    ProgressResponse,
    TemplateBody,
    TemplateList,
    WebhookDeliveryList,
    WebhookEndpointBody,
    WebhookEndpointList,
)

from .auth import CSRF_HEADER
from .routes_admin import MAX_AUDIT_PAGE, MAX_AUDIT_SEQ

# the create form's limits (routes_candidate reads the same constants)
from .routes_candidate import MAX_JOB_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_ROLE_CHARS
from .settings import FORM_FIELD_BYTES

_REF = "#/components/schemas/{model}"


@dataclass(frozen=True, kw_only=True)
class Body:
    model: type[BaseModel] | None = None
    media: str = "application/json"
    schema: Mapping[str, Any] | None = None
    """For bodies that are not a model (forms, files, text)."""
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Param:
    name: str
    schema: Mapping[str, Any]
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Operation:
    method: str
    path: str
    summary: str
    auth: str = "recruiter"
    """none | recruiter (session cookie + CSRF on changes, or API key) | signed (a signed
    link or a recruiter credential) | candidate | webhook"""
    role: Role | None = Role.VIEWER
    request: Body | None = None
    query: Sequence[Param] = ()
    responses: Mapping[int, Sequence[Body]] = field(default_factory=dict)


def _json(model: type[BaseModel], description: str = "") -> list[Body]:
    return [Body(model=model, description=description)]


_FILE = {"type": "string", "format": "binary"}
_MEDIA = [
    Body(media=m, schema=_FILE)
    for m in ("audio/ogg", "video/mp4", "video/webm", "application/octet-stream")
]
_SIGNED = (
    Param(name="exp", schema={"type": "string"}, description="expiry of a signed link"),
    Param(name="sig", schema={"type": "string"}, description="HMAC of a signed link"),
)
_EXPORT_FILTER = (
    Param(name="status", schema={"type": "string", "enum": [s.value for s in InterviewStatus]}),
    Param(name="from", schema={"type": "string", "format": "date"}),
    Param(name="to", schema={"type": "string", "format": "date"}),
    Param(name="limit", schema={"type": "integer", "minimum": 1, "maximum": 5000}),
)
_PAGE = (
    Param(name="limit", schema={"type": "integer", "minimum": 1, "maximum": 100}),
    Param(name="offset", schema={"type": "integer", "minimum": 0, "maximum": 10_000_000}),
)


def create_form_schema() -> dict[str, Any]:
    """`POST /api/interviews` (multipart): the candidate's form, with the server's limits."""
    return {
        "type": "object",
        "required": ["consent", "role"],
        "properties": {
            "consent": {
                "type": "string",
                "enum": ["true"],
                "description": "The candidate agreed to the notice (GET /api/consent).",
            },
            "role": {"type": "string", "minLength": 1, "maxLength": MAX_ROLE_CHARS},
            "level": {"type": "string", "enum": [v.value for v in Level]},
            "interview_type": {"type": "string", "enum": [v.value for v in InterviewType]},
            "language": {"type": "string", "enum": sorted(LANGUAGES)},
            "duration_minutes": {"type": "integer", "enum": list(DURATION_MINUTES)},
            "candidate_name": {"type": "string", "maxLength": MAX_NAME_CHARS},
            "job_description": {"type": "string", "maxLength": MAX_JOB_DESCRIPTION_CHARS},
            "cv": {**_FILE, "description": "PDF, DOCX or text; MAX_CV_BYTES at most"},
        },
        "description": f"Every text field is at most {FORM_FIELD_BYTES} bytes on the wire.",
    }


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        method="get",
        path="/healthz",
        summary="Liveness",
        auth="none",
        role=None,
        responses={200: [Body(schema={"type": "object"})]},
    ),
    Operation(
        method="get",
        path="/readyz",
        summary="Readiness (database reachable)",
        auth="none",
        role=None,
        responses={200: [Body(schema={"type": "object"})], 503: [Body(schema={"type": "object"})]},
    ),
    Operation(
        method="get",
        path="/metrics",
        summary="Prometheus metrics",
        auth="none",
        role=None,
        responses={200: [Body(media="text/plain", schema={"type": "string"})]},
    ),
    Operation(
        method="get",
        path="/api/openapi.json",
        summary="This document",
        auth="none",
        role=None,
        responses={200: [Body(schema={"type": "object"})]},
    ),
    Operation(
        method="post",
        path="/api/interviews",
        summary="Create an interview (candidate form)",
        auth="none",
        role=None,
        request=Body(media="multipart/form-data", schema=create_form_schema()),
        responses={201: _json(CreatedInterview)},
    ),
    Operation(
        method="get",
        path="/api/interview-options",
        summary="What the create form may send",
        auth="none",
        role=None,
        responses={200: _json(InterviewOptions)},
    ),
    Operation(
        method="get",
        path="/api/interviews",
        summary="List interviews, newest first",
        query=(
            Param(
                name="status", schema={"type": "string", "enum": [s.value for s in InterviewStatus]}
            ),
            *_PAGE,
        ),
        responses={200: _json(InterviewListPage)},
    ),
    Operation(
        method="get",
        path="/api/interviews/{interview_id}",
        summary="One interview, with signed links",
        query=(Param(name="include", schema={"type": "string", "enum": ["session_report"]}),),
        responses={200: _json(InterviewDetail)},
    ),
    Operation(
        method="delete",
        path="/api/interviews/{interview_id}",
        summary="Delete an interview (audited)",
        role=Role.RECRUITER,
        responses={204: []},
    ),
    Operation(
        method="get",
        path="/api/interviews/{interview_id}/recording",
        summary="Stream a recording (Range requests); reached through a signed link",
        auth="signed",
        query=(
            Param(name="kind", schema={"type": "string", "enum": [k.value for k in RecordingKind]}),
            Param(name="index", schema={"type": "integer", "minimum": 0, "maximum": 10_000}),
            *_SIGNED,
        ),
        responses={200: _MEDIA, 206: _MEDIA, 307: [], 416: []},
    ),
    Operation(
        method="get",
        path="/api/interviews/{interview_id}/report.html",
        summary="The rendered report (inert HTML); reached through a signed link",
        auth="signed",
        query=_SIGNED,
        responses={200: [Body(media="text/html", schema={"type": "string"})]},
    ),
    Operation(
        method="get",
        path="/api/interviews/{interview_id}/feedback",
        summary="The candidate's own feedback",
        auth="candidate",
        role=None,
        responses={200: _json(FeedbackResponse)},
    ),
    Operation(
        method="post",
        path="/api/auth/sign-in",
        summary="Sign in (sets the session cookie)",
        auth="none",
        role=None,
        request=Body(model=SignInBody),
        responses={200: _json(SignedInUser)},
    ),
    Operation(
        method="post",
        path="/api/auth/sign-out",
        summary="End the session",
        responses={204: []},
    ),
    Operation(
        method="get",
        path="/api/auth/me",
        summary="The signed-in account and its CSRF token",
        responses={200: _json(SignedInUser)},
    ),
    Operation(
        method="get",
        path="/api/auth/api-keys",
        summary="Your API keys (never the secrets)",
        responses={200: _json(ApiKeyList)},
    ),
    Operation(
        method="post",
        path="/api/auth/api-keys",
        summary="Create an API key (shown once)",
        request=Body(model=NewApiKeyBody),
        responses={201: _json(CreatedApiKey)},
    ),
    Operation(
        method="delete",
        path="/api/auth/api-keys/{key_id}",
        summary="Revoke one of your API keys",
        responses={204: []},
    ),
    Operation(
        method="get",
        path="/api/users",
        summary="Accounts",
        role=Role.ADMIN,
        responses={200: _json(UserList)},
    ),
    Operation(
        method="post",
        path="/api/users",
        summary="Create an account (password shown once)",
        role=Role.ADMIN,
        request=Body(model=NewUserBody),
        responses={201: _json(CreatedUser)},
    ),
    Operation(
        method="patch",
        path="/api/users/{user_id}",
        summary="Change role, disable, re-enable",
        role=Role.ADMIN,
        request=Body(model=UserUpdateBody),
        responses={200: _json(UserAccount)},
    ),
    Operation(
        method="post",
        path="/api/users/{user_id}/reset-password",
        summary="New generated password (shown once; ends the account's sessions)",
        role=Role.ADMIN,
        responses={200: _json(CreatedUser)},
    ),
    Operation(
        method="get",
        path="/api/audit",
        summary="Audit log (deletions, exports, accounts)",
        role=Role.ADMIN,
        query=(
            Param(
                name="limit", schema={"type": "integer", "minimum": 1, "maximum": MAX_AUDIT_PAGE}
            ),
            _PAGE[1],
            Param(
                name="before",
                schema={"type": "integer", "minimum": 1, "maximum": MAX_AUDIT_SEQ},
                description="only entries older than this seq (the oldest one shown)",
            ),
        ),
        responses={200: _json(AuditPage)},
    ),
    # --- people: consent, profiles, invitations, exports, outgoing webhooks (H14) ---
    Operation(
        method="get",
        path="/api/consent",
        summary="The notice a candidate agrees to before the device check",
        auth="none",
        role=None,
        responses={200: _json(ConsentNotice)},
    ),
    Operation(
        method="get",
        path="/api/profile",
        summary="The candidate's progress (X-Profile-Key)",
        auth="candidate",
        role=None,
        responses={200: _json(ProgressResponse)},
    ),
    Operation(
        method="put",
        path="/api/profile/email",
        summary="Set or clear the profile's optional email (X-Profile-Key)",
        auth="candidate",
        role=None,
        request=Body(model=ProfileEmailBody),
        responses={204: []},
    ),
    Operation(
        method="delete",
        path="/api/interviews/{interview_id}/mine",
        summary="Delete my interview (participant token or X-Profile-Key)",
        auth="candidate",
        role=None,
        responses={204: []},
    ),
    Operation(
        method="post",
        path="/api/templates",
        summary="Prepare an interview template (questions with hidden ideal answers)",
        role=Role.RECRUITER,
        request=Body(model=TemplateBody),
        responses={201: _json(InterviewTemplate)},
    ),
    Operation(
        method="get",
        path="/api/templates",
        summary="Interview templates, newest first",
        responses={200: _json(TemplateList)},
    ),
    Operation(
        method="post",
        path="/api/templates/{template_id}/invitations",
        summary="A single-use, expiring invitation link (shown once)",
        role=Role.RECRUITER,
        request=Body(model=InvitationBody),
        responses={201: _json(CreatedInvitation)},
    ),
    Operation(
        method="get",
        path="/api/invitations",
        summary=(
            "Invitations with their status (sent, opened, started, completed, expired, revoked)"
        ),
        query=(Param(name="template_id", schema={"type": "string"}),),
        responses={200: _json(InvitationList)},
    ),
    Operation(
        method="post",
        path="/api/invitations/{invitation_id}/revoke",
        summary=(
            "Withdraw an unused invitation (audit-logged; idempotent; an expired one is left "
            "as is; 409 once started or completed)"
        ),
        role=Role.RECRUITER,
        responses={200: _json(Invitation)},
    ),
    Operation(
        method="get",
        path="/api/invitations/{token}",
        summary="The candidate's view of an invitation (the link is the credential)",
        auth="none",
        role=None,
        responses={200: _json(InvitationView)},
    ),
    Operation(
        method="get",
        path="/api/candidates",
        summary="Interviews grouped by candidate (profile or invitation)",
        query=(Param(name="limit", schema={"type": "integer", "minimum": 1, "maximum": 1000}),),
        responses={200: _json(CandidateGroupList)},
    ),
    Operation(
        method="get",
        path="/api/exports/reports.{fmt}",
        summary="Reports as CSV or JSON (audit-logged; or a signed link from /api/exports/link)",
        auth="signed",
        role=Role.RECRUITER,
        query=(*_EXPORT_FILTER, *_SIGNED),
        responses={
            200: [
                Body(media="text/csv", schema={"type": "string"}),
                Body(schema={"type": "array", "items": {"type": "object"}}),
            ]
        },
    ),
    Operation(
        method="get",
        path="/api/exports/link",
        summary="A short-lived signed download link for an export (audit-logged)",
        role=Role.RECRUITER,
        query=(
            Param(name="format", schema={"type": "string", "enum": ["csv", "json"]}),
            *_EXPORT_FILTER,
        ),
        responses={
            200: [Body(schema={"type": "object", "properties": {"url": {"type": "string"}}})]
        },
    ),
    Operation(
        method="post",
        path="/api/webhooks",
        summary="Add an outgoing webhook URL (the signing secret is shown once)",
        role=Role.ADMIN,
        request=Body(model=WebhookEndpointBody),
        responses={201: _json(CreatedWebhookEndpoint)},
    ),
    Operation(
        method="get",
        path="/api/webhooks",
        summary="Outgoing webhook URLs",
        role=Role.ADMIN,
        responses={200: _json(WebhookEndpointList)},
    ),
    Operation(
        method="delete",
        path="/api/webhooks/{endpoint_id}",
        summary="Remove an outgoing webhook URL and its delivery log",
        role=Role.ADMIN,
        responses={204: []},
    ),
    Operation(
        method="get",
        path="/api/webhooks/deliveries",
        summary="The delivery log of outgoing webhooks, newest first",
        role=Role.ADMIN,
        query=(
            Param(name="endpoint_id", schema={"type": "string"}),
            Param(name="limit", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
        ),
        responses={200: _json(WebhookDeliveryList)},
    ),
    Operation(
        method="post",
        path="/api/livekit/webhook",
        summary="LiveKit server webhooks (signed JWT)",
        auth="webhook",
        role=None,
        request=Body(media="application/webhook+json", schema={"type": "string"}),
        responses={200: [Body(schema={"type": "object"})]},
    ),
    Operation(
        method="put",
        path="/api/interviews/{interview_id}/browser-recording/{index}",
        summary="One chunk of the candidate's browser recording (WebM), appended in index "
        "order; a repeated index answers `duplicate`",
        auth="candidate",
        role=None,
        request=Body(media="application/octet-stream", schema=_FILE),
        responses={200: [Body(schema={"type": "object"})]},
    ),
)

_PARAM = re.compile(r"\{([^}:]+)(?::([^}]+))?\}")
_AUTH_TEXT = {
    "none": "No credential.",
    "recruiter": "Session cookie (with the X-CSRF-Token header on changes) or an API key.",
    "signed": "A signed link from the API (exp, sig) or a recruiter credential.",
    "candidate": "The candidate's participant token or profile key.",
    "webhook": "LiveKit's signed webhook JWT in Authorization.",
}


def served_routes(
    routes: Sequence[BaseRoute], prefix: str = ""
) -> list[tuple[str, str, dict[str, str]]]:
    """(method, OpenAPI path, {param: converter}) for every route the app serves."""
    found: list[tuple[str, str, dict[str, str]]] = []
    for route in routes:
        if isinstance(route, Mount) and route.path not in ("",) and route.routes:
            found += served_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            params = {m.group(1): m.group(2) or "str" for m in _PARAM.finditer(route.path)}
            path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", prefix + route.path)
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    found.append((method.lower(), path, params))
    return found


def _operation_id(method: str, path: str) -> str:
    return f"{method}_" + re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")


def openapi_document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    described = {(op.method, op.path): op for op in OPERATIONS}
    served = served_routes(routes)
    models: list[tuple[type[BaseModel], Any]] = [(ErrorBody, "serialization")]
    for described_op in OPERATIONS:
        if described_op.request is not None and described_op.request.model is not None:
            models.append((described_op.request.model, "validation"))
        for bodies in described_op.responses.values():
            models += [(b.model, "serialization") for b in bodies if b.model is not None]
    keys, defs = models_json_schema(list(dict.fromkeys(models)), ref_template=_REF)
    schemas = defs.get("$defs", {})

    def body_schema(body: Body, mode: str) -> Mapping[str, Any]:
        if body.model is not None:
            return keys[(body.model, mode)]  # type: ignore[index]
        return body.schema or {}

    error = {"application/json": {"schema": keys[(ErrorBody, "serialization")]}}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, params in served:
        op = described.get((method, path))
        operation: dict[str, Any] = {
            "operationId": _operation_id(method, path),
            "summary": op.summary if op else "Undocumented route (generic JSON answer)",
            "parameters": [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"}
                    if converter == "uuid"
                    else {"type": "string", "minLength": 1},
                }
                for name, converter in params.items()
            ],
            "responses": {
                "default": {
                    "description": "An error (what to fix, and the field)",
                    "content": error,
                }
            },
        }
        if op is None:
            operation["responses"]["2XX"] = {
                "description": "Success",
                "content": {"application/json": {"schema": {}}},
            }
        else:
            auth = _AUTH_TEXT[op.auth]
            if op.role is not None:
                auth += f" Role: {op.role.value} or above."
            operation["description"] = auth
            operation["parameters"] += [
                {"name": p.name, "in": "query", "required": False, "schema": dict(p.schema)}
                | ({"description": p.description} if p.description else {})
                for p in op.query
            ]
            if op.request is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        op.request.media: {"schema": body_schema(op.request, "validation")}
                    },
                }
            for status, bodies in op.responses.items():
                entry: dict[str, Any] = {
                    "description": bodies[0].description or str(status) if bodies else str(status)
                }
                if bodies:
                    entry["content"] = {
                        b.media: {"schema": body_schema(b, "serialization")} for b in bodies
                    }
                operation["responses"][str(status)] = entry
            if op.auth in ("recruiter", "signed"):
                operation["security"] = [{"session": []}, {"apiKey": []}]
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mock interview platform API",
            "version": "1",
            "description": (
                "Recruiter endpoints take the session cookie (state changes also need the "
                f"{CSRF_HEADER} header) or `Authorization: Bearer <API key>`. Errors are "
                "`ErrorBody`. Generated from the server's pydantic models."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "mip_session"},
                "apiKey": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def routes() -> list[BaseRoute]:
    cache: dict[str, Any] = {}

    async def get_openapi(request: Request) -> Response:
        if "doc" not in cache:
            cache["doc"] = openapi_document(request.app.routes)
        return JSONResponse(cache["doc"], headers={"Cache-Control": "no-cache"})

    return [Route("/openapi.json", get_openapi, methods=["GET"])]
