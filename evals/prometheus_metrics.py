"""Prometheus metrics of the evals worker (`python -m evals worker`), on its own port.

Why an HTTP endpoint rather than a textfile: the worker is one long-running process with no
web server of its own, and prometheus_client's `start_http_server` is a daemon thread that
serves the default registry — nothing to rotate or clean up, and Prometheus scrapes it like
the agent workers (`EVALS_METRICS_PORT`, 9102 by default; unset to turn it off). One-shot
commands (`report`, `batch`) export nothing: they print their outcome.

Every label value exists from start-up: `increase()` counts changes between two samples, so
a series born with the first failure after a restart would hide that failure.
"""

from __future__ import annotations

from prometheus_client import Counter, start_http_server

from interview_store import ReportStatus

OUTCOMES = (*(s.value for s in ReportStatus), "error")
"""A report status, or `error`: the evaluation raised (database down, a bug) and is retried
after a back-off."""
FAILED_OUTCOMES = ("evaluation_failed", "error")

EVALUATIONS = Counter(
    "interview_evaluations_total",
    "Interviews the evals worker evaluated, by outcome: scored, insufficient_signal (too few "
    "candidate turns), evaluation_failed (scoring failed after retries: metrics-only report), "
    "error (the evaluation raised; retried later).",
    ["outcome"],
)
for _outcome in OUTCOMES:
    EVALUATIONS.labels(outcome=_outcome)


EVALUATION_COST = Counter(
    "interview_evaluation_cost_usd_total",
    "What the evaluations' scoring calls cost (USD, priced with MODEL_PRICES); the agent "
    "exports the live session's and frame reviews' part (interview_cost_usd_total).",
)


def record_evaluation_cost(usd: float | None) -> None:
    if usd is not None and usd > 0:
        EVALUATION_COST.inc(usd)


def record_evaluation(outcome: str) -> None:
    EVALUATIONS.labels(outcome=outcome if outcome in OUTCOMES else "error").inc()


def serve(port: int, *, addr: str = "0.0.0.0") -> None:
    """Serve `/metrics` from a daemon thread for the life of the process (all interfaces:
    Prometheus scrapes it over the compose network)."""
    start_http_server(port, addr=addr)
