"""The agent's part of an interview's cost: the realtime session and the frame reviews.

Why from `session.usage` and not by counting ourselves: livekit-agents aggregates every
`RealtimeModelMetrics` the plugin emits (one per Gemini `usageMetadata`, i.e. per model turn,
with prompt and response tokens by modality) into `session.usage.model_usage`, one entry per
provider and model — so a failover's fallback model gets its own line, and each turn's
re-billed context is already in the prompt counts, as Google bills it. Cached prompt tokens
are billed as uncached (Gemini Live reports none today; the table has no cache price).

Written once, in `finalize`, before the interview is marked ended: the evals worker adds the
evaluation's lines to the same record later (`CostSource.EVALUATION`).
"""

from __future__ import annotations

import logging
from typing import Any

from interview_store import (
    CostLine,
    CostSource,
    InterviewCost,
    InterviewStore,
    PriceTable,
    TokenUsage,
)

from . import prometheus_metrics

logger = logging.getLogger("agent.interview_costing")


def live_usage(model_usage: list[Any]) -> dict[str, TokenUsage]:
    """Model name -> tokens, from `AgentSession.usage.model_usage` (its LLM entries)."""
    out: dict[str, TokenUsage] = {}
    for u in model_usage:
        if getattr(u, "type", None) != "llm_usage":
            continue  # VAD/STT/TTS entries: not billed per token here
        usage = TokenUsage(
            audio_input=u.input_audio_tokens,
            video_input=u.input_image_tokens,
            text_input=u.input_text_tokens,
            audio_output=u.output_audio_tokens,
            text_output=u.output_text_tokens,
        )
        if usage.total == 0 and (u.input_tokens or u.output_tokens):
            # a provider without the modality split: all of it as text
            usage = TokenUsage(text_input=u.input_tokens, text_output=u.output_tokens)
        model = str(u.model)
        out[model] = out.get(model, TokenUsage()) + usage
    return out


def agent_cost_lines(
    prices: PriceTable,
    *,
    model_usage: list[Any],
    frame_review: tuple[str, TokenUsage] | None,
) -> dict[CostSource, list[CostLine]]:
    lines = {
        CostSource.LIVE: [
            prices.line(CostSource.LIVE, model, usage)
            for model, usage in live_usage(model_usage).items()
        ],
        CostSource.FRAME_REVIEW: [],
    }
    if frame_review is not None and frame_review[1].total > 0:
        model, usage = frame_review
        lines[CostSource.FRAME_REVIEW].append(prices.line(CostSource.FRAME_REVIEW, model, usage))
    return lines


async def store_agent_cost(
    store: InterviewStore,
    interview_id: str,
    prices: PriceTable,
    *,
    model_usage: list[Any],
    frame_review: tuple[str, TokenUsage] | None,
) -> InterviewCost | None:
    """Price and store the live session's and the frame reviews' usage; export the amounts.
    A failure is logged, never raised: the interview's end must not depend on its bill."""
    cost: InterviewCost | None = None
    try:
        for source, lines in agent_cost_lines(
            prices, model_usage=model_usage, frame_review=frame_review
        ).items():
            cost = await store.save_cost(interview_id, source, lines, prices_as_of=prices.as_of)
            prometheus_metrics.record_cost(
                source.value, sum(line.usd for line in lines if line.usd is not None)
            )
    except Exception:
        logger.exception("could not store the interview cost", extra={"interview_id": interview_id})
    return cost
