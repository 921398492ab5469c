"""What an interview cost: tokens by modality from every model call, priced with a dated table.

Three processes spend tokens on one interview — the agent's Gemini Live session (audio and
video in, audio out, re-billed context every turn), the agent's frame reviews
(`generate_content` on images) and the evals worker's scoring runs (text). Each prices its own
usage with the same `PriceTable` and stores its `CostLine`s under its `CostSource`
(`InterviewStore.save_cost`, which replaces that source's lines: re-running an evaluation does
not count it twice). The record carries the whole `InterviewCost`; the list carries its total.

The defaults are Google's published Gemini API prices (paid tier, prompts up to 200k tokens),
dated in `PriceTable.as_of` so a reader knows how old they are; deployments override them with
`MODEL_PRICES` (JSON) when Google changes them or for another provider. A model missing from
the table is stored with `usd: null` and listed in `unpriced_models`, never priced at zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import Field, computed_field

from .contract import ContractModel

PER_MILLION = 1_000_000


class CostSource(StrEnum):
    LIVE = "live"
    """The interviewer's realtime session (primary and fallback models)."""
    FRAME_REVIEW = "frame_review"
    """The agent's periodic Gemini review of camera/screen frames."""
    EVALUATION = "evaluation"
    """The evals worker's rubric scoring runs (every attempt, failed ones included)."""
    AVATAR = "avatar"
    """The interviewer's avatar provider (`AVATAR`), billed per minute it rendered: the line's
    `minutes` at the agent's `AVATAR_PRICE_PER_MINUTE_USD`; no tokens."""


class TokenUsage(ContractModel):
    """Tokens of one model, by direction and modality (video = images and video frames)."""

    audio_input: int = 0
    video_input: int = 0
    text_input: int = 0
    audio_output: int = 0
    text_output: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            **{name: getattr(self, name) + getattr(other, name) for name in TokenUsage.model_fields}
        )

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name in TokenUsage.model_fields)

    @classmethod
    def from_genai(cls, usage_metadata: Any) -> TokenUsage:
        """From a google-genai `UsageMetadata` (generate_content or Live): prompt and response
        tokens split by modality when the service says so; otherwise prompt tokens count as
        text and response tokens as text. Thinking tokens are billed as output text."""
        if usage_metadata is None:
            return cls()
        values = dict.fromkeys(cls.model_fields, 0)
        prompt_details = getattr(usage_metadata, "prompt_tokens_details", None) or []
        response_details = getattr(usage_metadata, "response_tokens_details", None) or []
        prompt_total = getattr(usage_metadata, "prompt_token_count", None) or 0
        response_total = (getattr(usage_metadata, "candidates_token_count", None) or 0) or (
            getattr(usage_metadata, "response_token_count", None) or 0
        )
        thoughts = getattr(usage_metadata, "thoughts_token_count", None) or 0
        if prompt_details:
            for d in prompt_details:
                values[_modality_field(d, "input")] += getattr(d, "token_count", 0) or 0
        else:
            values["text_input"] = prompt_total
        if response_details:
            for d in response_details:
                values[_modality_field(d, "output")] += getattr(d, "token_count", 0) or 0
        else:
            values["text_output"] = response_total
        values["text_output"] += thoughts
        return cls(**values)


def _modality_field(detail: Any, direction: str) -> str:
    modality = str(getattr(getattr(detail, "modality", None), "value", "TEXT")).upper()
    if modality == "AUDIO":
        return f"audio_{direction}"
    if modality in ("IMAGE", "VIDEO", "DOCUMENT") and direction == "input":
        return "video_input"
    return f"text_{direction}"


class ModelPrice(ContractModel):
    """USD per 1 million tokens."""

    audio_input: float = Field(ge=0)
    video_input: float = Field(ge=0)
    text_input: float = Field(ge=0)
    audio_output: float = Field(ge=0)
    text_output: float = Field(ge=0)

    def usd(self, usage: TokenUsage) -> float:
        tokens = usage.model_dump()
        prices = self.model_dump()
        cost = math.fsum(tokens[name] * prices[name] for name in TokenUsage.model_fields)
        return round(cost / PER_MILLION, 6)


