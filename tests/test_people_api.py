"""Consent, candidate profiles, invitations, abandoned interviews, candidate deletion, exports
and outgoing webhooks, through the real token server on loopback (uvicorn + httpx) with real
recruiter accounts and API keys."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from interview_store import InterviewPlan, InterviewStatus, InterviewStore
from interview_store.accounts import AuditAction, Role
from interview_store.people import CONSENT_VERSION, DeliveryState, WebhookEvent
from tests.fake_interview import stored_report
from tests.people_support import (
    WebhookReceiver,
    api_key_headers,
    bearer,
    consent_form,
    create_interview,
    people_client,
    set_created_at,
    signature_ok,
)
from tests.tokenserver_harness import add_user, csrf_headers, planned, sign_in

TEMPLATE = {
    "role": "Platform engineer",
    "level": "advanced",
    "interview_type": "technical",
    "language": "en",
    "duration_minutes": 45,
    "job_description": "Kubernetes, Go, on-call.",
    "questions": [
        {"text": "How do you roll back a bad deploy?", "ideal_answer": "SECRET-IDEAL-ONE"},
        {"text": "What does a readiness probe do?", "ideal_answer": "SECRET-IDEAL-TWO"},
        {"text": "Tell me about an outage you handled."},
    ],
}


# --- consent --------------------------------------------------------------------------------


async def test_no_join_token_without_consent(sqlite_store: InterviewStore) -> None:
    async with people_client(sqlite_store, retention_days=45) as (client, ctx):
        for form in ({"role": "SRE"}, {"role": "SRE", "consent": "false"}):
            r = await client.post("/api/interviews", data=form)
            assert r.status_code == 422
            assert r.json()["field"] == "consent"
            assert "consent" in r.json()["error"].lower()
            assert "participant_token" not in r.json()
        assert (await sqlite_store.list())[1] == 0  # nothing written

        notice = (await client.get("/api/consent")).json()
        text = " ".join(notice["items"])
        assert notice["retention_days"] == 45 and "45 days" in text
        for words in ("recorded", "transcript", "face is visible", "looking away", "Gemini"):
            assert words in text

        created = await create_interview(client)
        consent = await ctx.people.store.consent(created["interview_id"])
        assert consent is not None and consent.version == notice["version"]
        assert consent.choices.recording and consent.choices.camera_analysis


# --- profiles ---------------------------------------------------------------------------------


async def test_profile_collects_interviews_and_opens_only_its_own(
    sqlite_store: InterviewStore,
) -> None:
    async with people_client(sqlite_store) as (client, _ctx):
        first = await create_interview(client, role="Data analyst")
        key = first["profile_key"]
        assert key and len(key) >= 40
        second = await create_interview(client, profile_key=key, role="Data engineer")
        assert second["profile_key"] is None  # the browser already holds it
        stranger = await create_interview(client, role="Designer")

        progress = (await client.get("/api/profile", headers={"X-Profile-Key": key})).json()
        assert [i["id"] for i in progress["interviews"]] == [
            first["interview_id"],
            second["interview_id"],
        ]
        assert [i["role"] for i in progress["interviews"]] == ["Data analyst", "Data engineer"]

        # the feedback survives the tab: the profile key opens it without the participant token
        mine = f"/api/interviews/{first['interview_id']}/feedback"
        assert (await client.get(mine, headers={"X-Profile-Key": key})).status_code == 200
        # ...and opens nothing of another candidate
        theirs = f"/api/interviews/{stranger['interview_id']}"
        for path in (f"{theirs}/feedback",):
            assert (await client.get(path, headers={"X-Profile-Key": key})).status_code == 403
        r = await client.delete(f"{theirs}/mine", headers={"X-Profile-Key": key})
        assert r.status_code == 403
        # a participant token opens its own interview only
        token = first["participant_token"]
        assert (await client.get(f"{theirs}/feedback", headers=bearer(token))).status_code == 403
        assert (await client.delete(f"{theirs}/mine", headers=bearer(token))).status_code == 403
        # an unknown key is refused, not given someone's profile
        r = await client.get("/api/profile", headers={"X-Profile-Key": "nope" * 11})
        assert r.status_code == 403
        assert (await client.get("/api/profile")).status_code == 401
        r = await client.post(
            "/api/interviews", data=consent_form(), headers={"X-Profile-Key": "forged-key"}
        )
        assert r.status_code == 403 and r.json()["field"] == "profile_key"
        assert await sqlite_store.get(stranger["interview_id"]) is not None


async def test_progress_carries_scores_metrics_and_latest_plan(
    sqlite_store: InterviewStore,
) -> None:
    async with people_client(sqlite_store) as (client, _ctx):
        first = await create_interview(client)
        key = first["profile_key"]
        second = await create_interview(client, profile_key=key)
        for created, score in ((first, 2.5), (second, 3.5)):
            interview_id = created["interview_id"]
            await sqlite_store.set_status(interview_id, InterviewStatus.ENDED)
            report = stored_report(interview_id, overall_score=score)
            report.metrics.words_per_minute = 100 + score * 10
            report.metrics.filler_words = int(score * 2)
            report.improvements = [f"improve {score}"]
            await sqlite_store.save_report(interview_id, report)
        progress = (await client.get("/api/profile", headers={"X-Profile-Key": key})).json()
    assert [i["overall_score"] for i in progress["interviews"]] == [2.5, 3.5]
    assert [i["metrics"]["words_per_minute"] for i in progress["interviews"]] == [125.0, 135.0]
    assert progress["latest_improvements"] == ["improve 3.5"]
    assert "recommendation" not in str(progress)


# --- abandoned interviews and the feedback page of one that never started -----------------------


async def test_unused_token_makes_the_interview_abandoned(sqlite_store: InterviewStore) -> None:
    async with people_client(sqlite_store, token_ttl_seconds=300) as (client, ctx):
        lazy = await create_interview(client)
        swept = await create_interview(client)
        fresh = await create_interview(client)
        long_ago = datetime.now(UTC) - timedelta(minutes=7)
        await set_created_at(sqlite_store, lazy["interview_id"], long_ago)
        await set_created_at(sqlite_store, swept["interview_id"], long_ago)

        url = f"/api/interviews/{lazy['interview_id']}/feedback"
        body = (await client.get(url, headers=bearer(lazy["participant_token"]))).json()
        assert body["status"] == "abandoned"

        await ctx.people.maintenance.run_once()
        swept_record = await sqlite_store.get(swept["interview_id"])
        assert swept_record is not None and swept_record.status == InterviewStatus.ABANDONED
        fresh_record = await sqlite_store.get(fresh["interview_id"])
        assert fresh_record is not None and fresh_record.status != InterviewStatus.ABANDONED

        h = await api_key_headers(sqlite_store, Role.VIEWER)
        listed = (await client.get("/api/interviews", headers=h)).json()
        assert [i["id"] for i in listed["items"]] == [fresh["interview_id"]]
        asked = await client.get("/api/interviews", params={"status": "abandoned"}, headers=h)
        assert {i["id"] for i in asked.json()["items"]} == {
            lazy["interview_id"],
            swept["interview_id"],
        }


# --- delete my interview -----------------------------------------------------------------------


async def test_candidate_deletes_own_interview(sqlite_store: InterviewStore) -> None:
    async with people_client(sqlite_store) as (client, ctx):
        mine = await create_interview(client)
        live = await create_interview(client, profile_key=mine["profile_key"])
        await planned(sqlite_store, live["interview_id"])
        await sqlite_store.set_status(live["interview_id"], InterviewStatus.LIVE)
        path = f"/api/interviews/{live['interview_id']}/mine"
        r = await client.delete(path, headers=bearer(live["participant_token"]))
        assert r.status_code == 409  # not while the room is running

        path = f"/api/interviews/{mine['interview_id']}/mine"
        assert (await client.delete(path)).status_code == 401
        assert (
            await client.delete(path, headers=bearer(mine["participant_token"]))
        ).status_code == 204
        assert await sqlite_store.get(mine["interview_id"]) is None
        entries, _ = await ctx.auth.accounts.audit_page(limit=5, offset=0)
        assert [(e.actor, e.action.value, e.target) for e in entries] == [
            ("candidate (participant token)", "interview.deleted", mine["interview_id"])
        ]
        assert (
            await client.delete(path, headers=bearer(mine["participant_token"]))
        ).status_code == 403


# --- invitations ---------------------------------------------------------------------------------


async def test_invitation_locks_fields_hides_ideal_answers_and_is_single_use(
    sqlite_store: InterviewStore,
) -> None:
    async with people_client(sqlite_store, self_serve_enabled=False) as (client, _ctx):
        recruiter = await api_key_headers(sqlite_store, Role.RECRUITER)
        viewer = await api_key_headers(sqlite_store, Role.VIEWER)
        assert (
            await client.post("/api/templates", json=TEMPLATE, headers=viewer)
        ).status_code == 403
        too_many = {**TEMPLATE, "questions": [{"text": f"Q{i}"} for i in range(11)]}
        r = await client.post("/api/templates", json=too_many, headers=recruiter)
        assert r.status_code == 422 and r.json()["field"] == "questions"
        template = (await client.post("/api/templates", json=TEMPLATE, headers=recruiter)).json()
        path = f"/api/templates/{template['id']}/invitations"
        label = {"candidate_name": "Ada Lovelace", "candidate_email": "ada@example.test"}
        assert (await client.post(path, json=label, headers=viewer)).status_code == 403
        invitation = (await client.post(path, json=label, headers=recruiter)).json()
        token = invitation["token"]
        assert invitation["status"] == "sent" and invitation["url"].endswith(f"/invite/{token}")
        assert token not in str((await client.get("/api/invitations", headers=viewer)).json())

        # self-serve is switched off: only the invitation creates an interview
        assert (await client.post("/api/interviews", data=consent_form())).status_code == 403

        opened = await client.get(f"/api/invitations/{token}")
        assert opened.status_code == 200
        view = opened.json()
        assert "SECRET-IDEAL" not in opened.text and "readiness probe" not in opened.text
        assert view["role"] == "Platform engineer" and view["duration_minutes"] == 45
        assert view["candidate_name"] == "Ada Lovelace" and view["question_count"] == 3
        statuses = {
            i["id"]: i["status"]
            for i in (await client.get("/api/invitations", headers=viewer)).json()["items"]
        }
        assert statuses[invitation["id"]] == "opened"

        # the locked fields win over whatever the form says; consent is still required
        form = {"invitation": token, "role": "Chef", "duration_minutes": "15"}
        assert (await client.post("/api/interviews", data=form)).status_code == 422
        r = await client.post("/api/interviews", data={**form, "consent": "true"})
        assert r.status_code == 201, r.text
        created = r.json()
        record = await sqlite_store.get(created["interview_id"])
        assert record is not None
        assert record.plan.role == "Platform engineer" and record.plan.planned_minutes == 45
        assert record.plan.candidate_name == "Ada Lovelace"
        assert [q.ideal_answer for q in record.plan.custom_questions] == [
            "SECRET-IDEAL-ONE",
            "SECRET-IDEAL-TWO",
            None,
        ]
        # the plan written in the background asks the recruiter's questions first, without
        # their ideal answers (those stay in custom_questions, for the evaluator only)
        plan = await planned(sqlite_store, created["interview_id"])
        assert plan.design is not None
        custom = [q for q in plan.design.questions if q.id.startswith("custom-")]
        assert [q.text for q in custom] == [
            "How do you roll back a bad deploy?",
            "What does a readiness probe do?",
            "Tell me about an outage you handled.",
        ]
        assert "SECRET-IDEAL" not in plan.design.model_dump_json()
        feedback = await client.get(
            f"/api/interviews/{created['interview_id']}/feedback",
            headers=bearer(created["participant_token"]),
        )
        assert "SECRET-IDEAL" not in feedback.text

        # single use
        again = await client.post("/api/interviews", data={**form, "consent": "true"})
        assert again.status_code == 410 and again.json()["field"] == "invitation"
        assert (await client.get(f"/api/invitations/{token}")).status_code == 410

        def status_of(items: list[dict[str, Any]]) -> str:
            return str(next(i["status"] for i in items if i["id"] == invitation["id"]))

        items = (await client.get("/api/invitations", headers=viewer)).json()["items"]
        assert status_of(items) == "started"
        await sqlite_store.set_status(created["interview_id"], InterviewStatus.ENDED)
        items = (await client.get("/api/invitations", headers=viewer)).json()["items"]
        assert status_of(items) == "completed"

        # an expired link: listed as expired, refused with a message
        late = (await client.post(path, json={}, headers=recruiter)).json()
        async with sqlite_store.engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE invitations SET expires_at = :at WHERE id = :id"),
                {"at": datetime.now(UTC) - timedelta(hours=1), "id": late["id"]},
            )
        r = await client.post(
            "/api/interviews", data={"invitation": late["token"], "consent": "true"}
        )
        assert r.status_code == 410 and "expired" in r.json()["error"]
        items = (await client.get("/api/invitations", headers=viewer)).json()["items"]
        assert next(i["status"] for i in items if i["id"] == late["id"]) == "expired"

        unknown = await client.post(
            "/api/interviews", data={"invitation": "x" * 43, "consent": "true"}
        )
        assert unknown.status_code == 404


async def test_recruiters_revoke_unused_invitations_and_candidates_are_told(
    sqlite_store: InterviewStore,
) -> None:
    async with people_client(sqlite_store) as (client, ctx):
        recruiter = await api_key_headers(sqlite_store, Role.RECRUITER)
        viewer = await api_key_headers(sqlite_store, Role.VIEWER)
        template = (await client.post("/api/templates", json=TEMPLATE, headers=recruiter)).json()
        path = f"/api/templates/{template['id']}/invitations"

        async def invite(**label: str) -> dict[str, Any]:
            r = await client.post(path, json=label, headers=recruiter)
            assert r.status_code == 201, r.text
            created: dict[str, Any] = r.json()
            return created

        def revoke_path(invitation: dict[str, Any]) -> str:
            return f"/api/invitations/{invitation['id']}/revoke"

        async def listed_status(invitation: dict[str, Any]) -> str:
            items = (await client.get("/api/invitations", headers=viewer)).json()["items"]
            return str(next(i["status"] for i in items if i["id"] == invitation["id"]))

        wrong = await invite(candidate_email="wrong@example.test")
        assert (await client.get(f"/api/invitations/{wrong['token']}")).status_code == 200

        # role matrix: nobody and viewers may not; recruiters may
        assert (await client.post(revoke_path(wrong))).status_code == 401
        assert (await client.post(revoke_path(wrong), headers=viewer)).status_code == 403
        assert await listed_status(wrong) == "opened"
        unknown = "/api/invitations/00000000-0000-4000-8000-000000000000/revoke"
        assert (await client.post(unknown, headers=recruiter)).status_code == 404
        r = await client.post(revoke_path(wrong), headers=recruiter)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "revoked" and r.json()["revoked_at"]
        again = await client.post(revoke_path(wrong), headers=recruiter)  # idempotent
        assert again.status_code == 200 and again.json()["revoked_at"] == r.json()["revoked_at"]
        assert await listed_status(wrong) == "revoked"

        # the candidate's link says it was withdrawn (not "not found") and starts nothing
        opened = await client.get(f"/api/invitations/{wrong['token']}")
        assert opened.status_code == 410 and "withdrawn" in opened.json()["error"]
        before = (await sqlite_store.list())[1]
        refused = await client.post("/api/interviews", data=consent_form(invitation=wrong["token"]))
        assert refused.status_code == 410 and refused.json()["field"] == "invitation"
        assert "withdrawn" in refused.json()["error"]
        assert (await sqlite_store.list())[1] == before

        # a started invitation has an interview: not revocable
        used = await invite(candidate_name="Used Already")
        created = await client.post("/api/interviews", data=consent_form(invitation=used["token"]))
        assert created.status_code == 201, created.text
        r = await client.post(revoke_path(used), headers=recruiter)
        assert r.status_code == 409 and "already used" in r.json()["error"]
        assert await listed_status(used) == "started"
        await sqlite_store.set_status(created.json()["interview_id"], InterviewStatus.ENDED)
        assert (await client.post(revoke_path(used), headers=recruiter)).status_code == 409

        # an expired one: a no-op 200, still listed as expired
        late = await invite()
        async with sqlite_store.engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE invitations SET expires_at = :at WHERE id = :id"),
                {"at": datetime.now(UTC) - timedelta(hours=1), "id": late["id"]},
            )
        r = await client.post(revoke_path(late), headers=recruiter)
        assert r.status_code == 200 and r.json()["status"] == "expired"
        assert r.json()["revoked_at"] is None

        # a signed-in recruiter's browser: CSRF token required, like every cookie write
        await add_user(sqlite_store, "revoker@example.test")
        csrf = await sign_in(client, "revoker@example.test")
        filled = await invite(candidate_name="Position filled")
        forged = await client.post(revoke_path(filled))  # the cookie alone
        assert forged.status_code == 403 and "CSRF" in forged.json()["error"]
        r = await client.post(revoke_path(filled), headers=csrf_headers(csrf))
        assert r.status_code == 200 and r.json()["status"] == "revoked"

        entries, _ = await ctx.auth.accounts.audit_page(limit=50, offset=0)
        revoked = [e for e in entries if e.action == AuditAction.INVITATION_REVOKED]
        # one entry per withdrawal (not for the repeat, the refusals or the expired no-op)
        assert [e.target for e in revoked] == [
            f"invitation:{filled['id']}",
            f"invitation:{wrong['id']}",
        ]
        assert revoked[0].actor == "revoker@example.test"
        assert revoked[1].actor.startswith("api-key:")


async def test_recruiters_see_the_consent_the_candidate_gave(sqlite_store: InterviewStore) -> None:
    async with people_client(sqlite_store) as (client, _ctx):
        viewer = await api_key_headers(sqlite_store, Role.VIEWER)
        created = await create_interview(client)
        detail = (
            await client.get(f"/api/interviews/{created['interview_id']}", headers=viewer)
        ).json()
        consent = detail["consent"]
        assert consent["version"] == CONSENT_VERSION and consent["agreed_at"]
        assert consent["choices"] == {
            "recording": True,
            "camera_analysis": True,
            "ai_processing": True,
        }
        # an interview made before consent was recorded (no people row) has none
        old = await sqlite_store.create(InterviewPlan(role="Legacy"))
        detail = (await client.get(f"/api/interviews/{old.id}", headers=viewer)).json()
        assert detail["consent"] is None


async def test_recruiters_see_interviews_grouped_by_candidate(sqlite_store: InterviewStore) -> None:
    async with people_client(sqlite_store) as (client, _ctx):
        first = await create_interview(client, role="A")
        await create_interview(client, profile_key=first["profile_key"], role="B")
        await create_interview(client, role="C")
        viewer = await api_key_headers(sqlite_store, Role.VIEWER)
        groups = (await client.get("/api/candidates", headers=viewer)).json()["items"]
        assert assert_roles(groups) == [["C"], ["B", "A"]]  # newest group first
        assert (await client.get("/api/candidates")).status_code == 401


def assert_roles(groups: list[dict[str, Any]]) -> list[list[str]]:
    return [[i["role"] for i in g["interviews"]] for g in groups]


# --- exports ---------------------------------------------------------------------------------


async def test_exports_are_recruiter_only_audited_and_inert(sqlite_store: InterviewStore) -> None:
    async with people_client(sqlite_store) as (client, ctx):
        evil = '=HYPERLINK("http://evil.test","x")'
        created = await create_interview(client, role=evil)
        await create_interview(client, role="Plain")
        interview_id = created["interview_id"]
        await sqlite_store.set_status(interview_id, InterviewStatus.ENDED)
        await sqlite_store.save_report(interview_id, stored_report(interview_id, overall_score=3.0))
        recruiter = await api_key_headers(sqlite_store, Role.RECRUITER)
        viewer = await api_key_headers(sqlite_store, Role.VIEWER)
        assert (await client.get("/api/exports/reports.csv", headers=viewer)).status_code == 403
        assert (await client.get("/api/exports/reports.csv")).status_code == 401

        r = await client.get(
            "/api/exports/reports.csv", params={"status": "evaluated"}, headers=recruiter
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [row["interview_id"] for row in rows] == [interview_id]
        assert rows[0]["role"] == "'" + evil  # a spreadsheet shows it as text
        assert rows[0]["overall_score"] == "3.0"

        data = (await client.get("/api/exports/reports.json", headers=recruiter)).json()
        assert len(data) == 2
        assert (
            next(d for d in data if d["interview_id"] == interview_id)["report"]["overall_score"]
            == 3.0
        )

        # the browser's download: a signed link bound to the format and the filter
        link = (
            await client.get(
                "/api/exports/link",
                params={"format": "csv", "status": "evaluated"},
                headers=recruiter,
            )
        ).json()["url"]
        assert "sig=" in link and "Bearer" not in link
        assert (await client.get(link)).status_code == 200
        assert (
            await client.get(link.replace("status=evaluated", "status=ended"))
        ).status_code == 403
        assert (await client.get(link.replace("reports.csv", "reports.json"))).status_code == 403
        assert (await client.get(link[:-3] + "abc")).status_code == 403

        entries, _ = await ctx.auth.accounts.audit_page(limit=10, offset=0)
        exported = [e for e in entries if e.action.value == "interview.exported"]
        assert len(exported) == 3  # csv, json, the link
        assert all(e.actor.startswith("api-key:") for e in exported)


# --- outgoing webhooks -----------------------------------------------------------------------


async def test_webhooks_signed_retried_and_logged(sqlite_store: InterviewStore) -> None:
    settings = {
        "webhook_allow_private_urls": True,
        "webhook_backoff_seconds": 1.0,
        "webhook_max_attempts": 3,
    }
    async with (
        WebhookReceiver() as good,
        WebhookReceiver(statuses=[500]) as bad,
        people_client(sqlite_store, **settings) as (client, ctx),
    ):
        admin = await api_key_headers(sqlite_store, Role.ADMIN)
        recruiter = await api_key_headers(sqlite_store, Role.RECRUITER)
        body = {"url": good.url}
        assert (await client.post("/api/webhooks", json=body, headers=recruiter)).status_code == 403
        for wrong in ("ftp://example.test/x", "https://user:pw@example.test/x", "not a url"):
            r = await client.post("/api/webhooks", json={"url": wrong}, headers=admin)
            assert r.status_code == 422 and r.json()["field"] == "url", wrong
        endpoint = (await client.post("/api/webhooks", json=body, headers=admin)).json()
        secret = endpoint["secret"]
        assert secret.startswith("whsec_")
        failing = await client.post(
            "/api/webhooks",
            json={"url": bad.url, "events": ["interview.completed"]},
            headers=admin,
        )
        assert failing.status_code == 201
        listed = (await client.get("/api/webhooks", headers=admin)).json()["items"]
        assert len(listed) == 2 and "secret" not in str(listed)

        created = await create_interview(client, role="SRE", candidate_name="Grace Hopper")
        interview_id = created["interview_id"]
        await sqlite_store.set_status(interview_id, InterviewStatus.ENDED)
        sender = ctx.people.maintenance.sender
        await sender.run_once()
        assert len(good.received) == 1
        got = good.received[0]
        assert got.headers["X-Webhook-Event"] == "interview.completed"
        assert signature_ok(secret, got)
        assert not signature_ok("whsec_wrong", got)
        payload = got.json()
        assert payload["event"] == "interview.completed"
        assert payload["interview"]["id"] == interview_id
        assert "Grace" not in got.body.decode()  # no names in webhooks
        tampered = type(got)(headers=got.headers, body=got.body.replace(b"SRE", b"SRX"))
        assert not signature_ok(secret, tampered)

        await sqlite_store.save_report(interview_id, stored_report(interview_id))
        await sender.run_once()
        assert [r.headers["X-Webhook-Event"] for r in good.received] == [
            "interview.completed",
            "interview.evaluated",
        ]
        assert good.received[1].json()["interview"]["overall_score"] == 3.5

        # the failing receiver: retried with back-off, then given up, all in the log
        assert len(bad.received) == 1
        await sender.run_once()  # not due yet: the back-off (1 s) has not passed
        assert len(bad.received) == 1
        await asyncio.sleep(1.1)
        await sender.run_once()
        assert len(bad.received) == 2
        pending = (await ctx.people.store.deliveries(endpoint_id=failing.json()["id"]))[0]
        assert pending.state == DeliveryState.PENDING and pending.next_attempt_at is not None
        waits = pending.next_attempt_at - datetime.now(UTC)
        assert timedelta(seconds=1.5) < waits <= timedelta(seconds=2)  # the back-off doubled
        await asyncio.sleep(2.1)
        await sender.run_once()
        assert len(bad.received) == 3
        await sender.run_once()
        assert len(bad.received) == 3  # max attempts reached
        log = (await client.get("/api/webhooks/deliveries", headers=admin)).json()["items"]
        by_endpoint = {
            d["endpoint_id"]: d for d in log if d["event"] == WebhookEvent.INTERVIEW_COMPLETED
        }
        failed = by_endpoint[failing.json()["id"]]
        assert failed["state"] == "failed" and failed["attempts"] == 3
        assert failed["last_status"] == 500 and failed["last_error"] == "HTTP 500"
        delivered = by_endpoint[endpoint["id"]]
        assert delivered["state"] == "delivered" and delivered["attempts"] == 1
        assert (await client.get("/api/webhooks/deliveries", headers=recruiter)).status_code == 403


async def test_webhook_urls_on_private_addresses_are_refused_by_default(
    sqlite_store: InterviewStore,
) -> None:
    async with people_client(sqlite_store) as (client, _ctx):
        admin = await api_key_headers(sqlite_store, Role.ADMIN)
        for url in (
            "http://127.0.0.1:9/x",
            "http://localhost/x",
            "http://10.1.2.3/x",
            "http://[::1]/x",
        ):
            r = await client.post("/api/webhooks", json={"url": url}, headers=admin)
            assert r.status_code == 422 and "private" in r.json()["error"], url
        ok = await client.post(
            "/api/webhooks", json={"url": "https://ats.example.com/hook"}, headers=admin
        )
        assert ok.status_code == 201


# --- no candidate credential opens another candidate's data ------------------------------------


async def test_candidate_credentials_never_cross(sqlite_store: InterviewStore) -> None:
    async with people_client(sqlite_store) as (client, _ctx):
        recruiter = await api_key_headers(sqlite_store, Role.RECRUITER)
        template = (await client.post("/api/templates", json=TEMPLATE, headers=recruiter)).json()
        link = (
            await client.post(
                f"/api/templates/{template['id']}/invitations", json={}, headers=recruiter
            )
        ).json()["token"]
        invited = (
            await client.post("/api/interviews", data={"consent": "true", "invitation": link})
        ).json()
        other = await create_interview(client, role="Someone else")
        victim = f"/api/interviews/{other['interview_id']}"
        own = f"/api/interviews/{invited['interview_id']}"

        credentials: list[dict[str, str]] = [
            bearer(invited["participant_token"]),  # another interview's participant token
            {"X-Profile-Key": invited["profile_key"]},  # another profile's key
            bearer(link),  # an invitation link is no interview credential
            {"X-Profile-Key": link},
            bearer(invited["profile_key"]),  # a profile key is not a bearer token
            {"X-Profile-Key": invited["participant_token"][:128]},
        ]
        for headers in credentials:
            for method, path in (("GET", f"{victim}/feedback"), ("DELETE", f"{victim}/mine")):
                r = await client.request(method, path, headers=headers)
                assert r.status_code == 403, (headers, path, r.status_code)
            # and none of them is a recruiter credential
            assert (await client.get(victim, headers=headers)).status_code in (401, 403)
            assert (await client.get("/api/exports/reports.json", headers=headers)).status_code in (
                401,
                403,
            )
        # the invitation link opens only its own template's view, without the interview
        view = await client.get(f"/api/invitations/{link}")
        assert view.status_code == 410 and invited["interview_id"] not in view.text
        # the right credentials still open their own interview
        r = await client.get(f"{own}/feedback", headers=bearer(invited["participant_token"]))
        assert r.status_code == 200
        r = await client.get(f"{own}/feedback", headers={"X-Profile-Key": invited["profile_key"]})
        assert r.status_code == 200
        assert await sqlite_store.get(other["interview_id"]) is not None
