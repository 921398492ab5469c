"""Evidence integrity: a quote counts only if the candidate actually said it.

Models paraphrase and sometimes invent quotes that sound plausible. Each quote a scoring run
gives is looked up in the candidate's own turns after normalising whitespace, case, Unicode
forms and typographic quotes/dashes (and trimming punctuation at the quote's ends); anything
else must match word for word. A found quote gets the timestamp of the transcript item it
comes from, so a recruiter can jump to it in the recording. A quote that is not found, is
the interviewer's words, or is too short to show anything is rejected, and a score left
without any accepted quote is unsupported (excluded from the overall score by `report.py`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from interview_store import EvidenceQuote, TranscriptItem

from .talk_metrics import NO_SPACE_SCRIPT, Turn, count_words

MIN_QUOTE_WORDS = 3
""""Yes", "I think so": true, and proof of nothing."""

_TRANSLATE = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "…": "...",
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = " \t\n\"'.,;:!?-()[]…。、「」『』।॥"
_CJK_PUNCT = re.compile(r"[、。「」『』・〜]")
"""Japanese/Chinese punctuation that transcription and models add or drop freely."""


def _unspace_cjk(text: str) -> str:
    """Drop CJK punctuation and the spaces next to characters of scripts written without
    spaces: transcripts of Japanese or Chinese speech put spaces (and commas) where a quote
    copied by a model has none, and vice versa."""
    text = _CJK_PUNCT.sub(" ", text)
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " ":
            before = out[-1] if out else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if NO_SPACE_SCRIPT.match(before) or NO_SPACE_SCRIPT.match(after):
                continue
        out.append(ch)
    return "".join(out)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
    text = _SPACE.sub(" ", text).strip()
    return _unspace_cjk(text) if NO_SPACE_SCRIPT.search(text) else text


def normalise_quote(quote: str) -> str:
    q = normalise(quote)
    # models wrap quotes in "...", or end them with an ellipsis or a full stop
    while q and (q[0] in _EDGE_PUNCT or q[-1] in _EDGE_PUNCT):
        q = q.strip(_EDGE_PUNCT)
    return q


@dataclass(frozen=True)
class CheckedQuote:
    quote: str
    turn_id: str | None
    """The turn the quote was actually found in (may differ from the one the model named)."""
    timestamp: float | None
    """Epoch seconds of the transcript item holding the quote."""
    verified: bool
    reason: str = ""

    def to_evidence(self, *, t0: float) -> EvidenceQuote:
        """The report's form of this check; `t0` is the start the offsets count from."""
        return EvidenceQuote(
            quote=self.quote,
            turn=self.turn_id,
            timestamp=self.timestamp,
            offset_s=round(self.timestamp - t0, 1) if self.timestamp is not None else None,
            verified=self.verified,
            reason=self.reason,
        )


class EvidenceChecker:
    """Looks quotes up in one interview's transcript. Build once, check many."""

    def __init__(self, *, turns: Mapping[str, Turn], items: Iterable[TranscriptItem]) -> None:
        self._turns = dict(turns)
        self._items = {i.item_id: i for i in items}
        self._norm_turns = {tid: normalise(t.text) for tid, t in self._turns.items()}

    def check(self, quote: str, turn_id: str | None) -> CheckedQuote:
        needle = normalise_quote(quote)
        if count_words(needle) < MIN_QUOTE_WORDS:
            return CheckedQuote(quote, turn_id, None, False, "too short to be evidence")
        order = [turn_id] if turn_id in self._turns else []
        order += [tid for tid in self._turns if tid != turn_id]
        interviewer_hit = False
        for tid in order:
            if needle not in self._norm_turns[tid]:
                continue
            turn = self._turns[tid]
            if turn.speaker != "candidate":
                interviewer_hit = True
                continue
            return CheckedQuote(quote, tid, self._timestamp(turn, needle), True)
        if interviewer_hit:
            return CheckedQuote(quote, turn_id, None, False, "these are the interviewer's words")
        return CheckedQuote(quote, turn_id, None, False, "not found in the transcript")

    def _timestamp(self, turn: Turn, needle: str) -> float:
        for item_id in turn.item_ids:
            item = self._items.get(item_id)
            if item is not None and needle in normalise(item.text):
                return item.start_time
        return turn.start_time  # the quote spans two items of one turn
