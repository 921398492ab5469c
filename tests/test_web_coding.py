"""The coding phase in a real browser against the real platform: the agent (Gemini being the Live
emulator, scripted to move to the coding section) puts a problem on screen, and the candidate's
page shows it, runs and submits code over LiveKit RPC to the agent, whose sandbox judges it;
the runs land in the interview record. While coding, the candidate's screen share replaces the
camera as the video the agent samples for the interviewer and the analysis, and the camera
comes back when the share stops.

How the test tells the two sources apart: by the shape of the frames the Live emulator receives.
The fake camera is a square y4m (600x600, the astronaut's face); Chromium's fake screen capture
is a 16:9 picture. The shape survives every step in between (WebRTC's CPU adaptation scales
both sides of a frame alike, the Gemini plugin fits frames into 1024x1024 keeping the aspect),
where sizes in pixels and content (JPEG bytes) would not.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image
from playwright.async_api import Browser, Page, async_playwright, expect

from interview_store.vocabulary import EventKind
from problem_bank import default_bank
from testkit.fake_media import astronaut_y4m
from testkit.gemini_api import CapturedRequest
from testkit.gemini_live import Reply
from testkit.platform_processes import E2EPlatform
from testkit.tls import LocalTLS
from tests.conftest import running_platform
from tests.web_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ensure_web_build, open_room

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.timeout(90),
    pytest.mark.asyncio(loop_scope="module"),
]

AGENT_MS = 30_000
"""ms to wait for what the agent does (dispatch, first turn) on 2 busy cores."""
JUDGE_MS = 30_000
"""ms for one sandboxed run, from the click to the results."""
SWITCH_S = 20.0
"""s for a source change to show in the sampled frames (publish, subscribe, pin, 1 fps)."""
ROOM_ARGS = [*CHROMIUM_ARGS, "--allow-loopback-in-peer-connection"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(
    livekit_server_binary: Path, tmp_path_factory: pytest.TempPathFactory, tls: LocalTLS
) -> AsyncIterator[E2EPlatform]:
    dist = ensure_web_build()
    async with running_platform(
        tmp_path_factory,
        tls,
        name="web-coding",
        # a frame review every 2 s (not 20): the test reads what the analysis was sent
        extra_env={"WEB_DIST_DIR": str(dist), "VISION_GEMINI_INTERVAL_S": "2"},
        evals=False,
    ) as platform:
        yield platform


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    media = tmp_path_factory.mktemp("media")
    # a silent fake microphone: Chromium's default beep would be heard as the candidate talking
    silence = media / "silence.wav"
    with wave.open(str(silence), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(b"\0\0" * 96_000)
    # a square camera: the screen share's frames are 16:9 (see the module docstring)
    camera = astronaut_y4m(media / "astronaut.y4m")
    args = [
        *ROOM_ARGS,
        f"--use-file-for-fake-audio-capture={silence}",
        f"--use-file-for-fake-video-capture={camera}",
    ]
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield b
        await b.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, platform: E2EPlatform) -> AsyncIterator[Page]:
    context = await browser.new_context(
        base_url=platform.base_url, viewport={"width": 1280, "height": 1400}
    )
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    await context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def source_of_size(size: tuple[int, int] | None) -> str:
    """Which fake capture a frame the interviewer received came from, by its aspect ratio."""
    if size is None:
        return "not an image"
    width, height = size
    ratio = width / height
    if abs(ratio - 1.0) < 0.05:
        return "camera"
    if abs(ratio - 16 / 9) < 0.05:
        return "screen"
    return f"{width}x{height}"


def sampled_sources(platform: E2EPlatform, since: int) -> list[str]:
    return [source_of_size(size) for size in platform.live.state.video_sizes[since:]]


def reviewed_frames(request: CapturedRequest) -> list[tuple[str, str]]:
    """(the source the agent labelled it with, its source by shape) of each frame of a
    frame review request (text "Frame i: <source>, ..." before each image)."""
    labels = re.findall(r"Frame \d+: (\w+),", request.text)
    shapes = [source_of_size(Image.open(io.BytesIO(data)).size) for _, data in request.images()]
    assert len(labels) == len(shapes), request.text
    return list(zip(labels, shapes, strict=True))


async def frames_from(platform: E2EPlatform, source: str, *, since: int, run: int = 3) -> int:
    """Wait for `run` consecutive frames from `source` among those received after index
    `since`; the index of the first of them."""

    async def check() -> tuple[int] | None:
        sources = sampled_sources(platform, since)
        for i in range(len(sources) - run + 1):
            if sources[i : i + run] == [source] * run:
                return (since + i,)
        return None

    try:
        (first,) = await platform.wait_until(check, timeout_s=SWITCH_S, what=f"{source} frames")
    except AssertionError as e:
        raise AssertionError(f"frames since #{since}: {sampled_sources(platform, since)}") from e
    return first


async def replace_code(page: Page, code: str) -> None:
    """Select everything in the editor and insert `code` as one input (typing key by key
    would let the editor's auto-indent and bracket closing rewrite it)."""
    editor = page.locator("#coding .cm-content")
    await editor.click()
    await page.keyboard.press("Control+a")
    await page.keyboard.press("Delete")
    await page.keyboard.insert_text(code)


async def test_coding_phase_runs_and_submits_code_from_the_page(
    page: Page, platform: E2EPlatform
) -> None:
    # the model's first turn moves to coding (the agent picks a problem), then speaks
    platform.live.push(
        Reply.call("transition_section", to_section="coding", reason="straight to coding"),
        Reply.say("Here is your problem. Take your time.", audio_s=0.5),
    )
    created = await platform.create_interview(candidate_name="Ada", interview_type="coding")
    try:
        await open_room(page, created)
        await expect(page.locator("#phase")).to_have_attribute(
            "data-phase", "coding", timeout=AGENT_MS
        )
        panel = page.locator("#coding")
        await expect(panel).to_have_attribute(
            "data-problem-id", re.compile(r".+"), timeout=AGENT_MS
        )
        problem = default_bank().get(await panel.get_attribute("data-problem-id") or "")
        await expect(page.locator("#coding-title")).to_have_text(problem.title)
        # the python starter is loaded; the interviewer's captions stay visible beside it
        await expect(page.locator("#coding .cm-content")).to_contain_text(
            problem.starter.python.splitlines()[0].strip()
        )
        await expect(page.locator("#captions")).to_be_visible()

        # the starter is not a solution: Run shows a failing visible test
        await page.get_by_role("button", name="Run").click()
        results = page.locator("#coding-results")
        await expect(results).to_have_attribute("data-all-passed", "false", timeout=JUDGE_MS)
        await expect(results.locator(".test.failed").first).to_be_visible()

        # the reference solution passes the visible tests, then the hidden ones
        await replace_code(page, problem.reference.python)
        await page.get_by_role("button", name="Run").click()
        await expect(results).to_contain_text(
            f"Tests: {len(problem.visible_tests)}/{len(problem.visible_tests)} passed",
            timeout=JUDGE_MS,
        )
        await expect(results).to_have_attribute("data-all-passed", "true")
        await page.get_by_role("button", name="Submit").click()
        hidden = len(problem.hidden_tests)
        await expect(results).to_contain_text(
            f"Hidden tests: {hidden}/{hidden} passed", timeout=JUDGE_MS
        )
        await expect(results.locator(".test.passed")).to_have_count(hidden)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "web-room-coding.png"), full_page=True)

        # the record holds the three runs, with the code the page sent
        deadline = time.monotonic() + 10
        while True:
            record = await platform.read_record(created["interview_id"])
            runs = [e for e in record.events if e.kind == EventKind.CODE_RUN]
            if len(runs) >= 3 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert [(e.data["which"], e.data["all_passed"]) for e in runs] == [
            ("visible", False),
            ("visible", True),
            ("hidden", True),
        ]
        assert runs[2].data["code"] == problem.reference.python
        assert all(e.data["problem_id"] == problem.id for e in runs)
    finally:
        await platform.close_rooms()  # the agent stops (and stops sending frames)


