"""`python -m evals batch`: re-evaluate many interviews with a progress bar.

Used after a rubric or model change, or to retry reports whose scoring failed. Selection is
by status (default: ended and evaluated), creation time and report flag; a small concurrency
keeps within model rate limits (each evaluation already makes `EVAL_RUNS` calls).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tqdm import tqdm

from interview_store import InterviewStatus, InterviewStore, InterviewSummary

from .evaluation import evaluate_interview
from .scoring import Scorer
from .settings import setting_default

logger = logging.getLogger("evals.batch")

PAGE = 200


@dataclass(frozen=True)
class BatchSelection:
    statuses: Sequence[InterviewStatus] = (InterviewStatus.ENDED, InterviewStatus.EVALUATED)
    since: datetime | None = None
    flag: str | None = None
    limit: int | None = None


@dataclass
class BatchResult:
    evaluated: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    """Interview ids whose evaluation raised (details in the log)."""


async def select_interviews(store: InterviewStore, sel: BatchSelection) -> list[InterviewSummary]:
    chosen: list[InterviewSummary] = []
    for status in sel.statuses:
        offset = 0
        while True:
            page, total = await store.list(status=status, limit=PAGE, offset=offset)
            for s in page:  # newest first: stop at the first one older than `since`
                if sel.since is not None and s.created_at < sel.since:
                    break
                if sel.flag is None or sel.flag in s.flags:
                    chosen.append(s)
            else:
                offset += PAGE
                if offset < total:
                    continue
            break
    chosen.sort(key=lambda s: s.created_at)
    return chosen[: sel.limit] if sel.limit is not None else chosen


async def run_batch(
    store: InterviewStore,
    scorer: Scorer,
    selection: BatchSelection,
    *,
    concurrency: int = 2,
    min_candidate_turns: int = setting_default("eval_min_candidate_turns"),
    progress: bool = True,
) -> BatchResult:
    targets = await select_interviews(store, selection)
    result = BatchResult()
    sem = asyncio.Semaphore(max(1, concurrency))
    bar = tqdm(total=len(targets), desc="evaluating", unit="interview", disable=not progress)

    async def one(s: InterviewSummary) -> None:
        async with sem:
            try:
                ev = await evaluate_interview(
                    store, s.id, scorer=scorer, min_candidate_turns=min_candidate_turns
                )
            except Exception:
                logger.exception("evaluation failed", extra={"interview_id": s.id})
                result.errors.append(s.id)
            else:
                result.evaluated += 1
                result.by_status[ev.status.value] = result.by_status.get(ev.status.value, 0) + 1
            finally:
                bar.update(1)

    try:
        await asyncio.gather(*(one(s) for s in targets))
    finally:
        bar.close()
    return result
