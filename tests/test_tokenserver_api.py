"""POST /api/interviews against the real app under uvicorn on loopback: the token, the stored
plan, and every documented rejection (with nothing written to the database)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt as pyjwt
import pytest
from livekit import api

from interview_store import InterviewStatus, InterviewStore
from testkit.cv_samples import (
    NAME,
    corrupt_cv_pdf,
    encrypted_cv_pdf,
    image_only_cv_pdf,
    normal_cv_docx,
    normal_cv_pdf,
    page_bomb_pdf,
)
from tests.tokenserver_harness import API_KEY, API_SECRET, LIVEKIT_URL, client_for, make_settings

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def _count(store: InterviewStore) -> int:
    return (await store.list(limit=1))[1]


async def test_create_without_cv_mints_a_scoped_token(store: InterviewStore) -> None:
    async with client_for(store) as client:
        r = await client.post(
            "/api/interviews",
            files={
                "consent": (None, "true"),
                "role": (None, "Backend engineer"),
                "level": (None, "advanced"),
            },
        )
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {
        "interview_id",
        "room",
        "server_url",
        "participant_token",
        "status",
        "ready_within_s",
        "profile_key",  # the first interview from this browser made the candidate's profile
    }
    assert body["status"] == "preparing" and body["ready_within_s"] > 0
    assert body["room"] == f"interview-{body['interview_id']}"
    assert body["server_url"] == LIVEKIT_URL
    assert r.headers["x-request-id"]

    claims = api.TokenVerifier(API_KEY, API_SECRET).verify(body["participant_token"])
    decoded = pyjwt.decode(body["participant_token"], options={"verify_signature": False})
    assert decoded["exp"] - decoded["nbf"] == 900
    assert abs(decoded["nbf"] - time.time()) < 60
    video = claims.video
    assert video is not None
    assert video.room_join is True and video.room == body["room"]
    assert sorted(video.can_publish_sources or []) == sorted(
        ["camera", "microphone", "screen_share", "screen_share_audio"]
    )
    assert video.can_subscribe is True
    for admin in ("room_create", "room_list", "room_record", "room_admin", "ingress_admin"):
        assert not getattr(video, admin), admin
    assert not video.hidden and not video.recorder and not video.agent
    assert set(decoded) <= {"sub", "iss", "nbf", "exp", "name", "video", "roomConfig"}
    assert claims.room_config is not None
    (dispatch,) = claims.room_config.agents
    assert dispatch.agent_name == "interviewer"
    assert json.loads(dispatch.metadata) == {"interview_id": body["interview_id"]}
    assert not claims.room_config.HasField("egress")  # RECORDING_MODE=agent (default)

    record = await store.get(body["interview_id"])
    assert record is not None
    assert record.status == InterviewStatus.CREATED  # the plan was written (bank: no key)
    assert record.plan.design is not None and record.plan.design.source == "fallback"
    assert record.room == body["room"] and record.candidate_identity == claims.identity
    assert record.plan.role == "Backend engineer" and record.plan.level == "advanced"
    assert record.plan.interview_type == "mixed" and record.plan.cv is None


async def test_identities_are_unique_per_candidate(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        tokens = [
            (await client.post("/api/interviews", data={"consent": "true", "role": "SRE"})).json()[
                "participant_token"
            ]
            for _ in range(3)
        ]
    verify = api.TokenVerifier(API_KEY, API_SECRET).verify
    assert len({verify(t).identity for t in tokens}) == 3
    assert len({verify(t).video.room for t in tokens}) == 3  # type: ignore[union-attr]


async def test_auto_egress_puts_a_room_composite_in_the_token(
    sqlite_store: InterviewStore,
) -> None:
    async with client_for(
        sqlite_store,
        recording_mode="auto_egress",
        token_ttl_seconds=600,
        agent_name="iv2",
        egress_layout="grid",
    ) as client:
        body = (
            await client.post("/api/interviews", data={"consent": "true", "role": "SRE"})
        ).json()
    claims = api.TokenVerifier(API_KEY, API_SECRET).verify(body["participant_token"])
    config = claims.room_config
    assert config is not None and config.agents[0].agent_name == "iv2"
    (output,) = config.egress.room.file_outputs
    assert output.filepath == f"/out/interviews/{body['interview_id']}/egress-{{time}}.mp4"
    assert output.file_type == api.EncodedFileType.MP4
    assert config.egress.room.layout == "grid"
    decoded = pyjwt.decode(body["participant_token"], options={"verify_signature": False})
    assert decoded["exp"] - decoded["nbf"] == 600


async def test_create_with_pdf_cv_parses_sections_and_skill_gap(store: InterviewStore) -> None:
    jd = "We need Python, PostgreSQL, Kafka and Kubernetes experience; Go is a plus."
    async with client_for(store) as client:
        r = await client.post(
            "/api/interviews",
            data={
                "consent": "true",
                "role": "Backend engineer",
                "interview_type": "technical",
                "job_description": jd,
                "candidate_name": f"  {NAME} ",
            },
            files={"cv": ("cv.pdf", normal_cv_pdf(), PDF)},
        )
    assert r.status_code == 201, r.text
    record = await store.get(r.json()["interview_id"])
    assert record is not None and record.plan.cv is not None
    cv = record.plan.cv
    assert cv.file_type == "pdf" and cv.pages == 2
    assert "zelda@example.org" in cv.sections.contact
    assert "PostgreSQL" in cv.sections.skills
    assert "Acme Corp" in cv.sections.experience and "Globex" in cv.sections.experience
    assert "tinyqueue" in cv.sections.projects
    assert "BSc Computer Science" in cv.sections.education
    assert record.plan.skill_gap is not None
    assert record.plan.skill_gap.matched == ["Python", "PostgreSQL", "Kubernetes"]
    assert record.plan.skill_gap.missing == ["Go", "Kafka"]
    assert record.plan.candidate_name == NAME
    assert record.plan.interview_type == "technical"


async def test_create_with_docx_cv(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        r = await client.post(
            "/api/interviews",
            data={
                "consent": "true",
                "role": "Platform engineer",
                "job_description": "Terraform and AWS, Rust",
            },
            files={"cv": ("cv.docx", normal_cv_docx(), DOCX)},
        )
    assert r.status_code == 201, r.text
    record = await sqlite_store.get(r.json()["interview_id"])
    assert record is not None and record.plan.cv is not None
    assert record.plan.cv.file_type == "docx"
    assert "Terraform" in record.plan.cv.sections.skills
    assert "Kubernetes and gRPC" in record.plan.cv.sections.experience
    assert record.plan.skill_gap is not None
    assert record.plan.skill_gap.matched == ["AWS", "Terraform"]
    assert record.plan.skill_gap.missing == ["Rust"]


@pytest.mark.parametrize(
    ("name", "make", "status", "words"),
    [
        ("encrypted", encrypted_cv_pdf, 422, "password"),
        ("corrupt", corrupt_cv_pdf, 422, "damaged"),
        ("image-only", image_only_cv_pdf, 422, "scanned"),
        ("500 pages", page_bomb_pdf, 422, "500 pages"),
        ("not a cv", lambda: b"just some text, not a document at all", 415, "PDF or a DOCX"),
        ("empty", lambda: b"", 422, "empty"),
    ],
)
async def test_unusable_cvs_are_rejected_with_advice(
    sqlite_store: InterviewStore, name: str, make: object, status: int, words: str
) -> None:
    assert callable(make)
    async with client_for(sqlite_store) as client:
        r = await client.post(
            "/api/interviews",
            data={"consent": "true", "role": "Backend engineer", "candidate_name": NAME},
            files={"cv": (f"{name}.pdf", make(), PDF)},
        )
    assert r.status_code == status, r.text
    assert r.json()["field"] == "cv"
    assert words in r.json()["error"]
    assert await _count(sqlite_store) == 0


async def test_oversize_cv_and_body_get_413(sqlite_store: InterviewStore) -> None:
    big = b"%PDF-1.4\n" + b"0" * 300_000
    async with client_for(sqlite_store, max_cv_bytes=200_000) as client:
        r = await client.post(
            "/api/interviews",
            data={"consent": "true", "role": "SRE"},
            files={"cv": ("cv.pdf", big, PDF)},
        )
        assert r.status_code == 413 and r.json()["field"] == "cv", r.text
        assert "MB" in r.json()["error"]
        # a body far beyond MAX_CV_BYTES + form allowance is cut off before it is parsed
        huge = b"x" * 2_000_000
        r = await client.post(
            "/api/interviews",
            data={"consent": "true", "role": "SRE"},
            files={"cv": ("cv.pdf", huge, PDF)},
        )
        assert r.status_code == 413, r.text
        assert "error" in r.json()

        # no Content-Length (chunked upload): the limit is enforced while streaming
        async def chunks() -> AsyncIterator[bytes]:
            yield b'--b\r\nContent-Disposition: form-data; name="role"\r\n\r\nSRE\r\n'
            yield b'--b\r\nContent-Disposition: form-data; name="cv"; filename="cv.pdf"\r\n\r\n'
            for _ in range(20):
                yield b"%" * 50_000

        r = await client.post(
            "/api/interviews",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert r.status_code == 413, r.text
        assert "content-length" not in r.request.headers
    assert await _count(sqlite_store) == 0


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"level": "beginner"}, "role", "role"),
        ({"role": "   "}, "role", "role"),
        ({"role": "x" * 201}, "role", "200"),
        ({"role": "SRE", "level": "guru"}, "level", "beginner, intermediate, advanced"),
        ({"role": "SRE", "interview_type": "chat"}, "interview_type", "system_design"),
        ({"role": "SRE", "job_description": "j" * 20_001}, "job_description", "20,000"),
        ({"role": "SRE", "candidate_name": "n" * 101}, "candidate_name", "100"),
    ],
)
async def test_invalid_fields_say_what_to_fix(
    sqlite_store: InterviewStore, fields: dict[str, str], field: str, words: str
) -> None:
    async with client_for(sqlite_store) as client:
        form = {"consent": "true", **fields}
        r = await client.post("/api/interviews", files={k: (None, v) for k, v in form.items()})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert words in r.json()["error"]
    assert await _count(sqlite_store) == 0


async def test_malformed_requests_are_4xx_json_never_500(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        cases = [
            await client.post("/api/interviews", json={"role": "SRE"}),
            await client.post(
                "/api/interviews",
                content=b"--xx\r\nContent-Disposition: form-data\r\n\r\nbroken",
                headers={"Content-Type": "multipart/form-data; boundary=xx"},
            ),
            await client.post(
                "/api/interviews",
                content=b"garbage",
                headers={"Content-Type": "multipart/form-data"},
            ),
            await client.post(
                "/api/interviews",
                files={"role": ("role.txt", b"SRE", "text/plain")},
            ),
            await client.post(
                "/api/interviews", files={"role": (None, "SRE"), "cv": (None, "not a file")}
            ),
            await client.post(
                "/api/interviews",
                files=[("role", (None, "SRE")), ("role", (None, "QA"))],
            ),
            await client.post(
                "/api/interviews",
                content=b"\xff\xfe" * 10,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ),
            await client.get("/api/interviews/not-a-uuid"),
            await client.put("/api/interviews"),
            await client.get("/api/nothing-here"),
        ]
    for r in cases:
        assert 400 <= r.status_code < 500, (r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/json"), r.text
        assert "error" in r.json()
    assert await _count(sqlite_store) == 0


async def test_empty_file_input_from_a_browser_means_no_cv(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        r = await client.post(
            "/api/interviews",
            files={
                "consent": (None, "true"),
                "role": (None, "SRE"),
                "cv": ("", b"", "application/octet-stream"),
            },
        )
    assert r.status_code == 201, r.text


async def test_rate_limit_per_client_address(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store, rate_limit_per_minute=3) as client:
        statuses = [
            (
                await client.post("/api/interviews", data={"consent": "true", "role": "SRE"})
            ).status_code
            for _ in range(4)
        ]
        limited = await client.post("/api/interviews", data={"consent": "true", "role": "SRE"})
        # recruiter endpoints are not rate limited
        other = await client.get("/healthz")
    assert statuses == [201, 201, 201, 429]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "wait" in limited.json()["error"]
    assert other.status_code == 200
    assert await _count(sqlite_store) == 3


async def test_request_id_is_echoed_or_generated(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        mine = await client.get("/healthz", headers={"X-Request-ID": "trace-abc.123"})
        bad = await client.get("/healthz", headers={"X-Request-ID": "x" * 500})
    assert mine.headers["x-request-id"] == "trace-abc.123"
    assert len(bad.headers["x-request-id"]) == 32


async def test_many_concurrent_creates(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        rs: list[httpx.Response] = await asyncio.gather(
            *(
                client.post("/api/interviews", data={"consent": "true", "role": f"R{i}"})
                for i in range(30)
            )
        )
    assert [r.status_code for r in rs] == [201] * 30
    assert await _count(sqlite_store) == 30


async def test_store_create_returns_what_get_reads(store: InterviewStore) -> None:
    """The create hot path builds its answer without re-reading; it must equal a fresh read."""
    from interview_store import InterviewPlan

    created = await store.create(InterviewPlan(role="SRE", candidate_name="Ada"))
    assert created == await store.get(created.id)


def test_auto_egress_to_s3_uses_the_same_relative_key(tmp_path: Path) -> None:
    from tokenserver.tokens import CandidateGrant, TokenMinter, TokenOptions

    settings = make_settings(
        tmp_path,
        recording_mode="auto_egress",
        egress_s3_bucket="interviews",
        egress_s3_endpoint="http://minio:9000",
    )
    minter = TokenMinter(TokenOptions.from_settings(settings))
    iid = "00000000-0000-0000-0000-0000000000ab"
    jwt = minter.mint(CandidateGrant(interview_id=iid, room=f"interview-{iid}", identity="c-1"))
    claims = api.TokenVerifier(API_KEY, API_SECRET).verify(jwt)
    assert claims.room_config is not None
    (output,) = claims.room_config.egress.room.file_outputs
    assert output.filepath == f"interviews/{iid}/egress-{{time}}.mp4"
    assert output.s3.bucket == "interviews" and output.s3.endpoint == "http://minio:9000"


def test_token_options_come_from_settings_only(tmp_path: Path) -> None:
    """AGENT_NAME, TOKEN_TTL_SECONDS and the room timeouts have one default, in
    TokenServerSettings; what an operator sets there is what the token carries."""
    import dataclasses

    from tokenserver.tokens import CandidateGrant, TokenMinter, TokenOptions

    assert all(
        f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        for f in dataclasses.fields(TokenOptions)
    )
    settings = make_settings(
        tmp_path,
        agent_name="panel",
        token_ttl_seconds=120,
        room_empty_timeout_seconds=42,
        room_departure_timeout_seconds=7,
    )
    jwt = TokenMinter(TokenOptions.from_settings(settings)).mint(
        CandidateGrant(interview_id="i-1", room="interview-i-1", identity="c-1")
    )
    claims = pyjwt.decode(jwt, options={"verify_signature": False})
    assert claims["exp"] - claims["nbf"] == 120
    room_config = claims["roomConfig"]
    assert room_config["agents"][0]["agentName"] == "panel"
    assert room_config["emptyTimeout"] == 42 and room_config["departureTimeout"] == 7
    assert "egress" not in room_config  # RECORDING_MODE defaults to the agent starting it
