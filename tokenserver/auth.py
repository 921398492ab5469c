"""Who is calling: a recruiter account's session cookie, a per-user API key, or (deprecated)
the shared RECRUITER_TOKEN; and `require(request, role)`, the one check every recruiter
endpoint starts with.

- Sessions are server-side rows keyed by the SHA-256 of a random cookie value (HttpOnly,
  SameSite=Strict, Secure and `__Host-` prefixed over https). A new id is issued at every
  sign-in (no fixation), and a session ends after SESSION_IDLE_MINUTES without a request or
  SESSION_ABSOLUTE_HOURS after sign-in.
- A request authenticated by the cookie that changes state (anything but GET/HEAD/OPTIONS)
  must echo the session's CSRF token in `X-CSRF-Token` (synchronizer token): a cross-site
  form can neither read nor send it.
- API keys (`mip_<id>_<secret>`) are sent as `Authorization: Bearer`; only the SHA-256 of
  the secret is stored (it has 256 bits of entropy: a slow hash would add nothing).
- Every comparison of a presented secret uses `hmac.compare_digest` on fixed-length digests.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from interview_store.account_store import AccountStore, StoredSession
from interview_store.accounts import Role, UserAccount

from .errors import ApiError

logger = logging.getLogger("tokenserver.auth")

COOKIE_NAME = "mip_session"
SECURE_COOKIE_NAME = "__Host-mip_session"
CSRF_HEADER = "X-CSRF-Token"
API_KEY_PREFIX = "mip_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOUCH_EVERY = timedelta(seconds=60)
"""Sliding the idle deadline costs a write: at most one per session per minute."""

AuthMethod = Literal["session", "api_key", "recruiter_token"]


@dataclass(frozen=True, kw_only=True)
class SessionOptions:
    idle: timedelta
    absolute: timedelta
    secure_always: bool
    """Set when PUBLIC_BASE_URL is https: the cookie is Secure even if a proxy in front
    terminates TLS without saying so."""


@dataclass(frozen=True, kw_only=True)
class Principal:
    """The authenticated caller of one request."""

    actor: str
    """How the audit log names them (never a secret)."""
    role: Role
    method: AuthMethod
    user: UserAccount | None = None
    """None only for the deprecated RECRUITER_TOKEN."""
    csrf_token: str | None = None


@dataclass(frozen=True)
class NewSession:
    cookie_value: str
    csrf_token: str
    expires_at: datetime


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """(key id, full key shown once, hash of its secret)."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{API_KEY_PREFIX}{key_id}_{secret}", _digest(secret)


