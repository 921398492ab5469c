"""`GET /api/interviews/{id}/feedback`, the candidate's view of their report, authorised by
the participant token they joined with (real app under uvicorn, real database)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from livekit import api

from interview_store import (
    CandidateFeedback,
    DimensionScore,
    FailureReason,
    InterviewStatus,
    InterviewStore,
    LearningItem,
    ReportFlag,
    ReportStatus,
)
from tests.fake_interview import stored_report
from tests.tokenserver_harness import API_KEY, API_SECRET, client_for, planned


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token(room: str, identity: str, ttl: timedelta) -> str:
    return (
        api.AccessToken(API_KEY, API_SECRET)
        .with_identity(identity)
        .with_ttl(ttl)
        .with_grants(api.VideoGrants(room_join=True, room=room))
        .to_jwt()
    )


async def test_feedback_is_the_candidate_subset_once_evaluated(store: InterviewStore) -> None:
    async with client_for(store) as client:
        created = (
            await client.post("/api/interviews", data={"consent": "true", "role": "Data analyst"})
        ).json()
        url = f"/api/interviews/{created['interview_id']}/feedback"
        auth = _bearer(created["participant_token"])

        # the plan is written in the background (here the bank's at once: no Google key), so
        # a busy machine may answer `preparing` first
        for _ in range(200):
            r = await client.get(url, headers=auth)
            assert r.status_code == 200
            if r.json()["status"] != "preparing":
                break
            await asyncio.sleep(0.05)
        # no Google key here: the plan is the question bank's, and the body says so
        assert r.json() == {
            "status": "created",
            "report_status": None,
            "feedback": None,
            "plan_source": "fallback",
            "failure_reason": None,
        }
        assert "no-store" in r.headers["cache-control"]

        interview_id = created["interview_id"]
        await store.set_status(interview_id, InterviewStatus.LIVE)
        await store.set_status(interview_id, InterviewStatus.ENDED)
        assert (await client.get(url, headers=auth)).json()["feedback"] is None

        feedback = CandidateFeedback(
            strengths=["Backed claims with numbers from real work."],
            improvements=["Lead with the conclusion, then the detail."],
            learning_plan=[LearningItem(topic="Indexing", why="Covering indexes.", actions=[])],
        )
        report = stored_report(
            interview_id,
            overall_score=3.5,
            flags=[ReportFlag.NEEDS_HUMAN_REVIEW],
            strengths=["Led a team of three (recruiter wording)."],
            cv_accuracy_notes=["CV claims twelve reports."],
            dimensions=[
                DimensionScore(
                    key="communication",
                    name="Communication",
                    question="q",
                    score=3.5,
                    run_scores=[3, 4],
                    supported=True,
                    disagreement=False,
                    anchor=None,
                    rationale="Rambled in the intro.",
                    evidence=[],
                    rejected_evidence=[],
                )
            ],
            candidate_feedback=feedback,
        )
        await store.save_report(interview_id, report)
        body = (await client.get(url, headers=auth)).json()
        assert body["status"] == "evaluated" and body["report_status"] == "scored"
        assert body["feedback"] == feedback.model_dump(mode="json")
        text = r.text + str(body)
        for secret in (
            "overall_score",
            "recommendation",
            "dimensions",
            "team of three",
            "twelve",
            "Rambled",
            "3.5",
        ):
            assert secret not in text


async def test_feedback_explains_a_report_without_scores(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        created = (
            await client.post("/api/interviews", data={"consent": "true", "role": "QA"})
        ).json()
        interview_id = created["interview_id"]
        await sqlite_store.set_status(interview_id, InterviewStatus.ENDED)
        report = stored_report(
            interview_id,
            status=ReportStatus.INSUFFICIENT_SIGNAL,
            overall_score=None,
            message="Too little signal: the candidate spoke in 1 turn.",
            candidate_feedback=CandidateFeedback(
                improvements=["The session was too short for feedback."]
            ),
        )
        await sqlite_store.save_report(interview_id, report)
        r = await client.get(
            f"/api/interviews/{interview_id}/feedback",
            headers=_bearer(created["participant_token"]),
        )
        body = r.json()
        assert body["report_status"] == "insufficient_signal"
        assert body["feedback"]["improvements"] == ["The session was too short for feedback."]
        assert "Too little signal" not in r.text  # the message is worded for recruiters


async def test_feedback_says_why_an_interview_failed_when_the_page_words_it(
    sqlite_store: InterviewStore,
) -> None:
    """A silent candidate is told so (not "something went wrong on our side"); a free-text
    reason from another writer stays between recruiters."""
    async with client_for(sqlite_store) as client:
        reasons: dict[str, str | None] = {}
        for stored in (FailureReason.CANDIDATE_SILENT, FailureReason.AGENT_STOPPED, "disk full"):
            created = (
                await client.post("/api/interviews", data={"consent": "true", "role": "QA"})
            ).json()
            interview_id = created["interview_id"]
            await planned(sqlite_store, interview_id)
            await sqlite_store.set_status(interview_id, InterviewStatus.LIVE)
            await sqlite_store.set_status(interview_id, InterviewStatus.FAILED, reason=stored)
            r = await client.get(
                f"/api/interviews/{interview_id}/feedback",
                headers=_bearer(created["participant_token"]),
            )
            assert r.status_code == 200 and r.json()["status"] == "failed"
            reasons[stored] = r.json()["failure_reason"]
    assert reasons == {
        "the candidate never spoke": "the candidate never spoke",
        "the interviewer stopped unexpectedly": "the interviewer stopped unexpectedly",
        "disk full": None,
    }


async def test_feedback_requires_this_interviews_participant_token(
    sqlite_store: InterviewStore,
) -> None:
    async with client_for(sqlite_store) as client:
        mine = (await client.post("/api/interviews", data={"consent": "true", "role": "A"})).json()
        other = (await client.post("/api/interviews", data={"consent": "true", "role": "B"})).json()
        url = f"/api/interviews/{mine['interview_id']}/feedback"
        record = await sqlite_store.get(mine["interview_id"])
        assert record is not None

        r = await client.get(url)
        assert r.status_code == 401 and r.json()["error"]
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert (await client.get(url, headers=_bearer("not-a-jwt"))).status_code == 403
        assert (
            await client.get(url, headers=_bearer(other["participant_token"]))
        ).status_code == 403
        # right room, wrong person
        stranger = _token(record.room, "candidate-someone-else", timedelta(minutes=5))
        assert (await client.get(url, headers=_bearer(stranger))).status_code == 403
        # signed with another secret
        forged = (
            api.AccessToken(API_KEY, "another-secret-another-secret-0000")
            .with_identity(record.candidate_identity)
            .with_grants(api.VideoGrants(room_join=True, room=record.room))
            .to_jwt()
        )
        assert (await client.get(url, headers=_bearer(forged))).status_code == 403
        # an unknown interview answers like someone else's: ids cannot be probed
        unknown = "/api/interviews/00000000-0000-4000-8000-000000000000/feedback"
        assert (
            await client.get(unknown, headers=_bearer(mine["participant_token"]))
        ).status_code == 403


async def test_expired_participant_token_works_within_the_grace_period(
    sqlite_store: InterviewStore,
) -> None:
    async with client_for(sqlite_store) as client:
        created = (
            await client.post("/api/interviews", data={"consent": "true", "role": "A"})
        ).json()
        record = await sqlite_store.get(created["interview_id"])
        assert record is not None
        url = f"/api/interviews/{record.id}/feedback"
        hour_old = _token(record.room, record.candidate_identity, timedelta(hours=-1))
        assert (await client.get(url, headers=_bearer(hour_old))).status_code == 200
        too_old = _token(record.room, record.candidate_identity, timedelta(days=-8))
        assert (await client.get(url, headers=_bearer(too_old))).status_code == 403
