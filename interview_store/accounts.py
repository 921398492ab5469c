"""Recruiter accounts, API keys and the audit log: the shapes the token server stores and
answers with.

They live in `interview_store` (not `tokenserver`) for the same reason as `api_bodies`: the
JSON Schema / OpenAPI export and the tests need them without importing the token server.
Secrets never appear here except `CreatedApiKey.key`, which is sent exactly once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from .contract import ContractModel

MAX_EMAIL_CHARS = 254
MAX_DISPLAY_NAME_CHARS = 100
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
"""Argon2 hashes any length, but an unbounded password is a cheap CPU attack."""
MAX_API_KEY_NAME_CHARS = 100


class Role(StrEnum):
    """What a recruiter account may do. Each role includes everything below it: a viewer
    reads; a recruiter also invites, deletes and exports; an admin also manages users."""

    VIEWER = "viewer"
    RECRUITER = "recruiter"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_RANKS = {Role.VIEWER: 0, Role.RECRUITER: 1, Role.ADMIN: 2}


class UserAccount(ContractModel):
    """A recruiter account as admins and the account itself see it (never the hash)."""

    id: str
    email: str
    display_name: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None
    disabled: bool


class SignedInUser(ContractModel):
    """`POST /api/auth/sign-in` and `GET /api/auth/me`: who is signed in, and the CSRF token
    the browser must echo in `X-CSRF-Token` on every state-changing request."""

    user: UserAccount
    csrf_token: str
    expires_at: datetime
    """When the session ends at the latest (it also ends after a period of inactivity)."""


class SignInBody(ContractModel):
    """`POST /api/auth/sign-in` (JSON)."""

    email: str = Field(min_length=3, max_length=MAX_EMAIL_CHARS)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class NewUserBody(ContractModel):
    """`POST /api/users` (admins): the password is generated and returned once."""

    email: str = Field(min_length=3, max_length=MAX_EMAIL_CHARS)
    display_name: str = Field(min_length=1, max_length=MAX_DISPLAY_NAME_CHARS)
    role: Role = Role.RECRUITER


class UserUpdateBody(ContractModel):
    """`PATCH /api/users/{id}` (admins): change the role, disable or re-enable."""

    role: Role | None = None
    disabled: bool | None = None


class CreatedUser(ContractModel):
    """`POST /api/users` and `POST /api/users/{id}/reset-password`: the generated password,
    shown once."""

    user: UserAccount
    password: str


class UserList(ContractModel):
    items: list[UserAccount]


class NewApiKeyBody(ContractModel):
    """`POST /api/auth/api-keys`: a label to recognise the key by."""

    name: str = Field(min_length=1, max_length=MAX_API_KEY_NAME_CHARS)


class ApiKeyInfo(ContractModel):
    """An API key as listed: never the secret, which is stored only as a hash."""

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class CreatedApiKey(ApiKeyInfo):
    """`POST /api/auth/api-keys` → 201: the key itself, shown this once."""

    key: str


class ApiKeyList(ContractModel):
    items: list[ApiKeyInfo]


class AuditAction(StrEnum):
    INTERVIEW_DELETED = "interview.deleted"
    INTERVIEW_EXPORTED = "interview.exported"
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_PASSWORD_RESET = "user.password_reset"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    INVITATION_REVOKED = "invitation.revoked"


class AuditEntry(ContractModel):
    """Who did what, when. `actor` is an account's email, `api-key:<id> (<email>)` or
    `RECRUITER_TOKEN` (the deprecated shared credential)."""

    seq: int
    at: datetime
    actor: str
    action: AuditAction
    target: str
    detail: dict[str, Any]


class AuditPage(ContractModel):
    """`GET /api/audit` (admins): newest first."""

    items: list[AuditEntry]
    total: int
    """Entries this query pages through: the whole log, or those older than `before`."""
    limit: int
    offset: int
    before: int | None = None
    """Only entries with a smaller `seq` (the oldest one shown): a stable "older" page."""
