"""The candidate's page with the interviewer's avatar, in a real browser: Chromium joins a real
`livekit-server` through the token server, the agent runs with `AVATAR=tavus` against the Tavus
REST emulator, and the emulated avatar worker publishes video on the agent's behalf.

The page shows that video instead of the voice visualiser, and when the avatar drops it shows
the visualiser again and says the interview continues in voice only.
"""

from __future__ import annotations

import asyncio
import subprocess
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from testkit.gemini_api import FakeGeminiApi
from testkit.gemini_api import Reply as GeminiApiReply
from testkit.gemini_live import FakeGeminiLive, Reply
from testkit.platform_processes import E2EPlatform
from testkit.tavus_api import FakeTavusApi
from testkit.tls import LocalTLS
from tests.web_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, WEB_DIR

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.timeout(180),  # the module's first test also builds the page (~40 s)
    pytest.mark.asyncio(loop_scope="module"),
]

GREETING = "Hello Ada, welcome to your mock interview. Tell me about yourself."
AGENT_MS = 30_000
TAVUS_KEY = "tavus-test-key"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rig(
    livekit_server_binary: Path, tmp_path_factory: pytest.TempPathFactory, tls: LocalTLS
) -> AsyncIterator[tuple[E2EPlatform, FakeTavusApi]]:
    # this tree's page, built apart from web/dist (which another test run may be serving)
    dist = tmp_path_factory.mktemp("web-avatar-dist")
    await asyncio.to_thread(
        subprocess.run,
        ["npx", "vite", "build", "--outDir", str(dist), "--emptyOutDir", "--logLevel", "error"],
        cwd=WEB_DIR,
        check=True,
        timeout=240,
    )
    async with (
        FakeGeminiLive(ssl_context=tls.server_context()) as live,
        FakeGeminiApi() as gapi,
        FakeTavusApi(api_key=TAVUS_KEY) as tavus,
    ):
        gapi.responder = lambda _req: GeminiApiReply(text='{"findings": []}')
        platform = E2EPlatform(
            workdir=tmp_path_factory.mktemp("web-avatar"),
            live=live,
            api=gapi,
            ca_file=tls.ca_file,
            extra_env={
                "WEB_DIST_DIR": str(dist),
                "AVATAR": "tavus",
                "TAVUS_API_KEY": TAVUS_KEY,
                "TAVUS_API_URL": tavus.base_url,
                "AVATAR_START_TIMEOUT_S": "10",
                "VISION_ENABLED": "false",
            },
        )
        await asyncio.to_thread(platform.start, evals=False)
        try:
            yield platform, tavus
        finally:
            await asyncio.to_thread(platform.stop)


@pytest_asyncio.fixture(loop_scope="module")
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    silence = tmp_path / "silence.wav"  # a silent candidate lets the greeting finish
    with wave.open(str(silence), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(b"\0\0" * 96_000)
    args = [
        *CHROMIUM_ARGS,
        "--allow-loopback-in-peer-connection",
        f"--use-file-for-fake-audio-capture={silence}",
    ]
    async with async_playwright() as p:
        browser: Browser = await p.chromium.launch(executable_path=CHROMIUM, args=args)
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        await browser.close()
        assert not errors, f"uncaught errors in the page: {errors}"


async def test_page_shows_the_avatar_then_voice_only_when_it_drops(
    rig: tuple[E2EPlatform, FakeTavusApi], page: Page
) -> None:
    platform, tavus = rig
    platform.live.push(Reply.say(GREETING, audio_s=1.0))
    created = await platform.create_interview(candidate_name="Ada")
    await page.goto(f"{platform.base_url}/")
    await page.evaluate(
        "s => sessionStorage.setItem('interview.session', JSON.stringify(s))",
        {**created, "created_at": 0},
    )
    await page.goto(f"{platform.base_url}/room")

    # the avatar's video replaces the visualiser, and frames are actually decoded
    video = page.locator("video#agent-video")
    await expect(video).to_be_visible(timeout=AGENT_MS)
    await expect(page.locator(".agent-bars")).to_have_count(0)
    await page.wait_for_function(
        "() => { const v = document.querySelector('video#agent-video');"
        " return v && v.videoWidth > 0 && v.currentTime > 0; }",
        timeout=AGENT_MS,
    )
    await expect(page.locator("#avatar-note")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "web-room-avatar.png"), full_page=True)

    # the avatar drops: the visualiser is back and the candidate is told why
    avatar = await tavus.wait_for_avatar(timeout_s=5)
    await avatar.kill()
    await expect(page.locator("#avatar-note")).to_contain_text("voice only", timeout=AGENT_MS)
    await expect(page.locator("video#agent-video")).to_have_count(0)
    await expect(page.locator(".agent-bars .lk-audio-bar")).to_have_count(7)
