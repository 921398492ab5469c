"""The Gemini review path against the generate_content emulator on loopback."""

from __future__ import annotations

import asyncio
import io
import json
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from PIL import Image
from pydantic import SecretStr

from agent.store_writer import StoreWriter
from agent.vision import VisionService, VisionSettings
from agent.vision.gemini_review import GeminiReviewer, ReviewFrame
from interview_store import EventKind, InterviewStore
from testkit.gemini_api import FakeGeminiApi, Reply
from testkit.interview_fixtures import FakeClock, sample_plan


def settings(api: FakeGeminiApi, **kw: object) -> VisionSettings:
    return VisionSettings(  # type: ignore[call-arg]
        _env_file=None,
        GOOGLE_API_KEY=SecretStr("test-key"),
        gemini_base_url=api.base_url,
        gemini_model="gemini-2.5-flash",
        **kw,
    )


def frame(at: float, phase: str = "technical", value: int = 100) -> ReviewFrame:
    rgb = np.full((240, 320, 3), value, np.uint8)
    return ReviewFrame(rgb=rgb, at=at, phase=phase, source="camera")


def finding(kind: str, confidence: float, description: str = "observable fact") -> dict[str, Any]:
    return {"kind": kind, "description": description, "confidence": confidence}


async def test_request_carries_frames_and_schema() -> None:
    async with FakeGeminiApi() as api:
        reviewer = GeminiReviewer.from_settings(settings(api, gemini_batch_frames=4))
        assert reviewer is not None
        for i in range(6):
            reviewer.add_frame(frame(at=100.0 + 2 * i, value=10 * i))
        api.queue_json(
            {
                "findings": [
                    finding("reading_from_notes", 0.85, "looks down at a sheet of paper"),
                    finding("another_person", 0.3),  # not significant enough to keep
                ]
            }
        )
        observations = await reviewer.review_once()

    (req,) = api.requests
    assert req.model == "gemini-2.5-flash"
    assert api.api_keys == ["test-key"]
    images = req.images()
    assert len(images) == 4 and all(mime == "image/jpeg" for mime, _ in images)
    # evenly spread, oldest first, ending with the newest frame (values 10*i survive JPEG)
    shades = [int(np.asarray(Image.open(io.BytesIO(raw))).mean()) for _, raw in images]
    assert shades[-1] == pytest.approx(50, abs=2) and shades == sorted(shades)
    config = req.generation_config
    assert config["responseMimeType"] == "application/json"
    schema = json.dumps(config.get("responseSchema") or config.get("responseJsonSchema"))
    assert "findings" in schema and "reading_from_notes" in schema
    assert "Never describe emotions" in req.system_instruction
    assert "Interview phase: technical" in req.text

    (obs,) = observations
    assert (obs.source, obs.kind, obs.phase, obs.confidence) == (
        "gemini",
        "reading_from_notes",
        "technical",
        0.85,
    )
    assert obs.at == 110.0 and obs.data["description"] == "looks down at a sheet of paper"
    assert reviewer.stats.ok == 1

    # frames already reviewed are not sent again
    assert await reviewer.review_once() == []
    assert reviewer.stats.requests == 1


@pytest.mark.parametrize(
    ("reply", "counter"),
    [
        (Reply(text="I think the candidate looks fine!"), "malformed"),
        (Reply(text=json.dumps({"findings": [finding("nervousness", 0.9)]})), "malformed"),
        (Reply(text=json.dumps({"findings": [finding("camera_issue", 7)]})), "malformed"),
        (Reply(status=500), "api_errors"),
        (Reply(status=429, error_message="quota"), "api_errors"),
        (Reply(text=json.dumps({"findings": []}), delay_s=3.0), "timeouts"),
    ],
)
async def test_bad_answers_cost_one_review_only(reply: Reply, counter: str) -> None:
    async with FakeGeminiApi() as api:
        reviewer = GeminiReviewer.from_settings(settings(api, gemini_timeout_s=1.5))
        assert reviewer is not None
        reviewer.add_frame(frame(at=1.0))
        api.queue(reply)
        assert await reviewer.review_once() == []
        assert getattr(reviewer.stats, counter) == 1
        # and the next review works
        reviewer.add_frame(frame(at=2.0))
        api.queue_json({"findings": [finding("camera_issue", 0.9)]})
        (obs,) = await reviewer.review_once()
        assert obs.kind == "camera_issue"


async def test_repeated_findings_are_not_stored_twice() -> None:
    async with FakeGeminiApi() as api:
        reviewer = GeminiReviewer.from_settings(settings(api))
        assert reviewer is not None
        api.queue_json(
            {"findings": [finding("code_visible", 0.9, "Python function on screen")]},
            {"findings": [finding("code_visible", 0.9, "Python function on screen")]},
        )
        reviewer.add_frame(frame(at=10.0, phase="coding"))
        assert len(await reviewer.review_once()) == 1
        reviewer.add_frame(frame(at=30.0, phase="coding"))
        assert await reviewer.review_once() == []  # same kind within the repeat window


def test_no_key_no_reviewer() -> None:
    s = VisionSettings(_env_file=None, GOOGLE_API_KEY=None)  # type: ignore[call-arg]
    assert GeminiReviewer.from_settings(s) is None


async def test_service_stores_gemini_observations_and_hints(sqlite_store: InterviewStore) -> None:
    record = await sqlite_store.create(sample_plan())
    clock = FakeClock()
    async with FakeGeminiApi() as api:
        api.queue_json(
            {"findings": [finding("looking_at_other_screen", 0.8, "eyes repeatedly to the left")]}
        )
        writer = StoreWriter(sqlite_store, record.id)
        vision = VisionService(
            settings=settings(api, gemini_interval_s=0.05, gemini_image_max_side=200),
            writer=writer,
            phase=lambda: "behavioural",
            analyzer_factory=None,  # only the Gemini layer here
            clock=clock,
            monotonic=clock,
        )
        fake_session = SimpleNamespace(input=SimpleNamespace(video=None))
        await vision.start()
        rgba = np.zeros((480, 640, 4), np.uint8)
        rgba[..., 3] = 255
        for _ in range(3):
            clock.advance(2.0)
            video_frame = rtc.VideoFrame(640, 480, rtc.VideoBufferType.RGBA, rgba.tobytes())
            assert vision.sampler(video_frame, fake_session)  # type: ignore[arg-type]
        await vision.flush()

        # frames reach the reviewer after analysis, so under load the periodic review may
        # send them in more than one batch: wait until all three have gone out
        def sent_images() -> list[tuple[str, bytes]]:
            return [image for r in api.requests for image in r.images()]

        for _ in range(200):
            if len(sent_images()) >= 3 and vision.reviewer and vision.reviewer.stats.ok:
                break
            await asyncio.sleep(0.05)
        await vision.flush()
        await vision.aclose()
        await writer.aclose()

    images = sent_images()
    assert len(images) == 3
    width, height = Image.open(io.BytesIO(images[0][1])).size
    assert max(width, height) == 200  # downscaled before upload
    stored = await sqlite_store.get(record.id)
    assert stored is not None
    (obs,) = [o for o in stored.observations if o.source == "gemini"]
    assert obs.kind == "looking_at_other_screen" and obs.phase == "behavioural"
    (hint,) = stored.events_of(EventKind.HINT)
    assert hint.data["hint"] == "reading" and hint.data["delivered"] is False  # no session
    assert "eyes" not in hint.data["text"]  # templates only, never the model's words
