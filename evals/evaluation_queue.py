"""`python -m evals worker`: evaluate every interview the agent marks `ended`.

The agent requests an evaluation by marking the interview ended (and appending an
`evaluation_requested` note); this loop polls the store for such interviews, oldest first,
and evaluates them one at a time. A `failed` interview that has candidate turns and no
report yet (the interviewer stopped mid-way: the token server fails it on `room_finished`)
is evaluated too, from its partial transcript; it stays failed. Scoring failures still
produce a stored report (status `evaluation_failed`), so nothing is retried forever;
unexpected errors (database down) back off per interview. SIGTERM/SIGINT finish the
evaluation in progress, then exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from dataclasses import dataclass, field

from interview_store import (
    InterviewNotFound,
    InterviewStatus,
    InterviewStore,
    InterviewSummary,
    InvalidTransition,
)

from . import prometheus_metrics
from .evaluation import NotEvaluable, evaluate_interview
from .scoring import Scorer
from .settings import setting_default

logger = logging.getLogger("evals.evaluation_queue")

ERROR_BACKOFF_S = 300.0


@dataclass
class EvalWorker:
    store: InterviewStore
    scorer: Scorer
    poll_interval_s: float = setting_default("eval_poll_interval_s")
    min_candidate_turns: int = setting_default("eval_min_candidate_turns")
    batch_size: int = 20
    metrics_port: int | None = None
    """Serve Prometheus `/metrics` (evaluations by outcome) here while running; None = off."""
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _retry_after: dict[str, float] = field(default_factory=dict)
    _failed_seen: set[str] = field(default_factory=set)
    """Failed interviews already looked at (reported, or nothing to report): a failed record
    never changes again, so each is loaded once per process, not on every poll."""

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not main thread
                loop.add_signal_handler(sig, self.stop)
        if self.metrics_port is not None:
            prometheus_metrics.serve(self.metrics_port)
        logger.info("evals worker started", extra={"poll_interval_s": self.poll_interval_s})
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                logger.exception("evals worker poll failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.poll_interval_s)
        logger.info("evals worker stopped")

    async def run_once(self) -> int:
        """Evaluate the interviews that are `ended` now; returns how many were evaluated."""
        summaries, _ = await self.store.list(status=InterviewStatus.ENDED, limit=self.batch_size)
        summaries += await self._failed_to_evaluate()
        done = 0
        now = time.monotonic()
        for s in sorted(summaries, key=lambda s: s.created_at):
            if self._stopping.is_set():
                break
            if self._retry_after.get(s.id, 0.0) > now:
                continue
            try:
                evaluation = await evaluate_interview(
                    self.store,
                    s.id,
                    scorer=self.scorer,
                    min_candidate_turns=self.min_candidate_turns,
                )
            except (InterviewNotFound, NotEvaluable, InvalidTransition):
                continue  # deleted, or changed status under us: nothing to do
            except Exception:
                logger.exception("evaluation failed", extra={"interview_id": s.id})
                prometheus_metrics.record_evaluation("error")
                self._retry_after[s.id] = time.monotonic() + ERROR_BACKOFF_S
                continue
            prometheus_metrics.record_evaluation(evaluation.status.value)
            prometheus_metrics.record_evaluation_cost(
                evaluation.cost.usd if evaluation.cost is not None else None
            )
            self._retry_after.pop(s.id, None)
            self._failed_seen.add(s.id)  # harmless for ended ones: they are evaluated now
            done += 1
        return done

    async def _failed_to_evaluate(self) -> list[InterviewSummary]:
        """The newest failed interviews with candidate turns and no report: a failed one
        without a single candidate turn has nothing to score (`the candidate never spoke`)."""
        failed, _ = await self.store.list(status=InterviewStatus.FAILED, limit=self.batch_size)
        wanted = []
        for s in failed:
            if s.id in self._failed_seen:
                continue
            record = await self.store.get(s.id)
            has_turns = record is not None and any(
                t.speaker == "candidate" for t in record.transcript
            )
            if record is None or record.report is not None or not has_turns:
                self._failed_seen.add(s.id)
                continue
            wanted.append(s)
        return wanted
