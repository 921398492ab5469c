"""Who may create an interview and what it is linked to: consent, an invitation or self-serve
practice, and the candidate's profile.

`POST /api/interviews` calls `begin` while reading the form (consent first: without it
nothing else is looked at), `claim` just before the insert (an invitation is single-use: one
conditional UPDATE decides between two tabs racing) and `finish` after it (link the profile,
creating one on the first interview, and the invitation). A failed insert `release`s the
claim, so a candidate is never locked out by our error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.datastructures import FormData
from starlette.requests import Request

from interview_store import CustomQuestion
from interview_store.people import ConsentRecord, InvitationStatus
from interview_store.people_store import InvitationGrant, PeopleStore

from .candidate_access import MAX_SECRET_CHARS, CandidateAccess, new_secret, secret_hash
from .consent import consent_from_form
from .errors import ApiError

logger = logging.getLogger("tokenserver.intake")


@dataclass(frozen=True)
class Intake:
    consent: ConsentRecord
    invitation: InvitationGrant | None
    profile_id: str | None
    """The profile whose key the browser presented; None: a new profile is made."""

    @property
    def custom_questions(self) -> list[CustomQuestion]:
        return list(self.invitation.template.questions) if self.invitation else []


REVOKED_MESSAGE = (
    "This invitation was withdrawn by the recruiter. If you expected to interview, ask them "
    "for a new link."
)


class CandidateIntake:
    def __init__(
        self, *, people: PeopleStore, access: CandidateAccess, self_serve_enabled: bool
    ) -> None:
        self._people = people
        self._access = access
        self._self_serve = self_serve_enabled

    async def begin(self, request: Request, form: FormData) -> Intake:
        consent = consent_from_form(form)
        invitation = await self.invitation(_one(form, "invitation"))
        if invitation is None and not self._self_serve:
            raise ApiError(
                403,
                "Practice interviews are switched off here: open the invitation link you "
                "were sent.",
            )
        profile = await self._access.profile(request, required=False)
        return Intake(
            consent=consent, invitation=invitation, profile_id=profile[0] if profile else None
        )

    async def invitation(self, token: str | None) -> InvitationGrant | None:
        """The invitation of a link, if it can still start an interview (404/410 otherwise)."""
        if not token:
            return None
        grant = (
            await self._people.invitation_by_token(secret_hash(token))
            if len(token) <= MAX_SECRET_CHARS
            else None
        )
        if grant is None:
            raise ApiError(404, "This invitation link is not valid.", field="invitation")
        status = grant.invitation.status
        if status == InvitationStatus.REVOKED:
            raise ApiError(410, REVOKED_MESSAGE, field="invitation")
        if status in (InvitationStatus.STARTED, InvitationStatus.COMPLETED):
            raise ApiError(410, "This invitation has already been used.", field="invitation")
        deadline = grant.template.deadline
        if status == InvitationStatus.EXPIRED or (
            deadline is not None and deadline <= datetime.now(UTC)
        ):
            raise ApiError(
                410,
                "This invitation has expired; ask the recruiter for a new link.",
                field="invitation",
            )
        return grant

    async def claim(self, intake: Intake) -> None:
        if intake.invitation is None:
            return
        if not await self._people.claim_invitation(
            intake.invitation.invitation.id, now=datetime.now(UTC)
        ):
            raise ApiError(410, "This invitation has already been used.", field="invitation")

    async def release(self, intake: Intake) -> None:
        if intake.invitation is not None:
            await self._people.release_invitation(intake.invitation.invitation.id)

    async def finish(self, intake: Intake, interview_id: str) -> str | None:
        """Link the new interview; returns a new profile key (shown once) when this was the
        candidate's first interview from this browser."""
        key: str | None = None
        profile_id = intake.profile_id
        if profile_id is None:
            key = new_secret()
            profile_id = await self._people.create_profile(secret_hash(key))
        invitation_id = intake.invitation.invitation.id if intake.invitation else None
        await self._people.link_interview(
            interview_id,
            consent=intake.consent,
            profile_id=profile_id,
            invitation_id=invitation_id,
        )
        if invitation_id is not None:
            await self._people.attach_invitation(invitation_id, interview_id)
        return key


def _one(form: FormData, name: str) -> str | None:
    values = form.getlist(name)
    if len(values) > 1:
        raise ApiError(422, f"Send '{name}' only once.", field=name)
    value = values[0] if values else None
    if value is not None and not isinstance(value, str):
        raise ApiError(422, f"'{name}' must be a text field, not a file.", field=name)
    return value.strip() if value else None
