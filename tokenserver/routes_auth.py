"""Signing in and out, the signed-in account, and its API keys.

Sign-in takes JSON only and checks `Origin` when the browser sends one, so a cross-site page
can neither post a form to it nor sign a victim into an attacker's account (login CSRF).
Failures are throttled per email and per client address; the answer for an unknown email,
a wrong password and a disabled account is the same.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store.account_store import normalize_email
from interview_store.accounts import (
    ApiKeyList,
    AuditAction,
    CreatedApiKey,
    NewApiKeyBody,
    SignedInUser,
    SignInBody,
    UserAccount,
)

from .app_context import AppContext
from .auth import Principal, new_api_key
from .errors import ApiError
from .json_body import read_json
from .passwords import verify_password
from .ratelimit import retry_after_header

logger = logging.getLogger("tokenserver.auth")

_PRIVATE = {"Cache-Control": "private, no-store"}


def routes(ctx: AppContext) -> list[BaseRoute]:
    auth = ctx.auth
    accounts = auth.accounts
    throttle = ctx.signin_throttle

    async def sign_in(request: Request) -> Response:
        _same_origin(request, ctx.settings.public_base_url)
        body = await read_json(request, SignInBody)
        account = normalize_email(body.email)
        address = request.client.host if request.client else "unknown"
        wait = throttle.retry_after(account=account, address=address)
        if wait is not None:
            logger.warning("sign-in throttled", extra={"retry_after_s": round(wait, 1)})
            raise ApiError(
                429,
                "Too many failed sign-ins; wait a few minutes and try again.",
                headers=retry_after_header(wait),
            )
        found = await accounts.user_by_email(account)
        ok = await verify_password(found[1] if found else None, body.password)
        if found is None or not ok or found[0].disabled:
            throttle.failed(account=account, address=address)
            raise ApiError(401, "Wrong email or password, or the account is disabled.")
        throttle.succeeded(account=account)
        user = found[0]
        session = await auth.start_session(request, user)
        logger.info("signed in", extra={"user_id": user.id})
        answer = SignedInUser(
            user=user, csrf_token=session.csrf_token, expires_at=session.expires_at
        )
        response = JSONResponse(answer.model_dump(mode="json"), headers=_PRIVATE)
        auth.set_cookie(response, request, session)
        return response

    async def sign_out(request: Request) -> Response:
        principal = await auth.require(request)
        if principal.method == "session":
            await auth.end_session(request)
        response = Response(status_code=204)
        auth.clear_cookie(response, request)
        return response

    async def me(request: Request) -> Response:
        principal = await auth.require(request)
        user = _account_user(principal)
        stored = await auth.current_session(request) if principal.method == "session" else None
        if stored is None:  # an API key: no session, no CSRF token needed
            raise ApiError(401, "No signed-in session (API keys have none).")
        answer = SignedInUser(user=user, csrf_token=stored.csrf_token, expires_at=stored.expires_at)
        return JSONResponse(answer.model_dump(mode="json"), headers=_PRIVATE)

    async def list_keys(request: Request) -> Response:
        user = _account_user(await auth.require(request))
        body = ApiKeyList(items=await accounts.list_api_keys(user.id))
        return JSONResponse(body.model_dump(mode="json"), headers=_PRIVATE)

    async def create_key(request: Request) -> Response:
        principal = await auth.require(request)
        user = _account_user(principal)
        body = await read_json(request, NewApiKeyBody)
        key_id, key, secret_hash = new_api_key()
        info = await accounts.create_api_key(
            key_id=key_id, user_id=user.id, name=body.name, secret_hash=secret_hash
        )
        await accounts.audit(
            actor=principal.actor, action=AuditAction.API_KEY_CREATED, target=f"api-key:{key_id}"
        )
        created = CreatedApiKey(**info.model_dump(), key=key)
        return JSONResponse(created.model_dump(mode="json"), status_code=201, headers=_PRIVATE)

    async def revoke_key(request: Request) -> Response:
        principal = await auth.require(request)
        user = _account_user(principal)
        key_id = str(request.path_params["key_id"])
        if not await accounts.revoke_api_key(user.id, key_id):
            raise ApiError(404, "No active API key with this id on your account.")
        await accounts.audit(
            actor=principal.actor, action=AuditAction.API_KEY_REVOKED, target=f"api-key:{key_id}"
        )
        return Response(status_code=204)

    return [
        Route("/auth/sign-in", sign_in, methods=["POST"]),
        Route("/auth/sign-out", sign_out, methods=["POST"]),
        Route("/auth/me", me, methods=["GET"]),
        Route("/auth/api-keys", list_keys, methods=["GET"]),
        Route("/auth/api-keys", create_key, methods=["POST"]),
        Route("/auth/api-keys/{key_id}", revoke_key, methods=["DELETE"]),
    ]


def _account_user(principal: Principal) -> UserAccount:
    if principal.user is None:
        raise ApiError(403, "The deprecated RECRUITER_TOKEN has no account; sign in instead.")
    return principal.user


def _same_origin(request: Request, public_base_url: str | None) -> None:
    """Browsers send `Origin` on every POST: one from another site is refused."""
    origin = request.headers.get("origin")
    if origin is None:
        return  # not a browser (curl, scripts): CSRF needs a victim's browser
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin != own and origin != public_base_url:
        raise ApiError(403, "Cross-site sign-in refused.")
