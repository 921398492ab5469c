"""Storage of invitations, candidate profiles, consent and outgoing webhook deliveries.

It shares the interview store's engine (one pool, one migration) but not its class: the agent
and the evals worker never touch people. Secrets arrive already hashed (profile keys,
invitation links). Status-like answers that depend on the clock (an invitation's status, an
interview left unused) are computed from stored times, so nothing has to run on time for
them to be right.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from . import people_schema as t
from . import schema
from .models import InterviewSummary
from .people import (
    ConsentRecord,
    DeliveryState,
    InterviewTemplate,
    Invitation,
    InvitationStatus,
    TemplateBody,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .vocabulary import InterviewStatus

_UNUSED = (InterviewStatus.PREPARING.value, InterviewStatus.CREATED.value)
_DONE = (InterviewStatus.ENDED, InterviewStatus.EVALUATED)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every timestamp stored here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _req(value: datetime | None) -> datetime:
    aware = _aware(value)
    assert aware is not None
    return aware


@dataclass(frozen=True)
class InvitationGrant:
    """An invitation a candidate presented, with its template (ideal answers included: the
    token server puts them into the plan, never into a response)."""

    invitation: Invitation
    template: InterviewTemplate


@dataclass(frozen=True)
class RevokeResult:
    """What a revoke did: `invitation` as it now stands, and whether this call withdrew it
    (False when it was already revoked, expired, started or completed)."""

    invitation: Invitation
    revoked_now: bool


@dataclass(frozen=True)
class DueDelivery:
    seq: int
    url: str
    secret: str
    event: WebhookEvent
    interview_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class ExportRow:
    id: str
    status: InterviewStatus
    plan: dict[str, Any]
    created_at: datetime
    ended_at: datetime | None
    overall_score: float | None
    flags: list[str]
    report: Any
    """The stored report JSON (read with the report schema by the exporter), or None."""
    profile_id: str | None
    invited_name: str | None
    invited_email: str | None


class PeopleStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # --- candidate profiles ----------------------------------------------------------------

    async def create_profile(self, key_hash: str) -> str:
        profile_id = str(uuid.uuid4())
        async with self._engine.begin() as conn:
            await conn.execute(
                t.candidate_profiles.insert().values(
                    id=profile_id, key_hash=key_hash, email=None, created_at=datetime.now(UTC)
                )
            )
        return profile_id

    async def profile_by_key(self, key_hash: str) -> tuple[str, str | None] | None:
        """(profile id, email) of a profile key's hash, or None."""
        p = t.candidate_profiles
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(sa.select(p.c.id, p.c.email).where(p.c.key_hash == key_hash))
            ).first()
        return (str(row.id), row.email) if row is not None else None

    async def set_profile_email(self, profile_id: str, email: str | None) -> None:
        p = t.candidate_profiles
        async with self._engine.begin() as conn:
            await conn.execute(p.update().where(p.c.id == profile_id).values(email=email))

    async def link_interview(
        self,
        interview_id: str,
        *,
        consent: ConsentRecord,
        profile_id: str | None,
        invitation_id: str | None,
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                t.interview_people.insert().values(
                    interview_id=interview_id,
                    profile_id=profile_id,
                    invitation_id=invitation_id,
                    consent=consent.model_dump(mode="json"),
                )
            )

    async def owner_profile(self, interview_id: str) -> str | None:
        ip = t.interview_people
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(ip.c.profile_id).where(ip.c.interview_id == interview_id)
                )
            ).scalar()

    async def consent(self, interview_id: str) -> ConsentRecord | None:
        ip = t.interview_people
        async with self._engine.connect() as conn:
            stored = (
                await conn.execute(sa.select(ip.c.consent).where(ip.c.interview_id == interview_id))
            ).scalar()
        return ConsentRecord.model_validate(stored) if stored is not None else None

    async def profile_interview_ids(self, profile_id: str) -> list[str]:
        """Oldest first."""
        ip, i = t.interview_people, schema.interviews
        query = (
            sa.select(i.c.id)
            .select_from(ip.join(i, i.c.id == ip.c.interview_id))
            .where(ip.c.profile_id == profile_id)
            .order_by(i.c.created_at, i.c.id)
        )
        async with self._engine.connect() as conn:
            return [str(r) for r in (await conn.execute(query)).scalars()]

    # --- templates and invitations ------------------------------------------------------------

    async def create_template(self, body: TemplateBody, *, created_by: str) -> InterviewTemplate:
        template = InterviewTemplate(
            **body.model_dump(),
            id=str(uuid.uuid4()),
            created_at=datetime.now(UTC),
            created_by=created_by,
        )
        async with self._engine.begin() as conn:
            await conn.execute(
                t.interview_templates.insert().values(
                    id=template.id,
                    created_at=template.created_at,
                    created_by=created_by[:400],
                    body=body.model_dump(mode="json"),
                )
            )
        return template

    async def templates(self) -> list[InterviewTemplate]:
        tt = t.interview_templates
        async with self._engine.connect() as conn:
            rows = (
                (await conn.execute(tt.select().order_by(tt.c.created_at.desc()))).mappings().all()
            )
        return [_template(r) for r in rows]

    async def template(self, template_id: str) -> InterviewTemplate | None:
        tt = t.interview_templates
        async with self._engine.connect() as conn:
            row = (await conn.execute(tt.select().where(tt.c.id == template_id))).mappings().first()
        return _template(row) if row is not None else None

    async def create_invitation(
        self,
        template: InterviewTemplate,
        *,
        token_hash: str,
        candidate_name: str | None,
        candidate_email: str | None,
        expires_at: datetime,
    ) -> Invitation:
        row = {
            "id": str(uuid.uuid4()),
            "template_id": template.id,
            "token_hash": token_hash,
            "candidate_name": candidate_name,
            "candidate_email": candidate_email,
            "created_at": datetime.now(UTC),
            "expires_at": expires_at,
            "opened_at": None,
            "interview_id": None,
            "used": False,
            "revoked_at": None,
        }
        async with self._engine.begin() as conn:
            await conn.execute(t.invitations.insert().values(**row))
        return _invitation(row, role=template.role, interview_status=None)

    async def invitations(self, *, template_id: str | None = None) -> list[Invitation]:
        """Newest first, each with its status."""
        return await self._invitations(
            t.invitations.c.template_id == template_id if template_id else sa.true()
        )

    async def invitation(self, invitation_id: str) -> Invitation | None:
        found = await self._invitations(t.invitations.c.id == invitation_id)
        return found[0] if found else None

    async def revoke_invitation(self, invitation_id: str, *, now: datetime) -> RevokeResult | None:
        """Withdraw a link that has not been used: one conditional UPDATE (not used, not
        revoked, not expired), so it cannot race a candidate's claim: whichever commits first
        wins, and `claim_invitation` refuses a revoked link. Idempotent: revoking a revoked or
        expired invitation changes nothing. None if there is no invitation with this id."""
        inv = t.invitations
        async with self._engine.begin() as conn:
            result = await conn.execute(
                inv.update().where(*_still_usable(invitation_id, now)).values(revoked_at=now)
            )
        invitation = await self.invitation(invitation_id)
        if invitation is None:
            return None
        return RevokeResult(invitation=invitation, revoked_now=bool(result.rowcount))

    async def invitation_by_token(self, token_hash: str) -> InvitationGrant | None:
        found = await self._invitations(t.invitations.c.token_hash == token_hash)
        if not found:
            return None
        template = await self.template(found[0].template_id)
        assert template is not None  # FK with cascade
        return InvitationGrant(invitation=found[0], template=template)

    async def mark_opened(self, invitation_id: str) -> None:
        inv = t.invitations
        async with self._engine.begin() as conn:
            await conn.execute(
                inv.update()
                .where(inv.c.id == invitation_id, inv.c.opened_at.is_(None))
                .values(opened_at=datetime.now(UTC))
            )

    async def claim_invitation(self, invitation_id: str, *, now: datetime) -> bool:
        """Mark the invitation used, once: False if it was used, expired or revoked meanwhile
        (one conditional UPDATE, so two tabs racing get one interview)."""
        inv = t.invitations
        async with self._engine.begin() as conn:
            result = await conn.execute(
                inv.update()
                .where(*_still_usable(invitation_id, now))
                .values(used=True, opened_at=sa.func.coalesce(inv.c.opened_at, now))
            )
        return bool(result.rowcount)

    async def attach_invitation(self, invitation_id: str, interview_id: str) -> None:
        inv = t.invitations
        async with self._engine.begin() as conn:
            await conn.execute(
                inv.update().where(inv.c.id == invitation_id).values(interview_id=interview_id)
            )

    async def release_invitation(self, invitation_id: str) -> None:
        """Undo a claim whose interview could not be created (nothing else was written)."""
        inv = t.invitations
        async with self._engine.begin() as conn:
            await conn.execute(
                inv.update()
                .where(inv.c.id == invitation_id, inv.c.interview_id.is_(None))
                .values(used=False)
            )

    async def _invitations(self, condition: sa.ColumnElement[bool]) -> list[Invitation]:
        inv, tt, i = t.invitations, t.interview_templates, schema.interviews
        query = (
            sa.select(inv, tt.c.body, i.c.status.label("interview_status"))
            .select_from(
                inv.join(tt, tt.c.id == inv.c.template_id).outerjoin(
                    i, i.c.id == inv.c.interview_id
                )
            )
            .where(condition)
            .order_by(inv.c.created_at.desc(), inv.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            _invitation(
                r,
                role=str(r["body"]["role"]),
                interview_status=InterviewStatus(r["interview_status"])
                if r["interview_status"]
                else None,
            )
            for r in rows
        ]

    # --- grouping and lifecycle -----------------------------------------------------------

    async def candidate_links(self, interview_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """interview id → (group key, label) for interviews a profile or invitation links."""
        ip, inv, p = t.interview_people, t.invitations, t.candidate_profiles
        query = (
            sa.select(
                ip.c.interview_id,
                ip.c.profile_id,
                p.c.email.label("profile_email"),
                inv.c.id.label("invitation_id"),
                inv.c.candidate_name,
                inv.c.candidate_email,
            )
            .select_from(
                ip.outerjoin(p, p.c.id == ip.c.profile_id).outerjoin(
                    inv, inv.c.id == ip.c.invitation_id
                )
            )
            .where(ip.c.interview_id.in_(list(interview_ids)))
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        links: dict[str, tuple[str, str]] = {}
        for r in rows:
            label = r["candidate_email"] or r["profile_email"] or r["candidate_name"]
            if r["profile_id"]:
                links[r["interview_id"]] = (f"profile:{r['profile_id']}", label or "")
            elif r["candidate_email"]:
                links[r["interview_id"]] = (f"email:{r['candidate_email'].lower()}", label)
            elif r["invitation_id"]:
                links[r["interview_id"]] = (f"invitation:{r['invitation_id']}", label or "")
        return links

    async def abandon_unused(self, *, created_before: datetime) -> list[str]:
        """Interviews still `preparing`/`created` that were made before `created_before` (their
        join token has expired unused) become `abandoned`. Returns their ids."""
        i = schema.interviews
        where = (i.c.status.in_(_UNUSED), i.c.created_at < created_before)
        async with self._engine.begin() as conn:
            ids = [str(x) for x in (await conn.execute(sa.select(i.c.id).where(*where))).scalars()]
            if ids:
                await conn.execute(
                    i.update()
                    .where(i.c.id.in_(ids), i.c.status.in_(_UNUSED))
                    .values(status=InterviewStatus.ABANDONED.value)
                )
        return ids

    async def export_rows(
        self,
        *,
        status: InterviewStatus | None,
        created_from: datetime | None,
        created_to: datetime | None,
        limit: int,
    ) -> list[ExportRow]:
        """Interviews for an export, newest first, with their stored report and the labels
        of an invitation; abandoned ones only when asked for by status."""
        i, ip, inv = schema.interviews, t.interview_people, t.invitations
        where: list[sa.ColumnElement[bool]] = []
        if status is not None:
            where.append(i.c.status == status.value)
        else:
            where.append(i.c.status != InterviewStatus.ABANDONED.value)
        if created_from is not None:
            where.append(i.c.created_at >= created_from)
        if created_to is not None:
            where.append(i.c.created_at < created_to)
        query = (
            sa.select(
                i.c.id,
                i.c.status,
                i.c.plan,
                i.c.created_at,
                i.c.ended_at,
                i.c.overall_score,
                i.c.flags,
                i.c.report,
                ip.c.profile_id,
                inv.c.candidate_name.label("invited_name"),
                inv.c.candidate_email.label("invited_email"),
            )
            .select_from(
                i.outerjoin(ip, ip.c.interview_id == i.c.id).outerjoin(
                    inv, inv.c.id == ip.c.invitation_id
                )
            )
            .where(*where)
            .order_by(i.c.created_at.desc(), i.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            ExportRow(
                id=r["id"],
                status=InterviewStatus(r["status"]),
                plan=dict(r["plan"]),
                created_at=_req(r["created_at"]),
                ended_at=_aware(r["ended_at"]),
                overall_score=r["overall_score"],
                flags=list(r["flags"] or []),
                report=r["report"],
                profile_id=r["profile_id"],
                invited_name=r["invited_name"],
                invited_email=r["invited_email"],
            )
            for r in rows
        ]

    # --- outgoing webhooks ----------------------------------------------------------------------

    async def create_endpoint(
        self, *, url: str, secret: str, events: Sequence[WebhookEvent]
    ) -> WebhookEndpoint:
        endpoint = WebhookEndpoint(
            id=str(uuid.uuid4()), url=url, events=list(events), created_at=datetime.now(UTC)
        )
        async with self._engine.begin() as conn:
            await conn.execute(
                t.webhook_endpoints.insert().values(
                    id=endpoint.id,
                    url=url,
                    secret=secret,
                    events=[e.value for e in events],
                    created_at=endpoint.created_at,
                )
            )
        return endpoint

    async def endpoints(self) -> list[WebhookEndpoint]:
        e = t.webhook_endpoints
        async with self._engine.connect() as conn:
            rows = (await conn.execute(e.select().order_by(e.c.created_at))).mappings().all()
        return [
            WebhookEndpoint(
                id=r["id"],
                url=r["url"],
                events=[WebhookEvent(x) for x in r["events"]],
                created_at=_req(r["created_at"]),
            )
            for r in rows
        ]

    async def delete_endpoint(self, endpoint_id: str) -> bool:
        e = t.webhook_endpoints
        async with self._engine.begin() as conn:
            return bool((await conn.execute(e.delete().where(e.c.id == endpoint_id))).rowcount)

    async def enqueue_new_events(self, *, now: datetime) -> int:
        """Fill the outbox: one pending delivery per endpoint for each interview that ended
        (`interview.completed`) or was evaluated (`interview.evaluated`) after the endpoint
        was configured and has no delivery yet. Idempotent; returns how many were added."""
        e, d, i = t.webhook_endpoints, t.webhook_deliveries, schema.interviews
        added = 0
        async with self._engine.begin() as conn:
            endpoints = (await conn.execute(e.select())).mappings().all()
            for endpoint in endpoints:
                for event_name in endpoint["events"]:
                    event = WebhookEvent(event_name)
                    stamp = (
                        i.c.ended_at
                        if event == WebhookEvent.INTERVIEW_COMPLETED
                        else (i.c.evaluated_at)
                    )
                    statuses = (
                        [s.value for s in _DONE]
                        if event == WebhookEvent.INTERVIEW_COMPLETED
                        else [InterviewStatus.EVALUATED.value]
                    )
                    already = sa.select(d.c.interview_id).where(
                        d.c.endpoint_id == endpoint["id"], d.c.event == event.value
                    )
                    query = sa.select(i).where(
                        i.c.status.in_(statuses),
                        stamp.is_not(None),
                        stamp >= endpoint["created_at"],
                        i.c.id.not_in(already),
                    )
                    for row in (await conn.execute(query)).mappings().all():
                        await conn.execute(
                            d.insert().values(
                                endpoint_id=endpoint["id"],
                                event=event.value,
                                interview_id=row["id"],
                                payload=_payload(event, row, now),
                                state=DeliveryState.PENDING.value,
                                attempts=0,
                                created_at=now,
                                next_attempt_at=now,
                            )
                        )
                        added += 1
        return added

    async def due_deliveries(self, *, now: datetime, limit: int = 50) -> list[DueDelivery]:
        d, e = t.webhook_deliveries, t.webhook_endpoints
        query = (
            sa.select(d, e.c.url, e.c.secret)
            .select_from(d.join(e, e.c.id == d.c.endpoint_id))
            .where(d.c.state == DeliveryState.PENDING.value, d.c.next_attempt_at <= now)
            .order_by(d.c.next_attempt_at, d.c.seq)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            DueDelivery(
                seq=r["seq"],
                url=r["url"],
                secret=r["secret"],
                event=WebhookEvent(r["event"]),
                interview_id=r["interview_id"],
                payload=dict(r["payload"]),
                attempts=r["attempts"],
            )
            for r in rows
        ]

    async def record_attempt(
        self,
        seq: int,
        *,
        delivered: bool,
        status: int | None,
        error: str | None,
        at: datetime,
        retry_at: datetime | None,
    ) -> None:
        """One delivery attempt: delivered, retry at `retry_at`, or (retry_at None) failed."""
        d = t.webhook_deliveries
        if delivered:
            state = DeliveryState.DELIVERED
        else:
            state = DeliveryState.PENDING if retry_at is not None else DeliveryState.FAILED
        async with self._engine.begin() as conn:
            await conn.execute(
                d.update()
                .where(d.c.seq == seq)
                .values(
                    attempts=d.c.attempts + 1,
                    state=state.value,
                    last_status=status,
                    last_error=error[:500] if error else None,
                    next_attempt_at=retry_at,
                    delivered_at=at if delivered else None,
                )
            )

    async def deliveries(
        self, *, endpoint_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        """Newest first: the delivery log."""
        d = t.webhook_deliveries
        query = d.select().order_by(d.c.seq.desc()).limit(limit)
        if endpoint_id is not None:
            query = query.where(d.c.endpoint_id == endpoint_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            WebhookDelivery(
                seq=r["seq"],
                endpoint_id=r["endpoint_id"],
                event=WebhookEvent(r["event"]),
                interview_id=r["interview_id"],
                state=DeliveryState(r["state"]),
                attempts=r["attempts"],
                last_status=r["last_status"],
                last_error=r["last_error"],
                created_at=_req(r["created_at"]),
                next_attempt_at=_aware(r["next_attempt_at"]),
                delivered_at=_aware(r["delivered_at"]),
            )
            for r in rows
        ]


def invitation_status(
    *,
    now: datetime,
    expires_at: datetime,
    opened_at: datetime | None,
    used: bool,
    revoked: bool,
    interview_status: InterviewStatus | None,
) -> InvitationStatus:
    """An interview that exists wins (a revoke is refused once the link was used); a link
    withdrawn before it expired stays `revoked` after its expiry, so the list keeps saying why
    it is dead."""
    if interview_status in _DONE:
        return InvitationStatus.COMPLETED
    if used:
        return InvitationStatus.STARTED
    if revoked:
        return InvitationStatus.REVOKED
    if expires_at <= now:
        return InvitationStatus.EXPIRED
    return InvitationStatus.OPENED if opened_at is not None else InvitationStatus.SENT


def _invitation(
    row: RowMapping | dict[str, Any], *, role: str, interview_status: InterviewStatus | None
) -> Invitation:
    expires_at = _req(row["expires_at"])
    opened_at = _aware(row["opened_at"])
    revoked_at = _aware(row["revoked_at"])
    return Invitation(
        id=row["id"],
        template_id=row["template_id"],
        role=role,
        candidate_name=row["candidate_name"],
        candidate_email=row["candidate_email"],
        created_at=_req(row["created_at"]),
        expires_at=expires_at,
        opened_at=opened_at,
        interview_id=row["interview_id"],
        revoked_at=revoked_at,
        status=invitation_status(
            now=datetime.now(UTC),
            expires_at=expires_at,
            opened_at=opened_at,
            used=bool(row["used"]),
            revoked=revoked_at is not None,
            interview_status=interview_status,
        ),
    )


def _template(row: RowMapping) -> InterviewTemplate:
    return InterviewTemplate(
        **TemplateBody.model_validate(row["body"]).model_dump(),
        id=row["id"],
        created_at=_req(row["created_at"]),
        created_by=row["created_by"],
    )


def _payload(event: WebhookEvent, row: RowMapping, now: datetime) -> dict[str, Any]:
    """What a receiver gets: ids, lifecycle and scores, never transcript, CV or names (the
    receiver fetches the report through the API if it is allowed to)."""
    plan = row["plan"]
    report = row["report"] if event == WebhookEvent.INTERVIEW_EVALUATED else None
    recommendation = report.get("recommendation") if isinstance(report, dict) else None
    ended_at = _aware(row["ended_at"])
    return {
        "event": event.value,
        "created_at": now.isoformat(),
        "interview": {
            "id": row["id"],
            "status": row["status"],
            "role": plan.get("role"),
            "level": plan.get("level"),
            "interview_type": plan.get("interview_type"),
            "created_at": _req(row["created_at"]).isoformat(),
            "ended_at": ended_at.isoformat() if ended_at else None,
            "overall_score": row["overall_score"] if report is not None else None,
            "recommendation": recommendation.get("value")
            if isinstance(recommendation, dict)
            else None,
        },
    }


def summary_groups(
    items: Sequence[InterviewSummary], links: dict[str, tuple[str, str]]
) -> list[tuple[str, str, list[InterviewSummary]]]:
    """Group a newest-first list by candidate, keeping the order of each group's newest
    interview; unlinked interviews are not grouped."""
    groups: dict[str, tuple[str, list[InterviewSummary]]] = {}
    for item in items:
        link = links.get(item.id)
        if link is None:
            continue
        key, label = link
        label = label or item.candidate_name or "Candidate"
        groups.setdefault(key, (label, []))[1].append(item)
    return [(key, label, members) for key, (label, members) in groups.items()]


ABANDON_GRACE = timedelta(minutes=1)
"""Added to the token's lifetime before an unused interview counts as abandoned: a candidate
who joins in the token's last second is still connecting."""


def _still_usable(invitation_id: str, now: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    """Not used, not revoked, not expired: what both claiming and revoking require, each in
    one conditional UPDATE, so a claim and a revoke racing cannot both win."""
    inv = t.invitations
    return (
        inv.c.id == invitation_id,
        inv.c.used.is_(False),
        inv.c.revoked_at.is_(None),
        inv.c.expires_at > now,
    )
