"""Settings of the evaluation process (`python -m evals ...`).

The Google API key is optional here because only scoring needs it: objective metrics, the
HTML page and the report worker run without one. Commands that call the model ask
for it through `require_api_key`, which fails with the same one-line error as start-up.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from interview_store import PriceTable, SettingsError, StoreSettings


class EvalSettings(StoreSettings):
    google_api_key: str | None = None
    """Gemini API key (GOOGLE_API_KEY); required for scoring."""

    eval_model: str = "gemini-2.5-flash"
    """Model that scores the rubric (generate_content with a JSON response schema)."""

    eval_temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    """Low but not zero: two runs at 0.3 disagree only where the evidence is ambiguous."""

    eval_runs: int = Field(default=2, ge=1, le=5)
    """Independent scoring runs averaged per dimension; >1 point apart → human review."""

    eval_timeout_s: float = Field(default=120.0, gt=0)
    """Per-request timeout for one scoring call."""

    eval_max_attempts: int = Field(default=3, ge=1, le=10)
    """Attempts per run on malformed output, timeouts, 429 and 5xx before giving up."""

    eval_retry_backoff_s: float = Field(default=2.0, ge=0)
    """First back-off delay; doubles per attempt (with jitter)."""

    eval_min_candidate_turns: int = Field(default=3, ge=1)
    """Fewer candidate turns than this → a report that says there is too little signal."""

    eval_poll_interval_s: float = Field(default=10.0, gt=0)
    """How often `python -m evals worker` looks for interviews marked `ended`."""

    model_prices: PriceTable = Field(default_factory=PriceTable)
    """USD per 1M tokens by model-name prefix, dated (MODEL_PRICES, JSON; the same table the
    agent uses, default Google's published prices: see `interview_store.PriceTable`)."""

    evals_metrics_port: int | None = Field(default=9102, ge=0, le=65535)
    """Prometheus `/metrics` of `python -m evals worker` (evaluations by outcome); unset = off."""

    gemini_base_url: str | None = None
    """Override of the Gemini REST endpoint (proxies, tests on loopback); unset = Google's."""

    def require_api_key(self) -> str:
        if not self.google_api_key:
            raise SettingsError(
                "configuration error: GOOGLE_API_KEY is required but not set (see .env.example)"
            )
        return self.google_api_key


def setting_default(name: str) -> Any:
    """The default of one `EvalSettings` field, for options objects that must not restate it."""
    return EvalSettings.model_fields[name].get_default(call_default_factory=True)
