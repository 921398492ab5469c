"""`python -m tokenserver retention --older-than-days N [--dry-run]`: delete old interviews.

Deletes every interview created more than N days ago, whatever its status, with its transcript,
events, observations, recordings rows and its files folder (`InterviewStore.delete`). Meant for
a daily cron / scheduled job (see the README "Operating it" section). Only the store settings
are needed (DATABASE_URL, STORAGE_DIR), so it runs with the database credentials alone.

It prints counts and interview ids, never names or transcript text. Recordings that an egress
wrote to object storage (S3) are not in STORAGE_DIR: expire those with a bucket lifecycle rule.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from interview_store import InterviewStore, SettingsError, StoreSettings, load_settings

logger = logging.getLogger("tokenserver.retention")

_PAGE = 100


@dataclass
class RetentionResult:
    cutoff: datetime
    interview_ids: list[str] = field(default_factory=list)
    dry_run: bool = False


async def apply_retention(
    store: InterviewStore,
    *,
    older_than: timedelta,
    dry_run: bool = False,
    now: datetime | None = None,
) -> RetentionResult:
    """Delete (or with `dry_run` only list) interviews created before `now - older_than`."""
    if older_than <= timedelta(0):
        raise ValueError("older_than must be positive")
    cutoff = (now or datetime.now(UTC)) - older_than
    result = RetentionResult(cutoff=cutoff, dry_run=dry_run)
    if dry_run:
        offset = 0
        while page := (await store.list(created_before=cutoff, limit=_PAGE, offset=offset))[0]:
            result.interview_ids.extend(summary.id for summary in page)
            offset += len(page)
        return result
    # deleting moves the next page to offset 0: always read the first page again
    while page := (await store.list(created_before=cutoff, limit=_PAGE))[0]:
        deleted = [summary.id for summary in page if await store.delete(summary.id)]
        result.interview_ids.extend(deleted)
        if not deleted:  # someone else deleted them in between: nothing left for us
            break
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tokenserver retention",
        description="Delete interviews (records and files) older than N days.",
    )
    parser.add_argument(
        "--older-than-days",
        type=int,
        required=True,
        metavar="N",
        help="delete interviews created more than N days ago (N >= 1)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be deleted, delete nothing"
    )
    return parser


async def _run(settings: StoreSettings, *, days: int, dry_run: bool) -> RetentionResult:
    store = InterviewStore.from_settings(settings)
    try:
        await store.migrate()
        return await apply_retention(store, older_than=timedelta(days=days), dry_run=dry_run)
    finally:
        await store.aclose()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.older_than_days < 1:
        print("retention: --older-than-days must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = load_settings(StoreSettings)
    except SettingsError as e:
        print(e, file=sys.stderr)
        return 2
    result = asyncio.run(_run(settings, days=args.older_than_days, dry_run=args.dry_run))
    verb = "would delete" if result.dry_run else "deleted"
    for interview_id in result.interview_ids:
        print(f"{verb} {interview_id}")
    print(
        f"retention: {verb} {len(result.interview_ids)} interview(s) created before "
        f"{result.cutoff.isoformat(timespec='seconds')}"
    )
    return 0