class Authenticator:
    def __init__(
        self, *, accounts: AccountStore, sessions: SessionOptions, legacy_token: str | None
    ) -> None:
        self._accounts = accounts
        self._sessions = sessions
        self._legacy_digest = _digest(legacy_token).encode() if legacy_token else None

    @property
    def accounts(self) -> AccountStore:
        return self._accounts

    async def require(self, request: Request, role: Role = Role.VIEWER) -> Principal:
        """The caller, if they may act with `role` (401 unauthenticated, 403 otherwise)."""
        principal = await self.authenticate(request)
        if principal is None:
            raise ApiError(
                401,
                "Sign in, or send an API key as 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": 'Bearer realm="recruiter"'},
            )
        if principal.method == "session" and request.method not in SAFE_METHODS:
            presented = request.headers.get(CSRF_HEADER, "")
            expected = principal.csrf_token or ""
            if not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
                raise ApiError(403, f"Missing or wrong {CSRF_HEADER} header (CSRF protection).")
        if not principal.role.allows(role):
            raise ApiError(
                403, f"This needs the {role.value} role; your account is {principal.role.value}."
            )
        return principal

    async def authenticate(self, request: Request) -> Principal | None:
        """The caller or None; a presented but invalid bearer credential is a 401 with
        `error="invalid_token"` (RFC 6750), so a script can tell it from a missing role (403)."""
        cached = request.scope.get("state", {}).get("principal")
        if isinstance(cached, Principal):
            return cached
        principal = await self._authenticate(request)
        request.state.principal = principal
        return principal

    async def _authenticate(self, request: Request) -> Principal | None:
        bearer = bearer_token(request)
        if bearer is not None:
            return await self._bearer(bearer)
        cookie = request.cookies.get(self.cookie_name(request))
        if cookie:
            return await self._session(cookie)
        return None

    async def _bearer(self, presented: str) -> Principal:
        if presented.startswith(API_KEY_PREFIX):
            key_id, _, secret = presented[len(API_KEY_PREFIX) :].partition("_")
            stored = await self._accounts.api_key(key_id) if key_id and secret else None
            if (
                stored is not None
                and hmac.compare_digest(_digest(secret).encode(), stored.secret_hash.encode())
                and not stored.revoked
                and not stored.user.disabled
            ):
                await self._accounts.touch_api_key(key_id, datetime.now(UTC))
                return Principal(
                    actor=f"api-key:{key_id} ({stored.user.email})",
                    role=stored.user.role,
                    method="api_key",
                    user=stored.user,
                )
        elif self._legacy_digest is not None and hmac.compare_digest(
            _digest(presented).encode(), self._legacy_digest
        ):
            return Principal(actor="RECRUITER_TOKEN", role=Role.RECRUITER, method="recruiter_token")
        raise ApiError(
            401,
            "The credential is not valid (revoked, disabled or mistyped).",
            headers={"WWW-Authenticate": 'Bearer realm="recruiter", error="invalid_token"'},
        )

    async def _session(self, cookie: str) -> Principal | None:
        id_hash = _digest(cookie)
        stored = await self._accounts.session(id_hash)
        if stored is None:
            return None
        now = datetime.now(UTC)
        if self._expired(stored, now) or stored.user.disabled:
            await self._accounts.delete_session(id_hash)
            return None
        if now - stored.last_seen_at >= _TOUCH_EVERY:
            await self._accounts.touch_session(id_hash, now)
        return Principal(
            actor=stored.user.email,
            role=stored.user.role,
            method="session",
            user=stored.user,
            csrf_token=stored.csrf_token,
        )

    def _expired(self, stored: StoredSession, now: datetime) -> bool:
        return stored.expires_at <= now or stored.last_seen_at + self._sessions.idle <= now

    async def start_session(self, request: Request, user: UserAccount) -> NewSession:
        """A fresh session (new random id, whatever cookie came in: no fixation)."""
        old = request.cookies.get(self.cookie_name(request))
        if old:
            await self._accounts.delete_session(_digest(old))
        now = datetime.now(UTC)
        session = NewSession(
            cookie_value=secrets.token_urlsafe(32),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + self._sessions.absolute,
        )
        await self._accounts.create_session(
            id_hash=_digest(session.cookie_value),
            user_id=user.id,
            csrf_token=session.csrf_token,
            now=now,
            expires_at=session.expires_at,
        )
        await self._accounts.record_login(user.id, now)
        return session

    async def current_session(self, request: Request) -> StoredSession | None:
        cookie = request.cookies.get(self.cookie_name(request))
        return await self._accounts.session(_digest(cookie)) if cookie else None

    async def end_session(self, request: Request) -> None:
        cookie = request.cookies.get(self.cookie_name(request))
        if cookie:
            await self._accounts.delete_session(_digest(cookie))

    def secure(self, request: Request) -> bool:
        return self._sessions.secure_always or request.url.scheme == "https"

    def cookie_name(self, request: Request) -> str:
        return SECURE_COOKIE_NAME if self.secure(request) else COOKIE_NAME

    def set_cookie(self, response: Response, request: Request, session: NewSession) -> None:
        response.set_cookie(
            self.cookie_name(request),
            session.cookie_value,
            max_age=int(self._sessions.absolute.total_seconds()),
            path="/",
            secure=self.secure(request),
            httponly=True,
            samesite="strict",
        )

    def clear_cookie(self, response: Response, request: Request) -> None:
        response.delete_cookie(
            self.cookie_name(request),
            path="/",
            secure=self.secure(request),
            httponly=True,
            samesite="strict",
        )


def bearer_token(request: Request) -> str | None:
    """The credential of an `Authorization: Bearer ...` header, or None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
