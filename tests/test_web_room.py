"""The interview room in a real browser against the real platform: Debian Chromium (fake camera
and microphone) joins a real `livekit-server` on loopback through the token server, and the real
agent worker (Gemini being the Live emulator) interviews it.

What the page shows comes from what the agent publishes (its `lk.agent.state`, `interview.phase`
and `interview.remaining_s` attributes, its `lk.transcription` text streams); what the page
sends is checked on the server (LiveKit's RoomService), not in the page.
"""

from __future__ import annotations

import asyncio
import re
import time
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
import pytest_asyncio
from livekit import api
from playwright.async_api import Browser, Page, async_playwright, expect

from testkit.gemini_live import Reply
from testkit.platform_processes import E2EPlatform
from testkit.tls import LocalTLS
from tests.conftest import running_platform
from tests.web_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_wcag_aa_async,
    ensure_web_build,
    open_room,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.timeout(60),
    pytest.mark.asyncio(loop_scope="module"),
]

T = TypeVar("T")

GREETING = "Hello Ada, welcome to your mock interview. Tell me about yourself."
AGENT_MS = 30_000
"""ms to wait for what the agent does (dispatch, greeting) on 2 busy cores."""
# WebRTC between Chromium and livekit-server, both on 127.0.0.1
ROOM_ARGS = [*CHROMIUM_ARGS, "--allow-loopback-in-peer-connection"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(
    livekit_server_binary: Path, tmp_path_factory: pytest.TempPathFactory, tls: LocalTLS
) -> AsyncIterator[E2EPlatform]:
    """livekit-server, the token server serving the built web client, one agent worker."""
    dist = ensure_web_build()
    async with running_platform(
        tmp_path_factory,
        tls,
        name="web-room",
        extra_env={"WEB_DIST_DIR": str(dist)},
        evals=False,
    ) as platform:
        yield platform


def silence_wav(path: Path, *, seconds: float = 2.0) -> Path:
    """Chromium's default fake microphone beeps, which the agent rightly hears as the candidate
    talking over it; a silent candidate lets the greeting finish."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(b"\0\0" * int(48_000 * seconds))
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    silence = silence_wav(tmp_path_factory.mktemp("media") / "silence.wav")
    args = [*ROOM_ARGS, f"--use-file-for-fake-audio-capture={silence}"]
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield b
        await b.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, platform: E2EPlatform) -> AsyncIterator[Page]:
    context = await browser.new_context(
        base_url=platform.base_url, viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    await context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def livekit_api(platform: E2EPlatform) -> api.LiveKitAPI:
    assert platform.node is not None
    return api.LiveKitAPI(
        platform.node.http_url, platform.node.options.api_key, platform.node.options.api_secret
    )


async def candidate_tracks(platform: E2EPlatform, room: str) -> dict[str, bool]:
    """The browser's published tracks as the server sees them: source name → muted."""
    async with livekit_api(platform) as lk:
        resp = await lk.room.list_participants(api.ListParticipantsRequest(room=room))
    tracks: dict[str, bool] = {}
    for p in resp.participants:
        if p.kind != api.ParticipantInfo.Kind.AGENT:
            for t in p.tracks:
                tracks[api.TrackSource.Name(t.source)] = t.muted
    return tracks


async def eventually(
    check: Callable[[], Awaitable[T]], ok: Callable[[T], bool], *, timeout_s: float = 10
) -> T:
    deadline = time.monotonic() + timeout_s
    value = await check()
    while not ok(value) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        value = await check()
    assert ok(value), value
    return value


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def rooms_closed_after(platform: E2EPlatform) -> AsyncIterator[None]:
    """Every room a test opened is deleted afterwards, so the agent's job ends and the one
    worker is free for the next test."""
    yield
    await platform.close_rooms()


async def join(page: Page, platform: E2EPlatform) -> dict[str, str]:
    """Create an interview as the setup page would, and open the room in this tab."""
    platform.live.push(Reply.say(GREETING, audio_s=1.0))
    created = await platform.create_interview(candidate_name="Ada")
    await open_room(page, created)
    return created


async def test_room_shows_agent_state_captions_phase_and_time_left(
    page: Page, platform: E2EPlatform
) -> None:
    created = await join(page, platform)

    state = page.locator("#agent-state")
    await expect(state).to_have_text(re.compile(r"^Interviewer: "), timeout=AGENT_MS)
    await expect(page.locator("#phase")).to_have_text("Intro", timeout=AGENT_MS)
    await expect(page.locator("#phase")).to_have_attribute("data-phase", "intro")
    # the candidate agreed to recording: the room says it is on
    await expect(page.locator("#recording-indicator")).to_have_text("Recording")
    # the agent publishes the seconds left; the page counts down from them between updates
    remaining = page.locator("#remaining")
    await expect(remaining).to_have_text(re.compile(r"^\d+:\d\d left$"), timeout=AGENT_MS)
    first = await remaining.text_content()
    await expect(remaining).not_to_have_text(first or "", timeout=5_000)
    # the greeting's transcription arrives as captions
    await expect(page.locator("#captions")).to_contain_text(
        "welcome to your mock interview", timeout=AGENT_MS
    )
    await expect(page.locator("#captions .caption.them .who").first).to_have_text("Interviewer")
    # LiveKit's visualizer follows the agent's state
    await expect(page.locator(".agent-bars .lk-audio-bar")).to_have_count(7)
    await expect(state).to_have_text(re.compile(r"Listening|Speaking|Thinking"))

    # the microphone and camera reached the server
    tracks = await eventually(
        lambda: candidate_tracks(platform, created["room"]),
        lambda t: {"MICROPHONE", "CAMERA"} <= set(t),
    )
    assert tracks["MICROPHONE"] is False
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "web-room-live.png"), full_page=True)
    # the live room (captions, controls, visualizer) meets WCAG 2 AA like every other page
    assert await axe_wcag_aa_async(page) == []

    # the microphone toggle: pressed means on; the server sees the track muted and unmuted
    mic = page.get_by_role("button", name="Microphone")
    await expect(mic).to_have_attribute("aria-pressed", "true")
    await mic.click()
    await expect(mic).to_have_attribute("aria-pressed", "false")
    await eventually(
        lambda: candidate_tracks(platform, created["room"]), lambda t: t.get("MICROPHONE") is True
    )
    await mic.click()
    await expect(mic).to_have_attribute("aria-pressed", "true")
    await eventually(
        lambda: candidate_tracks(platform, created["room"]), lambda t: t.get("MICROPHONE") is False
    )

    # screen share: Chromium's fake capture is published as a screen-share track
    share = page.get_by_role("button", name="Share screen")
    await expect(share).to_have_attribute("aria-pressed", "false")
    await share.click()
    await expect(share).to_have_attribute("aria-pressed", "true")
    await eventually(
        lambda: candidate_tracks(platform, created["room"]), lambda t: "SCREEN_SHARE" in t
    )

    # captions can be hidden
    await page.get_by_role("button", name="Captions").click()
    await expect(page.locator("#captions")).to_have_count(0)

    # leaving asks first, then takes the candidate to the feedback page; this candidate was
    # silent throughout, and the page says so once the agent has closed the interview
    # (rather than blaming a fault of ours)
    page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
    await page.get_by_role("button", name="Leave").click()
    await page.wait_for_url(f"**/feedback/{created['interview_id']}")
    await eventually(lambda: candidate_tracks(platform, created["room"]), lambda t: not t)
    silent = page.get_by_role("heading", name="We did not hear you in this interview")
    await expect(silent).to_be_visible(timeout=AGENT_MS)
    await expect(page.get_by_role("link", name="Practise again")).to_be_visible()


