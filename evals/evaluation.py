"""One evaluation, start to finish: load the record, score it, store the report, render HTML.

`worker`, `batch` and `report` commands all come through `evaluate_interview`, so they
behave the same. The typed report goes into the record (`store.save_report`), the page into
`store.files_dir(id)/report.html`, and whether the page was drawn into the record too
(`store.set_report_render`), so a page that failed is visible as such.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from interview_store import (
    CostLine,
    CostSource,
    InterviewNotFound,
    InterviewRecord,
    InterviewStatus,
    InterviewStore,
    Report,
    ReportFlag,
    ReportRender,
    ReportRenderState,
    ReportStatus,
)

from .prompt import build_prompt
from .render import render_report_html
from .report import failed_report, insufficient_signal_report, scored_report
from .scoring import Scorer, ScoringFailed
from .scoring_usage import UsageMeter, metered
from .settings import setting_default
from .talk_metrics import compute_metrics, merge_turns

logger = logging.getLogger("evals.evaluation")

EVALUABLE = (InterviewStatus.ENDED, InterviewStatus.EVALUATED, InterviewStatus.FAILED)
"""A `failed` interview (the interviewer stopped mid-way) is scored on what it has: the
report says it was cut short and the interview stays failed."""


class NotEvaluable(RuntimeError):
    """The interview is not over (or failed before it began); nothing to evaluate yet."""


@dataclass(frozen=True)
class Evaluation:
    interview_id: str
    report: Report
    render: ReportRender
    html_path: Path | None
    """None when the page could not be drawn (`render.error` says why)."""
    cost: CostLine | None = None
    """What this evaluation's scoring calls cost (stored in the record's cost, `evaluation`)."""

    @property
    def status(self) -> ReportStatus:
        return self.report.status


async def evaluate_interview(
    store: InterviewStore,
    interview_id: str,
    *,
    scorer: Scorer,
    min_candidate_turns: int = setting_default("eval_min_candidate_turns"),
) -> Evaluation:
    """Score, store, then draw. The report is stored before its page is drawn, and the
    page's outcome is stored beside it: a page that fails to draw leaves a visible `failed`
    render state with the reason, never a silently missing file."""
    record = await store.get(interview_id)
    if record is None:
        raise InterviewNotFound(interview_id)
    if record.status not in EVALUABLE:
        raise NotEvaluable(
            f"interview {interview_id} is {record.status.value}; only ended, evaluated or "
            "failed interviews can be evaluated"
        )
    with metered() as meter:
        report = await build_report(record, scorer=scorer, min_candidate_turns=min_candidate_turns)
    await store.save_report(interview_id, report)
    cost = await _save_cost(store, interview_id, scorer, meter)
    html_path, render = await write_html(store.files_dir(interview_id), record, report)
    await store.set_report_render(interview_id, render)
    logger.info(
        "interview evaluated",
        extra={
            "interview_id": interview_id,
            "status": report.status.value,
            "flags": [f.value for f in report.flags],
            "render": render.state.value,
        },
    )
    return Evaluation(
        interview_id=interview_id, report=report, render=render, html_path=html_path, cost=cost
    )


async def _save_cost(
    store: InterviewStore, interview_id: str, scorer: Scorer, meter: UsageMeter
) -> CostLine | None:
    """Replace the record's evaluation cost with this evaluation's (a re-run is not added to
    the previous one: the record says what producing its current report cost)."""
    prices = scorer.options.prices
    lines = (
        [prices.line(CostSource.EVALUATION, scorer.options.model, meter.usage)]
        if meter.calls
        else []
    )
    await store.save_cost(interview_id, CostSource.EVALUATION, lines, prices_as_of=prices.as_of)
    return lines[0] if lines else None


async def build_report(
    record: InterviewRecord, *, scorer: Scorer, min_candidate_turns: int
) -> Report:
    report = await _build_report(record, scorer=scorer, min_candidate_turns=min_candidate_turns)
    if record.status == InterviewStatus.FAILED:
        _mark_cut_short(report, record.failure_reason)
    return report


def _mark_cut_short(report: Report, reason: str | None) -> None:
    """A failed interview's report covers only the transcript stored before it stopped: say
    so first in the recruiter's message and ask for a human look, so a short report is not
    read as a short answer."""
    note = (
        f"This interview was cut short ({reason or 'it stopped unexpectedly'}); the report "
        "covers only the transcript recorded before that."
    )
    report.message = f"{note} {report.message}" if report.message else note
    if ReportFlag.NEEDS_HUMAN_REVIEW not in report.flags:
        report.flags.append(ReportFlag.NEEDS_HUMAN_REVIEW)


async def _build_report(
    record: InterviewRecord, *, scorer: Scorer, min_candidate_turns: int
) -> Report:
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


async def write_html(
    folder: Path, record: InterviewRecord, report: Report
) -> tuple[Path | None, ReportRender]:
    """Draw report.html atomically (the dashboard may be serving the old one meanwhile).

    A drawing bug must not lose the stored report nor hide itself: it is logged with its
    traceback and returned as a failed render whose error names the exception type only
    (the message could quote transcript text)."""
    try:
        html = render_report_html(report, record)
    except Exception as e:
        logger.exception("report.html could not be rendered", extra={"interview_id": record.id})
        return None, ReportRender(
            state=ReportRenderState.FAILED,
            error=f"the report page could not be drawn ({type(e).__name__}); the report "
            "data is stored: re-run `python -m evals report <id>` after a fix",
        )

    def _write() -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "report.html"
        tmp = folder / f".report.html.{os.getpid()}.tmp"
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(target)
        return target

    try:
        path = await asyncio.to_thread(_write)
    except OSError as e:
        logger.exception("report.html could not be written", extra={"interview_id": record.id})
        return None, ReportRender(
            state=ReportRenderState.FAILED,
            error=f"the report page could not be written ({type(e).__name__}: {e.strerror})",
        )
    return path, ReportRender(state=ReportRenderState.RENDERED)
