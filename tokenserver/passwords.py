"""Password hashing (argon2id via argon2-cffi) and generated passwords.

Hashing costs ~50 ms of CPU and 64 MiB by design, so it runs in a worker thread: a burst of
sign-ins must not stall every other request on the event loop.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from interview_store.accounts import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS

_HASHER = PasswordHasher()

# a hash of a random password: verifying against it when the account does not exist makes
# "no such email" cost the same time as "wrong password" (no account enumeration by timing)
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class WeakPassword(ValueError):
    pass


def check_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"A password needs at least {MIN_PASSWORD_CHARS} characters.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise WeakPassword(f"A password may have at most {MAX_PASSWORD_CHARS} characters.")


def generate_password() -> str:
    """128 bits, URL-safe: shown once, to be changed or kept in a password manager."""
    return secrets.token_urlsafe(16)


async def hash_password(password: str) -> str:
    check_strength(password)
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """False for a wrong password or a missing account (same cost either way)."""
    return await asyncio.to_thread(_verify, password_hash or _DUMMY_HASH, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
