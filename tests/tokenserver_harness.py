"""Running the real token server app under uvicorn on a free loopback port, and signing
LiveKit webhooks the way the LiveKit server does (JWT over the body's SHA-256)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from google.protobuf.json_format import MessageToJson
from livekit import api
from starlette.types import ASGIApp

from interview_store import InterviewPlan, InterviewStatus, InterviewStore
from interview_store.account_store import AccountStore
from interview_store.accounts import Role, UserAccount
from tokenserver.app import create_app
from tokenserver.auth import CSRF_HEADER
from tokenserver.passwords import hash_password
from tokenserver.settings import TokenServerSettings

API_KEY = "APItest"
API_SECRET = "test-secret-test-secret-test-secret-0123"
RECRUITER_TOKEN = "recruiter-token-for-tests-0123456789"
LIVEKIT_URL = "wss://livekit.example.test"


def make_settings(storage_dir: Path, **overrides: Any) -> TokenServerSettings:
    values: dict[str, Any] = {
        "storage_dir": storage_dir,
        "livekit_url": LIVEKIT_URL,
        "livekit_api_key": API_KEY,
        "livekit_api_secret": API_SECRET,
        "recruiter_token": RECRUITER_TOKEN,
        "web_dist_dir": storage_dir / "no-web-dist",
        "rate_limit_per_minute": 1000,
    }
    values.update(overrides)
    return TokenServerSettings(_env_file=None, **values)


@asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    """Real uvicorn (HTTP/1.1 over TCP) on 127.0.0.1:<free port>, in this event loop."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn exited before starting")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def client_for(store: InterviewStore, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(store.storage_dir, **overrides)
    app = create_app(settings, store)
    async with (
        serve(app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30) as client,
    ):
        yield client
    await app.state.ctx.plans.aclose()  # plans still being written land before the store closes


async def planned(store: InterviewStore, interview_id: str) -> InterviewPlan:
    """The plan of an interview the token server just created: it is written in the
    background (`preparing` → `created`), so a busy machine may not have it yet."""
    for _ in range(200):
        record = await store.get(interview_id)
        assert record is not None
        if record.status != InterviewStatus.PREPARING:
            return record.plan
        await asyncio.sleep(0.05)
    raise AssertionError("the plan was not written within 10 s")


def recruiter_headers(token: str = RECRUITER_TOKEN) -> dict[str, str]:
    """The deprecated shared token (recruiter role); accounts: `add_user` + `sign_in`."""
    return {"Authorization": f"Bearer {token}"}


PASSWORD = "correct horse battery staple"


async def add_user(
    store: InterviewStore, email: str, role: Role = Role.RECRUITER, password: str = PASSWORD
) -> UserAccount:
    """An account created the way `python -m tokenserver users add` creates it."""
    return await AccountStore(store.engine).create_user(
        email=email,
        display_name=email.split("@")[0],
        role=role,
        password_hash=await hash_password(password),
    )


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign `client` in (its cookie jar keeps the session); returns the CSRF token, which
    `csrf_headers` turns into the header state-changing requests need."""
    r = await client.post("/api/auth/sign-in", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["csrf_token"]
    return token


def csrf_headers(csrf_token: str) -> dict[str, str]:
    return {CSRF_HEADER: csrf_token}


def signed_webhook(
    event: api.WebhookEvent, *, key: str = API_KEY, secret: str = API_SECRET
) -> tuple[str, dict[str, str]]:
    body = MessageToJson(event)
    return body, webhook_headers(body, key=key, secret=secret)


def webhook_headers(body: str, *, key: str = API_KEY, secret: str = API_SECRET) -> dict[str, str]:
    """What LiveKit sends: a JWT signed with the API secret whose `sha256` claim is the
    base64 SHA-256 of the exact body."""
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    jwt = api.AccessToken(key, secret).with_sha256(digest).to_jwt()
    return {"Authorization": jwt, "Content-Type": "application/webhook+json"}
