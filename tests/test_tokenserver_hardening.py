"""Hardening of the token server, probed as an attacker would over real sockets: stored
recording locations that point elsewhere, planted symlinks, stalled requests (raw sockets
against the production uvicorn configuration), forwarded headers, security headers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn

from interview_store import (
    InterviewPlan,
    InterviewStore,
    Recording,
    RecordingKind,
    ReportRender,
    ReportRenderState,
)
from tests.tokenserver_harness import client_for, make_settings, recruiter_headers
from tokenserver.app import create_app
from tokenserver.http_server import uvicorn_config


async def _interview(store: InterviewStore) -> str:
    record = await store.create(InterviewPlan(role="SRE", candidate_name="Ada"))
    store.files_dir(record.id).mkdir(parents=True)
    return record.id


async def test_served_files_stay_inside_the_interviews_own_folder(
    sqlite_store: InterviewStore,
) -> None:
    victim = await _interview(sqlite_store)
    (sqlite_store.files_dir(victim) / "agent-audio.ogg").write_bytes(b"VICTIM-AUDIO")
    attacker = await _interview(sqlite_store)
    folder = sqlite_store.files_dir(attacker)
    (folder / "planted.ogg").symlink_to(sqlite_store.storage_dir / "interviews.db")
    hostile = [
        "interviews/../interviews.db",  # the database itself, relative to STORAGE_DIR
        str(sqlite_store.storage_dir / "interviews.db"),
        f"interviews/{attacker}/../../interviews.db",
        f"interviews/{victim}/agent-audio.ogg",  # another interview's file
        f"/out/interviews/{attacker}/../{victim}/agent-audio.ogg",  # via the egress prefix
        str(folder / "planted.ogg"),  # a symlink inside the folder, pointing out
    ]
    for location in hostile:
        await sqlite_store.add_recording(
            attacker, Recording(kind=RecordingKind.EGRESS, location=location)
        )
    (folder / "report.html").symlink_to(sqlite_store.storage_dir / "interviews.db")
    async with client_for(sqlite_store) as client:
        url = f"/api/interviews/{attacker}/recording"
        for index, location in enumerate(hostile):
            r = await client.get(url, params={"index": index}, headers=recruiter_headers())
            assert r.status_code == 404, (location, r.status_code)
            assert b"SQLite" not in r.content and b"VICTIM" not in r.content
        await sqlite_store.set_report_render(
            attacker, ReportRender(state=ReportRenderState.RENDERED)
        )
        report = await client.get(
            f"/api/interviews/{attacker}/report.html", headers=recruiter_headers()
        )
        assert report.status_code == 404 and b"SQLite" not in report.content
        # a legitimate location in the interview's own folder is served
        (folder / "agent-audio.ogg").write_bytes(b"OWN-AUDIO")
        await sqlite_store.add_recording(
            attacker,
            Recording(kind=RecordingKind.AGENT_AUDIO, location=str(folder / "agent-audio.ogg")),
        )
        own = await client.get(url, params={"index": len(hostile)}, headers=recruiter_headers())
        assert own.status_code == 200 and own.content == b"OWN-AUDIO"


@asynccontextmanager
async def production_server(store: InterviewStore, **overrides: object) -> AsyncIterator[int]:
    """The app under the exact uvicorn configuration `python -m tokenserver` uses."""
    settings = make_settings(store.storage_dir, **overrides)
    app = create_app(settings, store)
    server = uvicorn.Server(uvicorn_config(app, settings, host="127.0.0.1", port=0, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn exited before starting")
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        server.force_exit = True
        await task
        await app.state.ctx.plans.aclose()


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> tuple[bytes, float]:
    started = time.monotonic()
    data = await asyncio.wait_for(reader.read(), seconds)  # read() returns at EOF
    return data, time.monotonic() - started


async def test_huge_content_length_with_no_body_is_dropped_quickly(
    sqlite_store: InterviewStore,
) -> None:
    async with production_server(sqlite_store) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /api/interviews HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 10000000000\r\n\r\n"
        )
        await writer.drain()
        data, took = await _closed_within(reader, 8)
        writer.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:80]
    assert took < 5


async def test_stalled_body_and_stalled_headers_are_cut_off(
    sqlite_store: InterviewStore,
) -> None:
    async with production_server(
        sqlite_store, body_timeout_seconds=1.0, header_timeout_seconds=1.0
    ) as port:
        # a body that is declared (within the limit) but never sent
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /api/interviews HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nrole="
        )
        await writer.drain()
        data, took = await _closed_within(reader, 6)
        writer.close()
        assert data.startswith(b"HTTP/1.1 408"), data[:80]
        assert took < 4
        # headers that never finish (slow loris)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        await writer.drain()
        data, took = await _closed_within(reader, 6)
        writer.close()
        assert data == b"" and took < 4
        # a normal request on the same server still works
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/healthz")).status_code == 200


async def test_forwarded_for_is_trusted_only_from_configured_proxies(
    sqlite_store: InterviewStore,
) -> None:
    async def created_statuses(port: int) -> list[int]:
        statuses = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for i in range(3):  # a different forwarded address every time
                r = await client.post(
                    "/api/interviews",
                    data={"consent": "true", "role": "SRE"},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"},
                )
                statuses.append(r.status_code)
        return statuses

    # default: no proxy trusted, so rotating X-Forwarded-For does not escape the limit
    async with production_server(sqlite_store, rate_limit_per_minute=1) as port:
        statuses = await created_statuses(port)
    assert 429 in statuses, statuses
    # with the loopback proxy configured, each forwarded address is its own client
    async with production_server(
        sqlite_store, rate_limit_per_minute=1, forwarded_allow_ips="127.0.0.1"
    ) as port:
        statuses = await created_statuses(port)
    assert 429 not in statuses, statuses


async def test_security_headers_on_every_page(sqlite_store: InterviewStore, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    async with client_for(sqlite_store, web_dist_dir=dist) as client:
        for path in ("/", "/recruiter", "/recruiter/123", "/api/interviews", "/healthz"):
            r = await client.get(path)
            csp = r.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp, path
            assert "script-src 'self'" in csp and "unsafe-eval" not in csp
            assert "connect-src 'self' wss://livekit.example.test" in csp
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "same-origin"
            assert r.headers["x-frame-options"] == "DENY"


def test_production_build_has_no_source_maps() -> None:
    config = (Path(__file__).resolve().parent.parent / "web" / "vite.config.ts").read_text()
    assert "sourcemap: true" not in config
    dist = Path(__file__).resolve().parent.parent / "web" / "dist"
    if dist.is_dir():
        maps = list(dist.rglob("*.map"))
        assert not maps, maps
        for js in dist.rglob("*.js"):
            assert "sourceMappingURL" not in js.read_text(errors="ignore"), js
