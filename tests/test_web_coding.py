"""The coding phase in a real browser against the real platform: the agent (Gemini being the Live
emulator, scripted to move to the coding section) puts a problem on screen, and the candidate's
page shows it, runs and submits code over LiveKit RPC to the agent, whose sandbox judges it;
the runs land in the interview record.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from livekit import api
from playwright.async_api import Browser, Page, async_playwright, expect

from interview_store.vocabulary import EventKind
from problem_bank import default_bank
from testkit.gemini_live import Reply
from testkit.platform_processes import E2EPlatform
from testkit.tls import LocalTLS
from tests.conftest import running_platform
from tests.web_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ensure_web_build

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
        extra_env={"WEB_DIST_DIR": str(dist)},
        evals=False,
    ) as platform:
        yield platform


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    # a silent fake microphone: Chromium's default beep would be heard as the candidate talking
    silence = tmp_path_factory.mktemp("media") / "silence.wav"
    with wave.open(str(silence), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(b"\0\0" * 96_000)
    args = [*ROOM_ARGS, f"--use-file-for-fake-audio-capture={silence}"]
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
        await page.goto("/")
        await page.evaluate(
            "s => sessionStorage.setItem('interview.session', JSON.stringify(s))",
            {**created, "created_at": int(time.time() * 1000)},
        )
        await page.goto("/room")
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
        assert platform.node is not None
        async with api.LiveKitAPI(
            platform.node.http_url, platform.node.options.api_key, platform.node.options.api_secret
        ) as lk:
            with contextlib.suppress(api.TwirpError):
                await lk.room.delete_room(api.DeleteRoomRequest(room=created["room"]))