async def test_room_ends_with_thanks_when_the_interview_is_closed(
    page: Page, platform: E2EPlatform
) -> None:
    created = await join(page, platform)
    await expect(page.locator("#agent-state")).to_have_text(
        re.compile(r"^Interviewer: "), timeout=AGENT_MS
    )

    async with livekit_api(platform) as lk:
        await lk.room.delete_room(api.DeleteRoomRequest(room=created["room"]))

    await expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    link = page.get_by_role("link", name="See your feedback")
    await expect(link).to_have_attribute("href", f"/feedback/{created['interview_id']}")


async def test_room_ends_with_thanks_when_the_interviewer_leaves(
    page: Page, platform: E2EPlatform
) -> None:
    created = await join(page, platform)
    await expect(page.locator("#agent-state")).to_have_text(
        re.compile(r"^Interviewer: "), timeout=AGENT_MS
    )
    async with livekit_api(platform) as lk:
        resp = await lk.room.list_participants(api.ListParticipantsRequest(room=created["room"]))
        [agent] = [p for p in resp.participants if p.kind == api.ParticipantInfo.Kind.AGENT]
        await lk.room.remove_participant(
            api.RoomParticipantIdentity(room=created["room"], identity=agent.identity)
        )
    await expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    await expect(page.locator("#main")).to_contain_text("The interviewer has ended the interview.")


async def test_room_says_when_the_interviewer_never_joins(
    page: Page, platform: E2EPlatform
) -> None:
    """A token without the agent dispatch: the room connects, nobody comes, the page says so
    after `?agent_wait=` seconds and offers to try again."""
    assert platform.node is not None
    room = "interview-00000000-0000-4000-8000-00000000a9e7"
    token = (
        api.AccessToken(platform.node.options.api_key, platform.node.options.api_secret)
        .with_identity("candidate-nobody-comes")
        .with_grants(api.VideoGrants(room_join=True, room=room))
        .to_jwt()
    )
    await page.goto("/")
    await page.evaluate(
        "s => sessionStorage.setItem('interview.session', JSON.stringify(s))",
        {
            "interview_id": room.removeprefix("interview-"),
            "room": room,
            "server_url": platform.node.url,
            "participant_token": token,
            "created_at": int(time.time() * 1000),
        },
    )
    await page.goto("/room?agent_wait=2")
    heading = page.get_by_role("heading", name="The interviewer did not join")
    await expect(heading).to_be_visible(timeout=AGENT_MS)
    await expect(page.get_by_role("alert")).to_contain_text("We waited 2 seconds")
    await page.get_by_role("button", name="Try again").click()
    await expect(page.get_by_role("heading", name="Joining your interview…")).to_be_visible()
    await expect(heading).to_be_visible(timeout=AGENT_MS)
    await expect(page.get_by_role("link", name="Set up a new interview")).to_be_visible()
