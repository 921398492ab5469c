"""Helpers for the people tests (invitations, consent, profiles, exports, webhooks): recruiter
accounts with real API keys, the create form, a loopback webhook receiver, and reading a
row's clock back in time."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import sqlalchemy as sa
from aiohttp import web

from interview_store import InterviewStore
from interview_store.account_store import AccountStore
from interview_store.accounts import Role
from testkit.loopback_http import LoopbackHttpServer
from tests.tokenserver_harness import make_settings, serve
from tokenserver.app import create_app
from tokenserver.app_context import AppContext
from tokenserver.auth import new_api_key


@asynccontextmanager
async def people_client(
    store: InterviewStore, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, AppContext]]:
    """The real app on loopback, and its context (to run the maintenance round on demand)."""
    app = create_app(make_settings(store.storage_dir, **overrides), store)
    ctx: AppContext = app.state.ctx
    async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield client, ctx
    await ctx.people.maintenance.aclose()
    await ctx.plans.aclose()


async def api_key_headers(store: InterviewStore, role: Role) -> dict[str, str]:
    """A user of `role` with an API key, as `Authorization` headers."""
    accounts = AccountStore(store.engine)
    user = await accounts.create_user(
        email=f"{role.value}-{id(store)}@example.test",
        display_name=role.value,
        role=role,
        password_hash="unused-in-these-tests",
    )
    key_id, key, secret_hash = new_api_key()
    await accounts.create_api_key(
        key_id=key_id, user_id=user.id, name="tests", secret_hash=secret_hash
    )
    return {"Authorization": f"Bearer {key}"}


def consent_form(**fields: str) -> dict[str, str]:
    return {"consent": "true", "role": "Backend engineer", **fields}


async def create_interview(
    client: httpx.AsyncClient, *, profile_key: str | None = None, **fields: str
) -> dict[str, Any]:
    headers = {"X-Profile-Key": profile_key} if profile_key else {}
    r = await client.post("/api/interviews", data=consent_form(**fields), headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def set_created_at(store: InterviewStore, interview_id: str, when: datetime) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE interviews SET created_at = :at WHERE id = :id"),
            {"at": when, "id": interview_id},
        )


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver(LoopbackHttpServer):
    """Answers `statuses` in turn (then the last one forever) and keeps every request."""

    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/hook", self._hook)

    async def _hook(self, request: web.Request) -> web.Response:
        self.received.append(Received(headers=dict(request.headers), body=await request.read()))
        status = self.statuses[min(len(self.received), len(self.statuses)) - 1]
        return web.Response(status=status, text="ok")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


def signature_ok(secret: str, received: Received) -> bool:
    """What a receiver does: recompute HMAC-SHA256 over "<t>.<raw body>" and compare."""
    parts = dict(p.split("=", 1) for p in received.headers["X-Webhook-Signature"].split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + received.body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts["v1"])