PRICES_AS_OF = date(2025, 12, 1)
PRICES_SOURCE = (
    "https://ai.google.dev/gemini-api/docs/pricing (paid tier, prompts <= 200k tokens); "
    "2.5 native audio: $3.00/1M audio-video input, $12.00/1M audio output; "
    "https://openai.com/api/pricing (gpt-realtime, the optional failover model)"
)

_NATIVE_AUDIO = ModelPrice(
    audio_input=3.00, video_input=3.00, text_input=0.50, audio_output=12.00, text_output=2.00
)
_FLASH = ModelPrice(
    audio_input=1.00, video_input=0.30, text_input=0.30, audio_output=2.50, text_output=2.50
)
_GPT_REALTIME = ModelPrice(
    audio_input=32.00, video_input=5.00, text_input=4.00, audio_output=64.00, text_output=16.00
)
_FLASH_LITE = ModelPrice(
    audio_input=0.30, video_input=0.10, text_input=0.10, audio_output=0.40, text_output=0.40
)


def _default_models() -> dict[str, ModelPrice]:
    return {
        "gemini-2.5-flash-native-audio": _NATIVE_AUDIO,
        "gemini-live-2.5-flash": _NATIVE_AUDIO,
        "gemini-2.5-flash-lite": _FLASH_LITE,
        "gemini-2.5-flash": _FLASH,
        "gpt-realtime": _GPT_REALTIME,
    }


class PriceTable(ContractModel):
    """Prices by model name prefix (the longest matching prefix wins, so a dated preview name
    like `gemini-2.5-flash-native-audio-preview-12-2025` finds its family)."""

    as_of: date = PRICES_AS_OF
    source: str = PRICES_SOURCE
    models: dict[str, ModelPrice] = Field(default_factory=_default_models)

    def price_of(self, model: str) -> ModelPrice | None:
        name = model.removeprefix("models/")
        matches = [prefix for prefix in self.models if name.startswith(prefix)]
        return self.models[max(matches, key=len)] if matches else None

    def line(self, source: CostSource, model: str, usage: TokenUsage) -> CostLine:
        price = self.price_of(model)
        return CostLine(
            source=source,
            model=model.removeprefix("models/"),
            usage=usage,
            usd=price.usd(usage) if price is not None else None,
        )


class CostLine(ContractModel):
    source: CostSource
    model: str
    usage: TokenUsage
    usd: float | None
    """None: the model is not in the price table (see `InterviewCost.unpriced_models`)."""
    minutes: float | None = None
    """Per-minute billing (the avatar): the minutes priced; None for token-billed lines."""


class InterviewCost(ContractModel):
    lines: list[CostLine] = Field(default_factory=list)
    prices_as_of: date | None = None
    """The price table's date (the latest of the tables the lines were priced with)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_usd(self) -> float:
        """Sum of the priced lines, rounded to the cent's hundredth."""
        return round(math.fsum(line.usd for line in self.lines if line.usd is not None), 4)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unpriced_models(self) -> list[str]:
        return sorted({line.model for line in self.lines if line.usd is None})

    def by_source(self, source: CostSource) -> list[CostLine]:
        return [line for line in self.lines if line.source == source]

    def replacing(
        self, source: CostSource, lines: Sequence[CostLine], *, prices_as_of: date
    ) -> InterviewCost:
        """This cost with `source`'s lines replaced (a re-run evaluation is not added twice)."""
        kept = [line for line in self.lines if line.source != source]
        as_of = prices_as_of if self.prices_as_of is None else max(self.prices_as_of, prices_as_of)
        return InterviewCost(lines=[*kept, *lines], prices_as_of=as_of)
