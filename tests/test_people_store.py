"""`PeopleStore` on SQLite and PostgreSQL: single-use invitations under a race, the abandoned
sweep, the webhook outbox (idempotent, only events after the endpoint existed), profiles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from interview_store import InterviewPlan, InterviewStatus, InterviewStore, people_schema, schema
from interview_store.people import (
    CONSENT_VERSION,
    ConsentChoices,
    ConsentRecord,
    DeliveryState,
    InvitationStatus,
    TemplateBody,
    WebhookEvent,
)
from interview_store.people_store import PeopleStore
from tests.fake_interview import stored_report
from tests.people_support import set_created_at

CONSENT = ConsentRecord(
    version=CONSENT_VERSION,
    agreed_at=datetime(2026, 12, 1, tzinfo=UTC),
    choices=ConsentChoices(recording=True, camera_analysis=True, ai_processing=True),
)


async def test_an_invitation_is_claimed_once_under_a_race(store: InterviewStore) -> None:
    people = PeopleStore(store.engine)
    template = await people.create_template(TemplateBody(role="SRE"), created_by="tests")
    invitation = await people.create_invitation(
        template,
        token_hash="a" * 64,
        candidate_name="Ada",
        candidate_email=None,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    now = datetime.now(UTC)
    wins = await asyncio.gather(
        *(people.claim_invitation(invitation.id, now=now) for _ in range(5))
    )
    assert sorted(wins) == [False, False, False, False, True]
    grant = await people.invitation_by_token("a" * 64)
    assert grant is not None and grant.invitation.status == InvitationStatus.STARTED
    await people.release_invitation(invitation.id)  # the insert failed: usable again
    assert await people.claim_invitation(invitation.id, now=now)
    expired = await people.create_invitation(
        template,
        token_hash="b" * 64,
        candidate_name=None,
        candidate_email=None,
        expires_at=now - timedelta(seconds=1),
    )
    assert not await people.claim_invitation(expired.id, now=now)
    statuses = {i.id: i.status for i in await people.invitations()}
    assert statuses[expired.id] == InvitationStatus.EXPIRED


async def test_revoke_withdraws_only_an_unused_link_and_wins_the_race(
    store: InterviewStore,
) -> None:
    people = PeopleStore(store.engine)
    template = await people.create_template(TemplateBody(role="SRE"), created_by="tests")
    now = datetime.now(UTC)

    async def invite(token_hash: str, *, expires_at: datetime) -> str:
        invitation = await people.create_invitation(
            template,
            token_hash=token_hash,
            candidate_name=None,
            candidate_email=None,
            expires_at=expires_at,
        )
        return invitation.id

    later = now + timedelta(hours=1)
    sent, claimed, expired = (
        await invite("c" * 64, expires_at=later),
        await invite("d" * 64, expires_at=later),
        await invite("e" * 64, expires_at=now - timedelta(seconds=1)),
    )
    assert await people.revoke_invitation("f" * 36, now=now) is None

    first = await people.revoke_invitation(sent, now=now)
    assert first is not None and first.revoked_now
    assert first.invitation.status == InvitationStatus.REVOKED
    assert first.invitation.revoked_at is not None
    again = await people.revoke_invitation(sent, now=now)  # idempotent: nothing changes
    assert again is not None and not again.revoked_now
    assert again.invitation.revoked_at == first.invitation.revoked_at
    assert not await people.claim_invitation(sent, now=now)  # a revoked link starts nothing
    grant = await people.invitation_by_token("c" * 64)
    assert grant is not None and grant.invitation.status == InvitationStatus.REVOKED

    # used first: the revoke changes nothing (the interview exists)
    assert await people.claim_invitation(claimed, now=now)
    used = await people.revoke_invitation(claimed, now=now)
    assert used is not None and not used.revoked_now
    assert used.invitation.status == InvitationStatus.STARTED
    assert used.invitation.revoked_at is None

    # a claim and a revoke racing: exactly one of them takes effect
    for n in range(4):
        racing = await invite(f"r{n}".ljust(64, "0"), expires_at=later)
        won_claim, revoked = await asyncio.gather(
            people.claim_invitation(racing, now=now), people.revoke_invitation(racing, now=now)
        )
        assert revoked is not None and won_claim != revoked.revoked_now
        assert revoked.invitation.status == (
            InvitationStatus.STARTED if won_claim else InvitationStatus.REVOKED
        )

    # expired: a no-op, still listed as expired
    late = await people.revoke_invitation(expired, now=now)
    assert late is not None and not late.revoked_now
    assert late.invitation.status == InvitationStatus.EXPIRED

    # a revoked link stays `revoked` after its expiry, so the list keeps saying why
    assert (
        await people.revoke_invitation(await invite("g" * 64, expires_at=later), now=now)
        is not None
    )
    async with store.engine.begin() as conn:
        await conn.execute(
            sa.update(people_schema.invitations)
            .where(people_schema.invitations.c.token_hash == "g" * 64)
            .values(expires_at=now - timedelta(minutes=1))
        )
    statuses = {i.id: i.status for i in await people.invitations()}
    assert statuses[sent] == InvitationStatus.REVOKED
    assert statuses[claimed] == InvitationStatus.STARTED
    assert statuses[expired] == InvitationStatus.EXPIRED
    grant = await people.invitation_by_token("g" * 64)
    assert grant is not None and grant.invitation.status == InvitationStatus.REVOKED


async def test_sweep_abandons_only_unused_old_interviews(store: InterviewStore) -> None:
    people = PeopleStore(store.engine)
    plan = InterviewPlan(role="QA")
    old_created = await store.create(plan)
    old_live = await store.create(plan)
    await store.set_status(old_live.id, InterviewStatus.LIVE)
    fresh = await store.create(plan)
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    for record in (old_created, old_live):
        await set_created_at(store, record.id, long_ago)
    cutoff = datetime.now(UTC) - timedelta(minutes=16)
    assert await people.abandon_unused(created_before=cutoff) == [old_created.id]
    assert await people.abandon_unused(created_before=cutoff) == []
    statuses = {r.id: r.status for r in (await store.list(limit=10))[0]}
    assert statuses == {
        old_created.id: InterviewStatus.ABANDONED,
        old_live.id: InterviewStatus.LIVE,
        fresh.id: InterviewStatus.CREATED,
    }
    listed, total = await store.list(exclude=(InterviewStatus.ABANDONED,))
    assert total == 2 and old_created.id not in {r.id for r in listed}


async def test_outbox_fills_once_per_event_after_the_endpoint_exists(store: InterviewStore) -> None:
    people = PeopleStore(store.engine)
    before = await store.create(InterviewPlan(role="Before"))
    await store.set_status(before.id, InterviewStatus.ENDED)  # ended before any endpoint
    endpoint = await people.create_endpoint(
        url="https://ats.example.com/hook", secret="whsec_x", events=list(WebhookEvent)
    )
    record = await store.create(InterviewPlan(role="After"))
    await store.set_status(record.id, InterviewStatus.ENDED)
    now = datetime.now(UTC)
    assert await people.enqueue_new_events(now=now) == 1
    assert await people.enqueue_new_events(now=now) == 0  # idempotent
    await store.save_report(record.id, stored_report(record.id))
    assert await people.enqueue_new_events(now=datetime.now(UTC)) == 1
    due = await people.due_deliveries(now=datetime.now(UTC))
    assert [(d.event, d.interview_id) for d in due] == [
        (WebhookEvent.INTERVIEW_COMPLETED, record.id),
        (WebhookEvent.INTERVIEW_EVALUATED, record.id),
    ]
    first = due[0]
    await people.record_attempt(
        first.seq, delivered=False, status=503, error="HTTP 503", at=now, retry_at=None
    )
    log = {d.seq: d for d in await people.deliveries(endpoint_id=endpoint.id)}
    assert log[first.seq].state == DeliveryState.FAILED and log[first.seq].attempts == 1
    assert await people.delete_endpoint(endpoint.id)
    assert await people.deliveries() == []  # the log goes with its endpoint


async def test_profiles_link_interviews_and_consent(store: InterviewStore) -> None:
    people = PeopleStore(store.engine)
    profile = await people.create_profile("c" * 64)
    assert await people.profile_by_key("c" * 64) == (profile, None)
    assert await people.profile_by_key("d" * 64) is None
    first = await store.create(InterviewPlan(role="A"))
    second = await store.create(InterviewPlan(role="B"))
    for record in (first, second):
        await people.link_interview(
            record.id, consent=CONSENT, profile_id=profile, invitation_id=None
        )
    assert await people.profile_interview_ids(profile) == [first.id, second.id]
    assert await people.consent(first.id) == CONSENT
    await people.set_profile_email(profile, "me@example.test")
    assert await people.profile_by_key("c" * 64) == (profile, "me@example.test")
    await store.delete(first.id)  # deleting an interview removes its links and consent
    assert await people.profile_interview_ids(profile) == [second.id]
    assert await people.consent(first.id) is None


async def test_migration_0005_matches_people_schema(store: InterviewStore) -> None:
    """Revision 0005 and `people_schema.py` describe the same tables and columns."""
    assert people_schema.invitations.name == "invitations"  # registered on the metadata
    tables = [t for name, t in schema.metadata.tables.items() if name in _PEOPLE_TABLES]
    assert len(tables) == len(_PEOPLE_TABLES)

    def columns(sync_conn: sa.Connection) -> dict[str, set[str]]:
        insp = sa.inspect(sync_conn)
        return {t.name: {c["name"] for c in insp.get_columns(t.name)} for t in tables}

    async with store.engine.connect() as conn:
        live = await conn.run_sync(columns)
    assert live == {t.name: {c.name for c in t.columns} for t in tables}


_PEOPLE_TABLES = {
    "candidate_profiles",
    "interview_templates",
    "invitations",
    "interview_people",
    "webhook_endpoints",
    "webhook_deliveries",
}
