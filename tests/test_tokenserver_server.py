"""The token server as a process and as a web server: start-up configuration errors, the real
`python -m tokenserver` entry point, health probes, the web app's static files, and logs."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
from pathlib import Path

import httpx
import pytest

from interview_store import InterviewStore, database_url_for
from testkit.cv_samples import NAME, SECRET_PHRASE, normal_cv_pdf
from tests.tokenserver_harness import (
    API_KEY,
    API_SECRET,
    LIVEKIT_URL,
    RECRUITER_TOKEN,
    client_for,
    make_settings,
    recruiter_headers,
    serve,
)
from tokenserver.__main__ import main as tokenserver_main
from tokenserver.app import create_app
from tokenserver.log import JsonFormatter, configure_logging
from tokenserver.settings import TokenServerSettings

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {
    "LIVEKIT_URL": LIVEKIT_URL,
    "LIVEKIT_API_KEY": API_KEY,
    "LIVEKIT_API_SECRET": API_SECRET,
    "RECRUITER_TOKEN": RECRUITER_TOKEN,
}


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    """A clean environment: no inherited settings, no .env (cwd is an empty directory)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update(STORAGE_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT), **values)
    return env


def _settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **values: str) -> None:
    """This process's environment as a fresh deploy sees it: none of the token server's
    variables inherited, no .env (the cwd is an empty directory), only `values`."""
    monkeypatch.chdir(tmp_path)
    for name in TokenServerSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in {"STORAGE_DIR": str(tmp_path / "data"), **values}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("missing", ["LIVEKIT_URL", "LIVEKIT_API_SECRET"])
def test_missing_setting_exits_2_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    missing: str,
) -> None:
    """Through `python -m tokenserver`'s `main` in this process (the real subprocess start
    is `test_python_m_tokenserver_serves`): a missing variable is one line on stderr."""
    _settings_env(monkeypatch, tmp_path, **{k: v for k, v in REQUIRED.items() if k != missing})
    assert tokenserver_main([]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert missing in lines[0] and "Traceback" not in err
    assert out == ""
    assert not (tmp_path / "data").exists()  # nothing created before the settings were valid


def test_invalid_setting_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _settings_env(monkeypatch, tmp_path, **REQUIRED, RECORDING_MODE="sometimes", PORT="http")
    assert tokenserver_main([]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "RECORDING_MODE" in line and "PORT" in line


def test_help_needs_no_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _settings_env(monkeypatch, tmp_path)
    assert tokenserver_main(["--help"]) == 0
    assert "python -m tokenserver retention" in capsys.readouterr().out
    assert tokenserver_main(["serve-please"]) == 2
    assert "unexpected arguments" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        tokenserver_main(["retention", "--help"])
    assert done.value.code == 0 and "--older-than-days" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_python_m_tokenserver_serves(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path, **REQUIRED, HOST="127.0.0.1", PORT=str(port))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tokenserver",
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(300):
                try:
                    ready = await client.get("/readyz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("token server did not start")
            assert ready.json() == {"status": "ready"}
            created = await client.post("/api/interviews", data={"consent": "true", "role": "SRE"})
            assert created.status_code == 201
            listed = await client.get("/api/interviews", headers=recruiter_headers())
            assert listed.json()["total"] == 1
        assert (tmp_path / "data" / "interviews.db").is_file()  # created on first use
    finally:
        proc.terminate()
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    records = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]
    assert any(r["msg"] == "token server starting" for r in records)
    access = [r for r in records if r["msg"] == "request" and r["path"] == "/api/interviews"]
    assert {r["status"] for r in access} == {201, 200}
    assert all(r["request_id"] for r in access)


async def test_unreachable_database_gives_503s_not_500s(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = _free_port()  # nothing listens there
    store = InterviewStore(
        database_url=database_url_for(f"postgresql://u@127.0.0.1:{port}/db", tmp_path),
        storage_dir=tmp_path,
    )
    async with (
        serve(create_app(make_settings(tmp_path), store)) as base_url,
        httpx.AsyncClient(base_url=base_url) as client,
    ):
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        r = await client.get("/readyz")
        created = await client.post(
            "/api/interviews", data={"consent": "true", "role": "SRE", "candidate_name": NAME}
        )
    await store.aclose()
    assert r.status_code == 503 and r.json()["status"] == "unavailable"
    assert created.status_code == 503 and "database" in created.json()["error"]
    assert created.json()["request_id"] == created.headers["x-request-id"]
    errors = [rec for rec in caplog.records if rec.getMessage() == "unhandled error"]
    assert errors and NAME not in JsonFormatter().format(errors[0])


async def test_web_dist_is_served_with_spa_fallback(
    sqlite_store: InterviewStore, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    async with client_for(sqlite_store, web_dist_dir=dist) as client:
        root = await client.get("/")
        deep = await client.get("/recruiter/interviews/123")
        asset = await client.get("/assets/app.js")
        missing_asset = await client.get("/assets/nope.js")
        api_404 = await client.get("/api/no-such-endpoint")
        health = await client.get("/healthz")
    assert root.status_code == 200 and "<title>app</title>" in root.text
    assert deep.status_code == 200 and "<title>app</title>" in deep.text
    assert asset.status_code == 200 and asset.text == "console.log(1)"
    assert missing_asset.status_code == 404
    assert api_404.status_code == 404 and api_404.json()["error"]
    assert health.json() == {"status": "ok"}


async def test_logs_are_json_without_cv_text_or_names(
    sqlite_store: InterviewStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client_for(sqlite_store) as client:
        r = await client.post(
            "/api/interviews",
            data={
                "consent": "true",
                "role": "SRE",
                "candidate_name": NAME,
                "job_description": "Python",
            },
            files={"cv": ("cv.pdf", normal_cv_pdf(), "application/pdf")},
            headers={"X-Request-ID": "req-42"},
        )
        assert r.status_code == 201
        await client.get(
            f"/api/interviews/{r.json()['interview_id']}/recording",
            params={"token": RECRUITER_TOKEN},
        )
    formatter = JsonFormatter()
    server_side = ("tokenserver", "uvicorn", "pypdf", "starlette")  # not the test's httpx
    lines = [formatter.format(r) for r in caplog.records if r.name.startswith(server_side)]
    entries = [json.loads(line) for line in lines]
    created = [e for e in entries if e["msg"] == "interview created"]
    assert created and created[0]["request_id"] == "req-42"
    assert created[0]["cv_pages"] == 2
    text = "\n".join(lines)
    for secret in (NAME, "Quuxington", SECRET_PHRASE, "zelda@example.org", RECRUITER_TOKEN):
        assert secret not in text


def test_configure_logging_quiets_sql_parameter_logs() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG")
        assert logging.getLogger("aiosqlite").getEffectiveLevel() >= logging.WARNING
        assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() >= logging.WARNING
        assert logging.getLogger("uvicorn.access").disabled
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
        for name in ("aiosqlite", "sqlalchemy", "asyncpg", "pypdf"):
            logging.getLogger(name).setLevel(logging.NOTSET)
