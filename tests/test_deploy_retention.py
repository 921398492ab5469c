"""`python -m tokenserver retention --older-than-days N [--dry-run]` on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from interview_store import (
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    TranscriptItem,
    database_url_for,
    schema,
)
from tokenserver import retention
from tokenserver.__main__ import main as tokenserver_main
from tokenserver.retention import apply_retention

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def _interview(
    store: InterviewStore, *, age_days: float, ended: bool = True, now: datetime = NOW
) -> str:
    record = await store.create(InterviewPlan(role="Backend Engineer"))
    await store.append_transcript(
        record.id,
        TranscriptItem(item_id="i1", speaker="candidate", text="hi", start_time=1.0, end_time=2.0),
    )
    if ended:
        await store.set_status(record.id, InterviewStatus.ENDED)
    folder = store.files_dir(record.id)
    folder.mkdir(parents=True)
    (folder / "audio.ogg").write_bytes(b"OggS")
    created = now - timedelta(days=age_days)
    async with store.engine.begin() as conn:
        await conn.execute(
            schema.interviews.update()
            .where(schema.interviews.c.id == record.id)
            .values(created_at=created)
        )
    return record.id


async def test_deletes_only_interviews_older_than_the_cutoff(store: InterviewStore) -> None:
    old = [await _interview(store, age_days=40 + i) for i in range(3)]
    old.append(await _interview(store, age_days=31, ended=False))  # a stale "created" one too
    recent = [await _interview(store, age_days=d) for d in (1, 29.9)]

    result = await apply_retention(store, older_than=timedelta(days=30), now=NOW)

    assert sorted(result.interview_ids) == sorted(old)
    assert result.cutoff == NOW - timedelta(days=30)
    for interview_id in old:
        assert await store.get(interview_id) is None
        assert not store.files_dir(interview_id).exists()
    for interview_id in recent:
        record = await store.get(interview_id)
        assert record is not None and record.transcript
        assert (store.files_dir(interview_id) / "audio.ogg").exists()
    # child rows went with their interview
    async with store.engine.connect() as conn:
        left = (
            await conn.execute(sa.select(sa.func.count()).select_from(schema.transcript_items))
        ).scalar_one()
    assert left == len(recent)


async def test_dry_run_lists_without_deleting(store: InterviewStore) -> None:
    old = await _interview(store, age_days=100)
    await _interview(store, age_days=2)

    result = await apply_retention(store, older_than=timedelta(days=30), now=NOW, dry_run=True)

    assert result.interview_ids == [old]
    assert await store.get(old) is not None
    assert store.files_dir(old).exists()


async def test_pages_through_more_than_one_page(
    sqlite_store: InterviewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three pages and a partial one (page size 4 here, 100 in production: the same loop)."""
    monkeypatch.setattr(retention, "_PAGE", 4)
    ids = {await _interview(sqlite_store, age_days=60) for _ in range(14)}
    kept = await _interview(sqlite_store, age_days=0.5)
    dry = await apply_retention(sqlite_store, older_than=timedelta(days=1), now=NOW, dry_run=True)
    assert set(dry.interview_ids) == ids and len(dry.interview_ids) == 14
    result = await apply_retention(sqlite_store, older_than=timedelta(days=1), now=NOW)
    assert set(result.interview_ids) == ids and len(result.interview_ids) == 14
    summaries, total = await sqlite_store.list()
    assert total == 1 and summaries[0].id == kept


async def test_rejects_a_non_positive_age(sqlite_store: InterviewStore) -> None:
    with pytest.raises(ValueError):
        await apply_retention(sqlite_store, older_than=timedelta(0))


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "STORAGE_DIR": str(tmp_path),
        "HOME": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "tokenserver", "retention", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no stray .env from the working tree
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )


def _store_settings_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the cron job's environment holds: STORAGE_DIR only, no .env in the cwd."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path))


def test_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dry run and argument errors through `python -m tokenserver`'s own dispatch in this
    process; the deletion once as the real subprocess the cron job runs."""

    async def seed() -> tuple[str, str]:
        store = InterviewStore(database_url=database_url_for(None, tmp_path), storage_dir=tmp_path)
        await store.migrate()
        try:
            old = await _interview(store, age_days=400, now=datetime.now(UTC))
            keep = (await store.create(InterviewPlan(role="SRE"))).id
        finally:
            await store.aclose()
        return old, keep

    async def exists(*ids: str) -> list[tuple[bool, bool]]:
        """(record, files folder) per interview."""
        store = InterviewStore(database_url=database_url_for(None, tmp_path), storage_dir=tmp_path)
        try:
            return [(await store.get(i) is not None, store.files_dir(i).is_dir()) for i in ids]
        finally:
            await store.aclose()

    old, keep = asyncio.run(seed())
    _store_settings_from(tmp_path, monkeypatch)

    assert tokenserver_main(["retention", "--older-than-days", "365", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would delete {old}" in out and keep not in out
    assert "would delete 1 interview(s)" in out
    assert asyncio.run(exists(old)) == [(True, True)]

    assert tokenserver_main(["retention", "--older-than-days", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err

    real = _cli(tmp_path, "--older-than-days", "365")
    assert real.returncode == 0, real.stderr
    assert f"deleted {old}" in real.stdout and keep not in real.stdout
    assert "deleted 1 interview(s)" in real.stdout
    assert asyncio.run(exists(old, keep)) == [(False, False), (True, False)]
