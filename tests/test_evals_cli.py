"""The evals commands: `report` as a real subprocess, the worker loop and the batch command."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evals.__main__ import _parse_since
from evals.__main__ import main as evals_main
from evals.batch import BatchSelection, run_batch
from evals.evaluation_queue import EvalWorker
from evals.scoring import Scorer, ScoringOptions, make_client
from interview_store import (
    FailureReason,
    InterviewStatus,
    InterviewStore,
    ReportFlag,
    ReportStatus,
    database_url_for,
)
from testkit.gemini_api import FakeGeminiApi, Reply
from tests.fake_interview import run_json, write_interview

REPO = Path(__file__).resolve().parent.parent


def _env(storage: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_API_KEY", "DATABASE_URL")}
    env.update({"PYTHONPATH": str(REPO), "STORAGE_DIR": str(storage), **extra})
    return env


async def _run(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "evals",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_report_command_end_to_end(tmp_path: Path) -> None:
    store = InterviewStore(database_url=database_url_for(None, tmp_path), storage_dir=tmp_path)
    await store.migrate()
    record = await write_interview(store)
    async with FakeGeminiApi() as api:
        api.queue(run_json(4), run_json(4))
        env = _env(
            tmp_path,
            GOOGLE_API_KEY="cli-key",
            GEMINI_BASE_URL=api.base_url,
            EVAL_MODEL="gemini-cli-test",
            EVAL_RETRY_BACKOFF_S="0",
        )
        code, out, err = await _run("report", record.id, env=env, cwd=tmp_path)
    assert code == 0, err
    assert "scored: overall=4.0 recommendation=yes" in out
    assert [r.model for r in api.requests] == ["gemini-cli-test"] * 2
    assert api.api_keys == ["cli-key", "cli-key"]
    stored = await store.get(record.id)
    assert stored is not None and stored.status == InterviewStatus.EVALUATED
    assert (store.files_dir(record.id) / "report.html").is_file()
    # no transcript text or names in the process's log lines
    assert "Ada" not in err and "readiness" not in err
    await store.aclose()


def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **values: str) -> None:
    """This process as `python -m evals` starts in a fresh deploy: no key, no database URL,
    no .env (the cwd is empty), the store under tmp_path."""
    monkeypatch.chdir(tmp_path)
    for name in ("GOOGLE_API_KEY", "DATABASE_URL", "GEMINI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"STORAGE_DIR": str(tmp_path), **values}.items():
        monkeypatch.setenv(name, value)


def test_missing_api_key_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`main` in this process (the subprocess start is `test_report_command_end_to_end`)."""
    _clean_env(monkeypatch, tmp_path)
    assert evals_main(["report", "x"]) == 2
    out, err = capsys.readouterr()
    assert err.strip() == (
        "configuration error: GOOGLE_API_KEY is required but not set (see .env.example)"
    )
    assert "Traceback" not in err and out == ""


def test_unknown_interview_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _clean_env(monkeypatch, tmp_path, GOOGLE_API_KEY="k", GEMINI_BASE_URL="http://127.0.0.1:9")
    assert evals_main(["report", "00000000-0000-0000-0000-000000000000"]) == 2
    assert "no such interview" in capsys.readouterr().out


def _scorer(api: FakeGeminiApi) -> Scorer:
    return Scorer(
        client=make_client(api_key="k", base_url=api.base_url, timeout_s=5),
        options=ScoringOptions(model="m", retry_backoff_s=0.0),
    )


async def test_worker_evaluates_ended_interviews_only(sqlite_store: InterviewStore) -> None:
    ended = [await write_interview(sqlite_store) for _ in range(2)]
    live = await write_interview(sqlite_store, status=InterviewStatus.LIVE)
    async with FakeGeminiApi() as api:
        api.responder = lambda _req: Reply(text=run_json(3))
        scorer = _scorer(api)
        worker = EvalWorker(store=sqlite_store, scorer=scorer, poll_interval_s=0.05)
        assert await worker.run_once() == 2
        assert await worker.run_once() == 0  # nothing left: evaluated ones are not redone
        # the loop itself: an interview that ends while the worker runs gets evaluated
        task = asyncio.create_task(worker.run())
        late = await write_interview(sqlite_store)
        for _ in range(200):
            rec = await sqlite_store.get(late.id)
            if rec is not None and rec.status == InterviewStatus.EVALUATED:
                break
            await asyncio.sleep(0.05)
        worker.stop()
        await asyncio.wait_for(task, timeout=10)
        await scorer.aclose()
    assert len(api.requests) == 6
    for r in [*ended, late]:
        rec = await sqlite_store.get(r.id)
        assert rec is not None and rec.status == InterviewStatus.EVALUATED
    still_live = await sqlite_store.get(live.id)
    assert still_live is not None and still_live.status == InterviewStatus.LIVE


async def test_worker_reports_on_a_failed_interview_with_candidate_turns(
    sqlite_store: InterviewStore,
) -> None:
    """The interviewer died mid-way (the token server failed it on room_finished): the report
    comes from the partial transcript, says it was cut short, and the interview stays failed.
    A failed interview where the candidate never spoke is left alone."""
    cut = await write_interview(sqlite_store, status=InterviewStatus.LIVE)
    await sqlite_store.set_status(
        cut.id, InterviewStatus.FAILED, reason="the interviewer stopped unexpectedly"
    )
    silent = await write_interview(sqlite_store, status=InterviewStatus.LIVE, script=[])
    await sqlite_store.set_status(
        silent.id, InterviewStatus.FAILED, reason=FailureReason.CANDIDATE_SILENT
    )
    async with FakeGeminiApi() as api:
        api.responder = lambda _req: Reply(text=run_json(3))
        scorer = _scorer(api)
        worker = EvalWorker(store=sqlite_store, scorer=scorer, poll_interval_s=0.05)
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0  # reported once, not on every poll
        await scorer.aclose()
    assert len(api.requests) == 2  # one evaluation (two scoring runs)
    rec = await sqlite_store.get(cut.id)
    assert rec is not None and rec.report is not None
    assert rec.status == InterviewStatus.FAILED
    assert rec.failure_reason == "the interviewer stopped unexpectedly"
    assert rec.evaluated_at is not None
    assert rec.report.status == ReportStatus.SCORED
    assert rec.report.message is not None
    assert rec.report.message.startswith(
        "This interview was cut short (the interviewer stopped unexpectedly)"
    )
    assert ReportFlag.NEEDS_HUMAN_REVIEW in rec.report.flags
    assert (sqlite_store.files_dir(cut.id) / "report.html").is_file()
    untouched = await sqlite_store.get(silent.id)
    assert untouched is not None and untouched.report is None
    assert untouched.status == InterviewStatus.FAILED


async def test_batch_reevaluates_with_progress_bar(
    sqlite_store: InterviewStore, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [await write_interview(sqlite_store) for _ in range(3)]
    async with FakeGeminiApi() as api:
        api.responder = lambda _req: Reply(text=run_json(2))
        scorer = _scorer(api)
        first = await run_batch(sqlite_store, scorer, BatchSelection(), concurrency=2)
        assert first.evaluated == 3 and first.by_status == {"scored": 3}
        # re-evaluate only evaluated ones created in the last hour, now scoring higher
        api.responder = lambda _req: Reply(text=run_json(4))
        sel = BatchSelection(
            statuses=[InterviewStatus.EVALUATED], since=datetime.now(UTC) - timedelta(hours=1)
        )
        second = await run_batch(sqlite_store, scorer, sel)
        assert second.evaluated == 3
        # flag filter: nothing carries evaluation_failed
        none = await run_batch(sqlite_store, scorer, BatchSelection(flag="evaluation_failed"))
        assert none.evaluated == 0
        await scorer.aclose()
    for r in records:
        rec = await sqlite_store.get(r.id)
        assert rec is not None and rec.overall_score == 4.0
    assert "evaluating" in capsys.readouterr().err  # tqdm's bar


def test_since_accepts_ages_and_dates() -> None:
    assert datetime.now(UTC) - _parse_since("7d") - timedelta(days=7) < timedelta(seconds=5)
    assert _parse_since("2025-01-02") == datetime(2025, 1, 2, tzinfo=UTC)


async def test_help_needs_no_configuration(tmp_path: Path) -> None:
    """Settings load only when a command runs: `--help` in an empty environment (no .env in
    the working directory, nothing but PATH and PYTHONPATH) prints the commands."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    code, out, err = await _run("--help", env=env, cwd=tmp_path)
    assert code == 0, err
    assert out.startswith("usage: python -m evals")
    assert "{report,worker,batch}" in out  # the persona scenarios live in agent.scenarios now


@pytest.mark.parametrize("command", ["report", "batch", "worker"])
def test_command_help_needs_no_configuration(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVAL_RUNS", "not a number")  # would fail if settings were read
    with pytest.raises(SystemExit) as done:
        evals_main([command, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: python -m evals {command}")


def test_a_command_with_bad_configuration_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EVAL_RUNS", "zero")
    assert evals_main(["worker"]) == 2
    err = capsys.readouterr().err
    assert "EVAL_RUNS" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()  # nothing created before the settings were valid
