"""Rubric scoring with Gemini `generate_content`: N independent runs, each validated.

One run is one `generate_content` call at a low temperature with a JSON response schema.
Its reply is parsed and validated against `RunOutput`; malformed output, timeouts, 429s,
5xx and dropped connections are retried with exponential back-off, and every attempt is
logged (outcome only, never model text) so the report can say what happened. Other client
errors (bad key, unknown model) are not retried: they will not fix themselves.

Runs execute concurrently; their agreement is judged later (`report.py`). google-genai's
own retry loop is switched off so this module alone decides, and its decisions are visible.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from google import genai
from google.genai import errors, types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from interview_store import LearningItem, PriceTable, ScoringAttempt, ScoringOutcome

from .prompt import ScoringPrompt, response_schema
from .rubric import DIMENSION_KEYS
from .scoring_usage import record_response
from .settings import EvalSettings, setting_default

logger = logging.getLogger("evals.scoring")


def _clip(limit: int) -> Any:
    def clip(value: Any) -> Any:
        return value[:limit] if isinstance(value, str) else value

    return clip


class EvidenceQuote(BaseModel):
    model_config = ConfigDict(extra="ignore")
    turn: str = Field(max_length=16)
    quote: str = Field(min_length=1)

    _clip_quote = field_validator("quote", mode="before")(_clip(600))


class DimensionScore(BaseModel):
    model_config = ConfigDict(extra="ignore")
    score: int = Field(ge=1, le=5)
    rationale: str
    evidence: list[EvidenceQuote] = Field(default_factory=list, max_length=5)

    _clip_rationale = field_validator("rationale", mode="before")(_clip(1500))


class CodingQuote(EvidenceQuote):
    """A quote about complexity or edge cases of the candidate's code (`coding_summary.py`)."""

    topic: Literal["complexity", "edge_cases"]


def _known_topics(value: Any) -> Any:
    """Drop coding quotes with a topic we do not know instead of failing the whole run: they
    are an extra, the scores are what the run is for."""
    if not isinstance(value, list):
        return value
    known = ("complexity", "edge_cases")
    return [v for v in value if isinstance(v, dict) and v.get("topic") in known][:6]


class RunLearningItem(LearningItem):
    """The report's `LearningItem` as a model writes it: unknown fields dropped, text clipped."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("topic", "why", mode="before")
    @classmethod
    def _clip_text(cls, value: Any) -> Any:
        return value[:400] if isinstance(value, str) else value


class RunOutput(BaseModel):
    """One validated scoring run. Unknown fields are dropped, never obeyed."""

    model_config = ConfigDict(extra="ignore")
    dimensions: dict[str, DimensionScore]
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    learning_plan: list[RunLearningItem] = Field(default_factory=list)
    cv_accuracy_notes: list[str] = Field(default_factory=list)
    coding_evidence: list[CodingQuote] = Field(default_factory=list)
    """Quotes on complexity and edge cases; asked for only when a coding problem was shown."""

    _coding_topics = field_validator("coding_evidence", mode="before")(_known_topics)

    @field_validator("dimensions")
    @classmethod
    def _all_dimensions(cls, value: dict[str, DimensionScore]) -> dict[str, DimensionScore]:
        missing = [k for k in DIMENSION_KEYS if k not in value]
        if missing:
            raise ValueError(f"missing dimensions: {', '.join(missing)}")
        return {k: value[k] for k in DIMENSION_KEYS}

    @field_validator("strengths", "improvements", "cv_accuracy_notes")
    @classmethod
    def _short_list(cls, value: list[str]) -> list[str]:
        return [s[:500] for s in value if s.strip()][:5]


@dataclass
class ScoringResult:
    runs: list[RunOutput]
    attempts: list[ScoringAttempt]


class ScoringFailed(RuntimeError):
    """Every run failed after its retries; `attempts` says how."""

    def __init__(self, message: str, attempts: list[ScoringAttempt]) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class ScoringOptions:
    """How scoring runs. Built from `EvalSettings` (`from_settings`); the defaults here are
    read from the settings' fields, so each knob has exactly one literal default."""

    model: str = setting_default("eval_model")
    temperature: float = setting_default("eval_temperature")
    runs: int = setting_default("eval_runs")
    timeout_s: float = setting_default("eval_timeout_s")
    max_attempts: int = setting_default("eval_max_attempts")
    retry_backoff_s: float = setting_default("eval_retry_backoff_s")
    prices: PriceTable = field(default_factory=lambda: setting_default("model_prices"))
    """Prices the evaluation's tokens (`MODEL_PRICES`)."""

    @classmethod
    def from_settings(cls, settings: EvalSettings) -> ScoringOptions:
        return cls(
            model=settings.eval_model,
            temperature=settings.eval_temperature,
            runs=settings.eval_runs,
            timeout_s=settings.eval_timeout_s,
            max_attempts=settings.eval_max_attempts,
            retry_backoff_s=settings.eval_retry_backoff_s,
            prices=settings.model_prices,
        )