async def test_a_screen_share_replaces_the_camera_while_coding(
    page: Page, platform: E2EPlatform
) -> None:
    platform.live.push(
        Reply.call("transition_section", to_section="coding", reason="straight to coding"),
        Reply.say("Here is your problem. Share your screen if you like.", audio_s=0.5),
    )
    created = await platform.create_interview(candidate_name="Ada", interview_type="coding")
    try:
        await open_room(page, created)
        await expect(page.locator("#phase")).to_have_attribute(
            "data-phase", "coding", timeout=AGENT_MS
        )
        # coding, nothing shared: the interviewer sees the camera
        await frames_from(platform, "camera", since=len(platform.live.state.video_sizes), run=2)

        share = page.get_by_role("button", name="Share screen")
        await expect(share).to_have_attribute("aria-pressed", "false")
        shared_at = len(platform.live.state.video_sizes)
        reviews_at = len(platform.api.requests)
        await share.click()
        await expect(share).to_have_attribute("aria-pressed", "true")
        # the share replaces the camera, for good: nothing from the camera after the switch
        switched = await frames_from(platform, "screen", since=shared_at)
        assert set(sampled_sources(platform, switched)) == {"screen"}

        # the analysis gets the shared screen too, and knows it is the screen (so it does not
        # look for a face in it): no frame is labelled as the other source (a frame sampled
        # while the tracks switch may honestly be labelled "unknown")
        async def screen_review() -> list[tuple[str, str]] | None:
            for request in platform.api.requests[reviews_at:]:
                frames = reviewed_frames(request)
                if ("screen", "screen") in frames:
                    return frames
            return None

        reviewed = await platform.wait_until(
            screen_review, timeout_s=SWITCH_S, what="frame review with the screen"
        )
        assert all(label in (shape, "unknown") for label, shape in reviewed), reviewed

        # the share stops: the camera is what the interviewer sees again
        stopped_at = len(platform.live.state.video_sizes)
        await share.click()
        await expect(share).to_have_attribute("aria-pressed", "false")
        back = await frames_from(platform, "camera", since=stopped_at, run=2)
        assert set(sampled_sources(platform, back)) == {"camera"}
    finally:
        await platform.close_rooms()  # the agent stops (and stops sending frames)
