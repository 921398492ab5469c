"""Shared fixtures: a fresh interview store on SQLite and (when available) PostgreSQL, the
live interviewer's test doubles, and headless Chromium for the page tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from livekit.agents import vad
from playwright.sync_api import Browser, Page, sync_playwright

from agent.session import load_vad
from agent.settings import AgentSettings
from interview_store import InterviewStore, database_url_for
from testkit.gemini_api import FakeGeminiApi
from testkit.gemini_api import Reply as GeminiApiReply
from testkit.gemini_live import FakeGeminiLive
from testkit.livekit_server import require_livekit_server
from testkit.platform_processes import E2EPlatform
from testkit.tls import LocalTLS
from tests.web_support import CHROMIUM, CHROMIUM_ARGS, TokenServer

_EXIT_STATUS = pytest.StashKey[int]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave with pytest's own status once it has reported everything, skipping interpreter
    teardown: the livekit rtc SDK's native runtime (Rust, behind its FFI) still has tasks when
    Python finalises after the in-process room tests, and it panics there ("panic in a function
    that cannot unwind"), aborting a green run with status 134."""
    status = config.stash.get(_EXIT_STATUS, None)
    if status is None:
        return
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(status)


def postgres_admin_url() -> str | None:
    """`.ci/run` exports TEST_POSTGRES_URL; in CI its absence is an error, not a skip."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url and os.environ.get("CI"):
        raise RuntimeError("TEST_POSTGRES_URL is not set in CI: .ci/run must start PostgreSQL")
    return url


async def create_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}", name


async def drop_pg_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[InterviewStore]:
    """A migrated, empty store; parametrised so storage tests run on both databases."""
    if request.param == "sqlite":
        s = InterviewStore(database_url=database_url_for(None, tmp_path), storage_dir=tmp_path)
        await s.migrate()
        yield s
        await s.aclose()
        return
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not available locally (set TEST_POSTGRES_URL; CI always does)")
    url, name = await create_pg_database(admin)
    s = InterviewStore(database_url=database_url_for(url, tmp_path), storage_dir=tmp_path)
    await s.migrate()
    yield s
    await s.aclose()
    await drop_pg_database(admin, name)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[InterviewStore]:
    """For tests that exercise other code and only need some store."""
    s = InterviewStore(database_url=database_url_for(None, tmp_path), storage_dir=tmp_path)
    await s.migrate()
    yield s
    await s.aclose()


# --- the live interviewer's test doubles (Gemini Live emulator over TLS, Silero VAD) ----------


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> LocalTLS:
    """A certificate authority and localhost certificate made at test time (trustme)."""
    return LocalTLS(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def silero() -> vad.VAD:
    """Silero VAD loaded once, as the worker's prewarm does once per process."""
    return load_vad(
        AgentSettings(
            livekit_url="ws://x", livekit_api_key="k", livekit_api_secret="s", google_api_key="g"
        )
    )


@pytest.fixture
async def emulator(tls: LocalTLS) -> AsyncIterator[FakeGeminiLive]:
    async with FakeGeminiLive(ssl_context=tls.server_context()) as emu:
        yield emu


# --- end-to-end: a real livekit-server and the platform's processes on loopback --------------


@pytest.fixture(scope="session")
def livekit_server_binary() -> Path:
    """The pinned livekit-server; missing is an error that says how to install it, not a skip
    (`.ci/run` installs it with `.ci/install-livekit.sh`)."""
    return require_livekit_server()


E2E_SHARED_ENV = {
    "VISION_CONVERSATION_FPS": "2",
    "VISION_CALIBRATION_FRAMES": "2",
    "VISION_GEMINI_INTERVAL_S": "5",
}
"""Frames often enough that face observations arrive within a test's few seconds."""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_platform(
    livekit_server_binary: Path, tmp_path_factory: pytest.TempPathFactory, tls: LocalTLS
) -> AsyncIterator[E2EPlatform]:
    """One platform (and its emulators) for a whole e2e module: starting livekit-server, the
    token server and a registered agent worker costs ~10 s on 2 busy cores, so the tests of a
    module share it, each with its own interview. Tests using it run on the module's loop
    (`pytest.mark.asyncio(loop_scope="module")`), where the emulators live."""
    async with running_platform(
        tmp_path_factory, tls, name="e2e", extra_env=dict(E2E_SHARED_ENV)
    ) as platform:
        yield platform


@contextlib.asynccontextmanager
async def running_platform(
    tmp_path_factory: pytest.TempPathFactory,
    tls: LocalTLS,
    *,
    name: str,
    extra_env: dict[str, str],
    evals: bool = True,
) -> AsyncIterator[E2EPlatform]:
    """The platform's processes against the Gemini emulators (frame reviews find nothing),
    started off the loop and stopped however the module ends."""
    async with FakeGeminiLive(ssl_context=tls.server_context()) as live, FakeGeminiApi() as api:
        api.responder = lambda _req: GeminiApiReply(text='{"findings": []}')
        platform = E2EPlatform(
            workdir=tmp_path_factory.mktemp(name),
            live=live,
            api=api,
            ca_file=tls.ca_file,
            extra_env=extra_env,
        )
        await asyncio.to_thread(platform.start, evals=evals)
        try:
            yield platform
        finally:
            await asyncio.to_thread(platform.stop)


# --- the page tests' browser (modules driving a live room launch their own, with fake media) ---


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, server: TokenServer) -> Iterator[Page]:
    """A fresh context on the module's `server`; an uncaught error in the page fails the test."""
    context = browser.new_context(
        base_url=server.base_url,
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
