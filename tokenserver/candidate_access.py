"""What a candidate may open, and with which credential.

Candidates have no password. Two credentials prove who they are:
- the LiveKit participant token of one interview (checked for signature, issuer, room and
  identity; accepted up to `FEEDBACK_TOKEN_GRACE` past its expiry, because the interview and
  its evaluation outlast the token's 15 minutes), which opens that interview only;
- the profile key their browser holds (`X-Profile-Key`), which opens the interviews of that
  profile only.
An invitation link opens its template's candidate view, never an interview. Both failures
("no such interview" and "not yours") get the same 403, so ids cannot be probed.

Interviews whose join token expired unused are settled as `abandoned` here, lazily, when the
candidate's page asks (the periodic sweep in `people_maintenance` does the rest).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from livekit import api
from starlette.requests import Request

from interview_store import InterviewRecord, InterviewStatus, InterviewStore, InvalidTransition
from interview_store.people_store import ABANDON_GRACE, PeopleStore

from .auth import bearer_token
from .errors import ApiError

logger = logging.getLogger("tokenserver.candidate_access")

FEEDBACK_TOKEN_GRACE = timedelta(days=7)
PROFILE_HEADER = "X-Profile-Key"
MAX_SECRET_CHARS = 128


def new_secret() -> str:
    """A random credential (256 bits), URL-safe: profile keys and invitation links."""
    return secrets.token_urlsafe(32)


def secret_hash(value: str) -> str:
    """What is stored of a profile key or invitation link: the secrets have 256 bits of
    entropy, so a fast hash is enough and a stolen database opens nothing."""
    return hashlib.sha256(value.encode()).hexdigest()


class CandidateAccess:
    def __init__(
        self,
        *,
        store: InterviewStore,
        people: PeopleStore,
        livekit_api_key: str,
        livekit_api_secret: str,
        token_ttl: timedelta,
    ) -> None:
        self._store = store
        self._people = people
        self._token_ttl = token_ttl
        self._verifier = api.TokenVerifier(
            livekit_api_key, livekit_api_secret, leeway=FEEDBACK_TOKEN_GRACE
        )

    @property
    def unused_after(self) -> timedelta:
        """An interview not started this long after creation was abandoned."""
        return self._token_ttl + ABANDON_GRACE

    async def profile(self, request: Request, *, required: bool) -> tuple[str, str | None] | None:
        """(profile id, email) of the `X-Profile-Key` header; 401 when required and absent,
        403 when presented but unknown."""
        key = request.headers.get(PROFILE_HEADER, "").strip()
        if not key:
            if required:
                raise ApiError(
                    401,
                    f"Send your progress key as '{PROFILE_HEADER}' (open your progress link).",
                    headers={"WWW-Authenticate": 'Bearer realm="candidate"'},
                )
            return None
        found = (
            await self._people.profile_by_key(secret_hash(key))
            if len(key) <= MAX_SECRET_CHARS
            else None
        )
        if found is None:
            raise ApiError(
                403,
                "This progress key is not known here; start an interview to get a new one.",
                field="profile_key",
            )
        return found

    async def interview(self, request: Request, interview_id: str) -> InterviewRecord:
        """The interview, if the request carries this candidate's credential for it."""
        presented = bearer_token(request)
        has_profile = bool(request.headers.get(PROFILE_HEADER, "").strip())
        if presented is None and not has_profile:
            raise ApiError(
                401,
                "Send the interview's participant token as 'Authorization: Bearer <token>' "
                f"or your progress key as '{PROFILE_HEADER}'.",
                headers={"WWW-Authenticate": 'Bearer realm="candidate"'},
            )
        record = await self._store.get(interview_id)
        if presented is not None:
            if not self._token_opens(presented, record):
                raise ApiError(403, "This token does not belong to this interview.")
        else:
            found = await self.profile(request, required=True)
            assert found is not None
            owner = await self._people.owner_profile(interview_id) if record else None
            if record is None or owner is None or owner != found[0]:
                raise ApiError(403, "This interview does not belong to your progress key.")
        assert record is not None
        return await self.settle_abandoned(record)

    def _token_opens(self, presented: str, record: InterviewRecord | None) -> bool:
        try:
            claims = self._verifier.verify(presented)
        except Exception:  # PyJWT's errors (bad signature, expired, wrong issuer) or ValueError
            return False
        return (
            record is not None
            and claims.identity == record.candidate_identity
            and claims.video is not None
            and claims.video.room == record.room
        )

    async def settle_abandoned(self, record: InterviewRecord) -> InterviewRecord:
        """A `preparing`/`created` interview whose join token expired unused is `abandoned`."""
        unused = record.status in (InterviewStatus.PREPARING, InterviewStatus.CREATED)
        if not unused or datetime.now(UTC) - record.created_at < self.unused_after:
            return record
        try:
            await self._store.set_status(record.id, InterviewStatus.ABANDONED)
        except InvalidTransition:  # it went live at the last moment: read what it is now
            return await self._store.get(record.id) or record
        logger.info("interview abandoned (token expired unused)", extra={"interview_id": record.id})
        return record.model_copy(update={"status": InterviewStatus.ABANDONED})