@dataclass
class _RunState:
    attempts: list[ScoringAttempt] = field(default_factory=list)


class _Malformed(Exception):
    pass


class Scorer:
    """Scores a prompt `options.runs` times. Owns its genai client; close with `aclose`."""

    def __init__(self, *, client: genai.Client, options: ScoringOptions) -> None:
        self._client = client
        self._opts = options

    @classmethod
    def from_settings(cls, settings: EvalSettings) -> Scorer:
        options = ScoringOptions.from_settings(settings)
        return cls(
            client=make_client(
                api_key=settings.require_api_key(),
                base_url=settings.gemini_base_url,
                timeout_s=options.timeout_s,
            ),
            options=options,
        )

    @property
    def options(self) -> ScoringOptions:
        return self._opts

    async def aclose(self) -> None:
        await self._client.aio.aclose()

    async def score(self, prompt: ScoringPrompt) -> ScoringResult:
        states = [_RunState() for _ in range(self._opts.runs)]
        results = await asyncio.gather(
            *(self._run(prompt, i + 1, st) for i, st in enumerate(states))
        )
        attempts = [a for st in states for a in st.attempts]
        runs = [r for r in results if r is not None]
        if not runs:
            last = attempts[-1] if attempts else None
            why = f"{last.outcome}: {last.detail}" if last else "no attempt made"
            raise ScoringFailed(
                f"all {self._opts.runs} scoring runs failed after retries (last: {why})",
                attempts,
            )
        return ScoringResult(runs=runs, attempts=attempts)

    async def _run(self, prompt: ScoringPrompt, run: int, state: _RunState) -> RunOutput | None:
        config = types.GenerateContentConfig(
            system_instruction=prompt.system_instruction,
            temperature=self._opts.temperature,
            response_mime_type="application/json",
            response_json_schema=response_schema(),
        )
        for attempt in range(1, self._opts.max_attempts + 1):
            outcome: ScoringOutcome
            try:
                async with asyncio.timeout(self._opts.timeout_s + 1.0):
                    resp = await self._client.aio.models.generate_content(
                        model=self._opts.model, contents=prompt.user_content, config=config
                    )
                record_response(resp)  # billed even when the answer turns out malformed
                output = parse_run_output(resp.text)
            except _Malformed as e:
                outcome, detail = "malformed", str(e)
            except (TimeoutError, aiohttp.ServerTimeoutError):
                outcome, detail = "timeout", f"no reply within {self._opts.timeout_s:g}s"
            except errors.APIError as e:
                code = e.code or 0
                if code == 429:
                    outcome = "rate_limited"
                elif code >= 500 or code == 408:
                    outcome = "server_error"
                else:
                    outcome = "client_error"
                detail = f"HTTP {code} {e.status or ''}".strip()
            except aiohttp.ClientError as e:
                outcome, detail = "server_error", f"connection: {type(e).__name__}"
            else:
                state.attempts.append(ScoringAttempt(run=run, attempt=attempt, outcome="ok"))
                return output
            state.attempts.append(
                ScoringAttempt(run=run, attempt=attempt, outcome=outcome, detail=detail)
            )
            logger.warning(
                "scoring attempt failed",
                extra={"run": run, "attempt": attempt, "outcome": outcome, "detail": detail},
            )
            if outcome == "client_error" or attempt == self._opts.max_attempts:
                return None
            delay = self._opts.retry_backoff_s * (2 ** (attempt - 1))
            await asyncio.sleep(delay * (1.0 + random.random() * 0.25))
        return None


def parse_run_output(text: str | None) -> RunOutput:
    """JSON text → validated run, or `_Malformed` with a reason that contains no model text."""
    if not text:
        raise _Malformed("empty reply (blocked or no candidates)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise _Malformed(f"not JSON ({e.msg} at char {e.pos})") from None
    if not isinstance(data, dict):
        raise _Malformed("JSON is not an object")
    try:
        return RunOutput.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _Malformed(f"schema: {where}: {first['msg']}") from None


def make_client(*, api_key: str, base_url: str | None, timeout_s: float) -> genai.Client:
    return genai.Client(
        api_key=api_key,
        http_options=types.HttpOptions(
            base_url=base_url,
            timeout=int(timeout_s * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )
