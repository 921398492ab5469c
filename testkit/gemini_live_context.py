"""The server-side conversation of an emulated Gemini Live session, and the token usage it bills.

Why the emulator keeps one: the real service holds the conversation on its side. A resumed
session (setup with `sessionResumption.handle`) continues from the context that handle stood
for, without the client re-sending it; every model turn bills the whole context as prompt
tokens ("context is re-billed per turn"); sliding-window compression drops the oldest turns
when the context grows past `triggerTokens`. Tests of resumption, cost and compression need
those three behaviours, so the emulator models them with the service's published rates:

- audio: 25 tokens per second (input speech and output audio);
- an image (a video frame): 258 tokens;
- text: about 4 characters per token.

Modalities are named as `google.genai.types.MediaModality` values (`TEXT`, `AUDIO`, `IMAGE`),
the names `usageMetadata.promptTokensDetails` carries on the wire.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

AUDIO_TOKENS_PER_S = 25
FRAME_TOKENS = 258
CHARS_PER_TEXT_TOKEN = 4

TEXT = "TEXT"
AUDIO = "AUDIO"
IMAGE = "IMAGE"


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TEXT_TOKEN) if text else 0


def audio_tokens(samples: int, rate: int) -> int:
    """Tokens for `samples` of audio at `rate` Hz, rounded up (integer arithmetic, so a
    whole number of seconds costs exactly 25 tokens each)."""
    return -(-samples * AUDIO_TOKENS_PER_S // rate) if samples > 0 else 0


@dataclass(frozen=True)
class ContextTurn:
    """One entry of the conversation: who said it, what (as text) and what it costs."""

    role: str
    """"user", "model" or "tool" (a function response)."""
    text: str
    tokens: tuple[tuple[str, int], ...]
    """(modality, count) pairs."""

    @classmethod
    def of(cls, role: str, text: str, **tokens: int) -> ContextTurn:
        return cls(role, text, tuple((m, n) for m, n in tokens.items() if n > 0))

    @property
    def total(self) -> int:
        return sum(n for _, n in self.tokens)


@dataclass
class SessionContext:
    """The context of one Live connection: a fixed prefix (system instruction and tools) and
    the turns since, compressed with a sliding window when the setup asked for one."""

    prefix_tokens: int
    trigger_tokens: int | None = None
    target_tokens: int | None = None
    _turns: list[ContextTurn] = field(default_factory=list)
    _compressions: int = 0

    @property
    def turns(self) -> tuple[ContextTurn, ...]:
        return tuple(self._turns)

    @property
    def compressions(self) -> int:
        """How many times the sliding window dropped old turns."""
        return self._compressions

    @property
    def total_tokens(self) -> int:
        return self.prefix_tokens + sum(t.total for t in self._turns)

    def texts(self, role: str | None = None) -> list[str]:
        return [t.text for t in self._turns if t.text and (role is None or t.role == role)]

    def restore(self, turns: tuple[ContextTurn, ...]) -> None:
        """Continue a resumed session from the turns its handle stood for."""
        self._turns = list(turns)

    def add(self, turn: ContextTurn) -> None:
        self._turns.append(turn)
        if self.trigger_tokens is None or self.total_tokens <= self.trigger_tokens:
            return
        target = self.target_tokens or 0
        while self._turns and self.total_tokens > target:
            self._turns.pop(0)
        self._compressions += 1

    def by_modality(self) -> Counter[str]:
        counts: Counter[str] = Counter({TEXT: self.prefix_tokens} if self.prefix_tokens else {})
        for turn in self._turns:
            for modality, n in turn.tokens:
                counts[modality] += n
        return counts


def usage_metadata(prompt: Counter[str], response: Counter[str]) -> dict[str, Any]:
    """`usageMetadata` as the service sends it (camelCase; `google.genai.types.UsageMetadata`)."""

    def details(counts: Counter[str]) -> list[dict[str, Any]]:
        return [{"modality": m, "tokenCount": n} for m, n in sorted(counts.items()) if n > 0]

    prompt_total, response_total = sum(prompt.values()), sum(response.values())
    return {
        "promptTokenCount": prompt_total,
        "responseTokenCount": response_total,
        "totalTokenCount": prompt_total + response_total,
        "promptTokensDetails": details(prompt),
        "responseTokensDetails": details(response),
    }
