"""Administration (admin role): recruiter accounts and the audit log.

The command line (`python -m tokenserver users ...`) does the same to accounts for operators
with shell access; both generate passwords and show them once. The last active admin can be
neither demoted nor disabled, so an installation cannot lock itself out.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store.account_store import DuplicateEmail
from interview_store.accounts import (
    AuditAction,
    AuditPage,
    CreatedUser,
    NewUserBody,
    Role,
    UserAccount,
    UserList,
    UserUpdateBody,
)

from .app_context import AppContext
from .errors import ApiError
from .json_body import read_json
from .passwords import generate_password, hash_password
from .query_params import int_param

_PRIVATE = {"Cache-Control": "private, no-store"}
MAX_AUDIT_PAGE = 200
MAX_AUDIT_SEQ = 2**53 - 1
"""The largest `before` cursor accepted (a JSON-safe integer, far beyond any log)."""


def routes(ctx: AppContext) -> list[BaseRoute]:
    auth = ctx.auth
    accounts = auth.accounts

    async def list_users(request: Request) -> Response:
        await auth.require(request, Role.ADMIN)
        body = UserList(items=await accounts.list_users())
        return JSONResponse(body.model_dump(mode="json"), headers=_PRIVATE)

    async def create_user(request: Request) -> Response:
        principal = await auth.require(request, Role.ADMIN)
        body = await read_json(request, NewUserBody)
        if "@" not in body.email:
            raise ApiError(422, "email: not an email address.", field="email")
        password = generate_password()
        try:
            user = await accounts.create_user(
                email=body.email,
                display_name=body.display_name,
                role=body.role,
                password_hash=await hash_password(password),
            )
        except DuplicateEmail:
            raise ApiError(409, "An account with this email exists.", field="email") from None
        await accounts.audit(
            actor=principal.actor,
            action=AuditAction.USER_CREATED,
            target=f"user:{user.id}",
            detail={"role": user.role.value},
        )
        created = CreatedUser(user=user, password=password)
        return JSONResponse(created.model_dump(mode="json"), status_code=201, headers=_PRIVATE)

    async def update_user(request: Request) -> Response:
        principal = await auth.require(request, Role.ADMIN)
        body = await read_json(request, UserUpdateBody)
        user = await _user(request)
        losing_admin = user.role == Role.ADMIN and not user.disabled
        demoted = body.role is not None and body.role != Role.ADMIN
        if (
            losing_admin
            and (demoted or body.disabled)
            and await accounts.count_active_admins() <= 1
        ):
            raise ApiError(409, "This is the last active admin; promote another account first.")
        updated = await accounts.update_user(user.id, role=body.role, disabled=body.disabled)
        assert updated is not None
        await accounts.audit(
            actor=principal.actor,
            action=AuditAction.USER_UPDATED,
            target=f"user:{user.id}",
            detail=body.model_dump(mode="json", exclude_none=True),
        )
        return JSONResponse(updated.model_dump(mode="json"), headers=_PRIVATE)

    async def reset_password(request: Request) -> Response:
        principal = await auth.require(request, Role.ADMIN)
        user = await _user(request)
        password = generate_password()
        await accounts.set_password_hash(user.id, await hash_password(password))
        await accounts.audit(
            actor=principal.actor, action=AuditAction.USER_PASSWORD_RESET, target=f"user:{user.id}"
        )
        created = CreatedUser(user=user, password=password)
        return JSONResponse(created.model_dump(mode="json"), headers=_PRIVATE)

    async def audit_log(request: Request) -> Response:
        await auth.require(request, Role.ADMIN)
        q = request.query_params
        limit = int_param(q.get("limit"), "limit", default=50, lo=1, hi=MAX_AUDIT_PAGE)
        offset = int_param(q.get("offset"), "offset", default=0, lo=0, hi=10_000_000)
        before = int_param(q.get("before"), "before", default=None, lo=1, hi=MAX_AUDIT_SEQ)
        items, total = await accounts.audit_page(limit=limit, offset=offset, before=before)
        page = AuditPage(items=items, total=total, limit=limit, offset=offset, before=before)
        return JSONResponse(page.model_dump(mode="json"), headers=_PRIVATE)

    async def _user(request: Request) -> UserAccount:
        user = await accounts.user(str(request.path_params["user_id"]))
        if user is None:
            raise ApiError(404, "No account with this id.")
        return user

    return [
        Route("/users", list_users, methods=["GET"]),
        Route("/users", create_user, methods=["POST"]),
        Route("/users/{user_id:uuid}", update_user, methods=["PATCH"]),
        Route("/users/{user_id:uuid}/reset-password", reset_password, methods=["POST"]),
        Route("/audit", audit_log, methods=["GET"]),
    ]
