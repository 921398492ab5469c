"""One evaluation, start to finish: load the record, score it, store the report, render HTML.

`worker`, `batch` and `report` commands all come through `evaluate_interview`, so they
behave the same. The report JSON goes into the record (`store.save_report`), the page into
`store.files_dir(id)/report.html` (written atomically: the dashboard may be serving the old
one while we write).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interview_store import InterviewNotFound, InterviewRecord, InterviewStatus, InterviewStore

from .prompt import build_prompt
from .render import render_report_html
from .report import failed_report, insufficient_signal_report, scored_report
from .scoring import Scorer, ScoringFailed
from .talk_metrics import compute_metrics, merge_turns

logger = logging.getLogger("evals.evaluation")

EVALUABLE = (InterviewStatus.ENDED, InterviewStatus.EVALUATED)


class NotEvaluable(RuntimeError):
    """The interview is not over (or failed before it began); nothing to evaluate yet."""


@dataclass(frozen=True)
class Evaluation:
    interview_id: str
    report: dict[str, Any]
    html_path: Path

    @property
    def status(self) -> str:
        return str(self.report["status"])


async def evaluate_interview(
    store: InterviewStore,
    interview_id: str,
    *,
    scorer: Scorer,
    min_candidate_turns: int = 3,
) -> Evaluation:
    record = await store.get(interview_id)
    if record is None:
        raise InterviewNotFound(interview_id)
    if record.status not in EVALUABLE:
        raise NotEvaluable(
            f"interview {interview_id} is {record.status.value}; only ended or evaluated "
            "interviews can be evaluated"
        )
    report = await build_report(record, scorer=scorer, min_candidate_turns=min_candidate_turns)
    await store.save_report(
        interview_id, report, overall_score=report["overall_score"], flags=report["flags"]
    )
    html_path = await write_html(store.files_dir(interview_id), record, report)
    logger.info(
        "interview evaluated",
        extra={"interview_id": interview_id, "status": report["status"], "flags": report["flags"]},
    )
    return Evaluation(interview_id=interview_id, report=report, html_path=html_path)


async def build_report(
    record: InterviewRecord, *, scorer: Scorer, min_candidate_turns: int
) -> dict[str, Any]:
    turns = merge_turns(record)
    metrics = compute_metrics(record, turns=turns)
    if metrics.candidate_turns < min_candidate_turns:
        return insufficient_signal_report(record, metrics, min_turns=min_candidate_turns)
    prompt = build_prompt(record, turns, metrics)
    try:
        result = await scorer.score(prompt)
    except ScoringFailed as e:
        return failed_report(
            record, metrics, error=str(e), attempts=e.attempts, options=scorer.options
        )
    return scored_report(record, metrics, prompt, result, options=scorer.options)


async def write_html(folder: Path, record: InterviewRecord, report: dict[str, Any]) -> Path:
    html = render_report_html(report, record)

    def _write() -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "report.html"
        tmp = folder / f".report.html.{os.getpid()}.tmp"
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(target)
        return target

    return await asyncio.to_thread(_write)
