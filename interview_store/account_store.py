"""Storage of recruiter accounts, their sessions and API keys, and the audit log.

It shares the interview store's engine (one pool, one migration) but not its class: the
agent and the evals worker never touch accounts. Secrets arrive here already hashed; the
store never sees a password, a session id or an API key in clear.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from . import accounts_schema as t
from .accounts import ApiKeyInfo, AuditAction, AuditEntry, Role, UserAccount


class DuplicateEmail(ValueError):
    pass


def normalize_email(email: str) -> str:
    """Accounts are found by email regardless of case or surrounding spaces."""
    return email.strip().lower()


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every timestamp stored here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class StoredSession:
    user: UserAccount
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class StoredApiKey:
    user: UserAccount
    secret_hash: str
    revoked: bool


class AccountStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # users ---------------------------------------------------------------------------------

    async def create_user(
        self, *, email: str, display_name: str, role: Role, password_hash: str
    ) -> UserAccount:
        row = {
            "id": str(uuid.uuid4()),
            "email": normalize_email(email),
            "display_name": display_name.strip(),
            "role": role.value,
            "password_hash": password_hash,
            "created_at": datetime.now(UTC),
            "last_login_at": None,
            "disabled": False,
        }
        try:
            async with self._engine.begin() as conn:
                await conn.execute(t.users.insert().values(**row))
        except IntegrityError:
            raise DuplicateEmail(f"an account with the email {row['email']} exists") from None
        return _user(row)

    async def user_by_email(self, email: str) -> tuple[UserAccount, str] | None:
        """The account and its password hash (for sign-in), or None."""
        async with self._engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        t.users.select().where(t.users.c.email == normalize_email(email))
                    )
                )
                .mappings()
                .first()
            )
        return (_user(row), str(row["password_hash"])) if row is not None else None

    async def user(self, user_id: str) -> UserAccount | None:
        async with self._engine.connect() as conn:
            row = (
                (await conn.execute(t.users.select().where(t.users.c.id == user_id)))
                .mappings()
                .first()
            )
        return _user(row) if row is not None else None

    async def list_users(self) -> list[UserAccount]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(t.users.select().order_by(t.users.c.email))).mappings().all()
        return [_user(r) for r in rows]

    async def count_active_admins(self) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(t.users)
            .where(t.users.c.role == Role.ADMIN.value, t.users.c.disabled.is_(False))
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def update_user(
        self, user_id: str, *, role: Role | None = None, disabled: bool | None = None
    ) -> UserAccount | None:
        """Change role and/or disabled flag; disabling ends the account's sessions."""
        values: dict[str, Any] = {}
        if role is not None:
            values["role"] = role.value
        if disabled is not None:
            values["disabled"] = disabled
        async with self._engine.begin() as conn:
            if values:
                await conn.execute(t.users.update().where(t.users.c.id == user_id).values(**values))
            if disabled:
                await conn.execute(
                    t.user_sessions.delete().where(t.user_sessions.c.user_id == user_id)
                )
        return await self.user(user_id)

    async def set_password_hash(self, user_id: str, password_hash: str) -> bool:
        """A new password ends every session of the account."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                t.users.update().where(t.users.c.id == user_id).values(password_hash=password_hash)
            )
            await conn.execute(t.user_sessions.delete().where(t.user_sessions.c.user_id == user_id))
        return bool(result.rowcount)

    async def record_login(self, user_id: str, at: datetime) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                t.users.update().where(t.users.c.id == user_id).values(last_login_at=at)
            )

    # sessions ------------------------------------------------------------------------------

    async def create_session(
        self, *, id_hash: str, user_id: str, csrf_token: str, now: datetime, expires_at: datetime
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                t.user_sessions.insert().values(
                    id_hash=id_hash,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires_at,
                )
            )

    async def session(self, id_hash: str) -> StoredSession | None:
        s, u = t.user_sessions, t.users
        query = (
            sa.select(
                u,
                s.c.csrf_token,
                s.c.created_at.label("session_created_at"),
                s.c.last_seen_at,
                s.c.expires_at,
            )
            .select_from(s.join(u, u.c.id == s.c.user_id))
            .where(s.c.id_hash == id_hash)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        if row is None:
            return None
        return StoredSession(
            user=_user(row),
            csrf_token=str(row["csrf_token"]),
            created_at=_required(row["session_created_at"]),
            last_seen_at=_required(row["last_seen_at"]),
            expires_at=_required(row["expires_at"]),
        )

    async def touch_session(self, id_hash: str, at: datetime) -> None:
        s = t.user_sessions
        async with self._engine.begin() as conn:
            await conn.execute(s.update().where(s.c.id_hash == id_hash).values(last_seen_at=at))

    async def delete_session(self, id_hash: str) -> None:
        s = t.user_sessions
        async with self._engine.begin() as conn:
            await conn.execute(s.delete().where(s.c.id_hash == id_hash))

    async def delete_expired_sessions(self, now: datetime) -> int:
        s = t.user_sessions
        async with self._engine.begin() as conn:
            result = await conn.execute(s.delete().where(s.c.expires_at < now))
        return int(result.rowcount or 0)

    # API keys ------------------------------------------------------------------------------

    async def create_api_key(
        self, *, key_id: str, user_id: str, name: str, secret_hash: str
    ) -> ApiKeyInfo:
        row = {
            "id": key_id,
            "user_id": user_id,
            "name": name.strip(),
            "secret_hash": secret_hash,
            "created_at": datetime.now(UTC),
            "last_used_at": None,
            "revoked_at": None,
        }
        async with self._engine.begin() as conn:
            await conn.execute(t.api_keys.insert().values(**row))
        return _api_key(row)

    async def api_key(self, key_id: str) -> StoredApiKey | None:
        k, u = t.api_keys, t.users
        query = (
            sa.select(u, k.c.secret_hash, k.c.revoked_at)
            .select_from(k.join(u, u.c.id == k.c.user_id))
            .where(k.c.id == key_id)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        if row is None:
            return None
        return StoredApiKey(
            user=_user(row),
            secret_hash=str(row["secret_hash"]),
            revoked=row["revoked_at"] is not None,
        )

    async def touch_api_key(self, key_id: str, at: datetime) -> None:
        k = t.api_keys
        async with self._engine.begin() as conn:
            await conn.execute(k.update().where(k.c.id == key_id).values(last_used_at=at))

    async def list_api_keys(self, user_id: str) -> list[ApiKeyInfo]:
        k = t.api_keys
        query = k.select().where(k.c.user_id == user_id).order_by(k.c.created_at.desc())
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_api_key(r) for r in rows]

    async def revoke_api_key(self, user_id: str, key_id: str) -> bool:
        k = t.api_keys
        async with self._engine.begin() as conn:
            result = await conn.execute(
                k.update()
                .where(k.c.id == key_id, k.c.user_id == user_id, k.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        return bool(result.rowcount)

    # audit log -----------------------------------------------------------------------------

    async def audit(
        self, *, actor: str, action: AuditAction, target: str, detail: dict[str, Any] | None = None
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                t.audit_log.insert().values(
                    at=datetime.now(UTC),
                    actor=actor[:400],
                    action=action.value,
                    target=target[:200],
                    detail=detail or {},
                )
            )

    async def audit_page(
        self, *, limit: int, offset: int, before: int | None = None
    ) -> tuple[list[AuditEntry], int]:
        """Newest first. `before` (a `seq`) pages back from an entry already shown, so entries
        written meanwhile neither shift nor repeat the older pages; `total` counts what the
        query pages through (all entries, or those older than `before`)."""
        a = t.audit_log
        where = [a.c.seq < before] if before is not None else []
        async with self._engine.connect() as conn:
            rows = (
                (
                    await conn.execute(
                        a.select()
                        .where(*where)
                        .order_by(a.c.seq.desc())
                        .limit(limit)
                        .offset(offset)
                    )
                )
                .mappings()
                .all()
            )
            count = sa.select(sa.func.count()).select_from(a).where(*where)
            total = int((await conn.execute(count)).scalar_one())
        entries = [
            AuditEntry(
                seq=r["seq"],
                at=_required(r["at"]),
                actor=r["actor"],
                action=AuditAction(r["action"]),
                target=r["target"],
                detail=dict(r["detail"] or {}),
            )
            for r in rows
        ]
        return entries, total


def _required(value: datetime | None) -> datetime:
    aware = _aware(value)
    assert aware is not None
    return aware


def _user(row: RowMapping | dict[str, Any]) -> UserAccount:
    return UserAccount(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        created_at=_required(row["created_at"]),
        last_login_at=_aware(row["last_login_at"]),
        disabled=bool(row["disabled"]),
    )


def _api_key(row: RowMapping | dict[str, Any]) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row["id"],
        name=row["name"],
        created_at=_required(row["created_at"]),
        last_used_at=_aware(row["last_used_at"]),
        revoked_at=_aware(row["revoked_at"]),
    )
