"""Objective metrics of an interview, computed from the record without any model.

These numbers sit next to the rubric scores so a recruiter can check a model's judgement
against something that cannot hallucinate: who talked how much, how fast, how long the
answers were, how long the candidate took to respond, where the long silences were, how the
time was spent per phase and what the camera analysis observed. Everything here is a pure
function of the `InterviewRecord`, so it is cheap to recompute on re-evaluation. The shape
of the result (`InterviewMetrics`) is a contract defined in `interview_store`.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from interview_store import (
    Answer,
    Distribution,
    EventKind,
    InterviewEvent,
    InterviewMetrics,
    InterviewRecord,
    NotableMoment,
    Observation,
    ObservationKind,
    Pause,
    Phase,
    PhaseStats,
    Speaker,
    VisionPhaseStats,
    VisionStats,
)

LONG_PAUSE_S = 5.0
"""A silence between turns at least this long is listed (with its phase: long silences are
normal while coding, notable elsewhere)."""

# Multi-word fillers first so "you know" is not also counted as something shorter.
_FILLERS = (
    "you know",
    "i mean",
    "sort of",
    "kind of",
    "um",
    "umm",
    "uh",
    "uhh",
    "erm",
    "er",
    "hmm",
    "mm",
    "basically",
    "literally",
)
_FILLER_RE = re.compile(r"\b(" + "|".join(re.escape(f) for f in _FILLERS) + r")\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[\w'’\-\u0300-\u036f\u0900-\u0dff\u1000-\u109f]+", re.UNICODE)
"""A word: letters and digits plus the combining vowel signs of Indic and Myanmar scripts
(`\\w` alone would split "हिंदी" at its vowel signs)."""
NO_SPACE_SCRIPT = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u0e00-\u0e7f]"
)
"""Scripts written without spaces between words (Japanese kana, Chinese/Japanese ideographs,
Thai): their words are counted as two characters each."""


@dataclass(frozen=True)
class Turn:
    """Consecutive transcript items of one speaker, merged: what a listener calls "an answer"."""

    index: int
    speaker: Speaker
    text: str
    start_time: float
    end_time: float
    phase: Phase | None
    item_ids: tuple[str, ...]

    @property
    def words(self) -> int:
        return count_words(self.text)

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_time - self.start_time)


def count_words(text: str) -> int:
    """Words in any script: space-separated words, plus one per two characters of scripts
    written without spaces (so a Japanese answer is not one "word" per sentence)."""
    unspaced = len(NO_SPACE_SCRIPT.findall(text))
    spaced = NO_SPACE_SCRIPT.sub(" ", text)
    return len(_WORD_RE.findall(spaced)) + (unspaced + 1) // 2


def merge_turns(record: InterviewRecord) -> list[Turn]:
    """Transcript items merged into turns, in time order, each with its phase."""
    timeline = phase_changes(record.events)
    items = sorted(record.transcript, key=lambda i: (i.start_time, i.end_time))
    turns: list[Turn] = []
    for item in items:
        text = item.text.strip()
        if not text:
            continue
        phase = item.phase or phase_at(timeline, item.start_time)
        last = turns[-1] if turns else None
        if last is not None and last.speaker == item.speaker and last.phase == phase:
            turns[-1] = Turn(
                index=last.index,
                speaker=last.speaker,
                text=f"{last.text} {text}",
                start_time=last.start_time,
                end_time=max(last.end_time, item.end_time),
                phase=phase,
                item_ids=(*last.item_ids, item.item_id),
            )
        else:
            turns.append(
                Turn(
                    index=len(turns),
                    speaker=item.speaker,
                    text=text,
                    start_time=item.start_time,
                    end_time=item.end_time,
                    phase=phase,
                    item_ids=(item.item_id,),
                )
            )
    return turns


def phase_changes(events: Iterable[InterviewEvent]) -> list[tuple[float, Phase]]:
    """(time, phase entered) in time order: `data["to"]` as agent/persistence.py writes it,
    else the event's own phase (the agent stamps a phase change with its destination)."""
    out = []
    for e in events:
        if e.kind != EventKind.PHASE_CHANGE:
            continue
        phase = _as_phase(e.data.get("to")) or e.phase
        if phase is not None:
            out.append((e.at, phase))
    return sorted(out)


def _as_phase(value: Any) -> Phase | None:
    if not isinstance(value, str):
        return None
    try:
        return Phase(value)
    except ValueError:
        return None


def phase_at(timeline: Sequence[tuple[float, Phase]], at: float) -> Phase | None:
    current = None
    for t, phase in timeline:
        if t > at:
            break
        current = phase
    return current


def distribution(values: Sequence[float]) -> Distribution:
    if not values:
        return Distribution()
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return Distribution(
        count=len(ordered),
        mean=round(statistics.fmean(ordered), 2),
        median=round(statistics.median(ordered), 2),
        p90=round(p90, 2),
        max=round(ordered[-1], 2),
    )


def compute_metrics(
    record: InterviewRecord, *, turns: Sequence[Turn] | None = None
) -> InterviewMetrics:
    """`turns`: `merge_turns(record)` when the caller already has it (the report needs both)."""
    turns = merge_turns(record) if turns is None else turns
    cand = [t for t in turns if t.speaker == "candidate"]
    intv = [t for t in turns if t.speaker == "interviewer"]
    cand_talk = sum(t.duration_s for t in cand)
    intv_talk = sum(t.duration_s for t in intv)
    total_talk = cand_talk + intv_talk
    cand_words = sum(t.words for t in cand)
    fillers = Counter(m.group(1).lower() for t in cand for m in _FILLER_RE.finditer(t.text))
    filler_total = sum(fillers.values())
    cand_minutes = cand_talk / 60.0

    return InterviewMetrics(
        duration_s=round(_duration(record, turns), 1),
        candidate_turns=len(cand),
        interviewer_turns=len(intv),
        candidate_talk_s=round(cand_talk, 1),
        interviewer_talk_s=round(intv_talk, 1),
        talk_ratio=round(cand_talk / total_talk, 3) if total_talk > 0 else None,
        candidate_words=cand_words,
        words_per_minute=round(cand_words / cand_minutes, 1) if cand_minutes > 0 else None,
        filler_words=filler_total,
        fillers_per_minute=round(filler_total / cand_minutes, 2) if cand_minutes > 0 else None,
        top_fillers=dict(fillers.most_common(5)),
        answer_words=distribution([float(t.words) for t in cand]),
        answers=[
            Answer(
                start_time=t.start_time,
                phase=t.phase,
                words=t.words,
                duration_s=round(t.duration_s, 1),
            )
            for t in cand
        ],
        response_latency_s=distribution(_response_latencies(turns)),
        agent_latency_s=distribution(_agent_latencies(record.events)),
        long_pauses=_long_pauses(turns),
        phases=_phase_stats(record, turns),
        followups=_followups(record.events),
        # explain_concept logs a HINT with the concept; vision hints are HINTs without one
        tutor_mode_uses=sum(1 for e in record.events_of(EventKind.HINT) if "concept" in e.data),
        vision=vision_stats(record.observations),
    )


def _duration(record: InterviewRecord, turns: Sequence[Turn]) -> float:
    """Time from the first utterance or phase change to the last one; the lifecycle
    timestamps (which include waiting for the candidate to join) only as a fallback."""
    times = [t.start_time for t in turns] + [t.end_time for t in turns]
    times += [at for at, _ in phase_changes(record.events)]
    if len(times) >= 2 and max(times) > min(times):
        return max(times) - min(times)
    return record.duration_s or 0.0


def _response_latencies(turns: Sequence[Turn]) -> list[float]:
    return [
        max(0.0, b.start_time - a.end_time)
        for a, b in itertools.pairwise(turns)
        if a.speaker == "interviewer" and b.speaker == "candidate"
    ]


def _agent_latencies(events: Iterable[InterviewEvent]) -> list[float]:
    out = []
    for e in events:
        if e.kind != EventKind.LATENCY:
            continue
        ms = e.data.get("ms")  # end of speech -> first agent audio, as the agent writes it
        if isinstance(ms, int | float):
            out.append(float(ms) / 1000.0)
    return out


def _long_pauses(turns: Sequence[Turn]) -> list[Pause]:
    pauses = []
    for a, b in itertools.pairwise(turns):
        gap = b.start_time - a.end_time
        if gap >= LONG_PAUSE_S:
            pauses.append(
                Pause(at=a.end_time, duration_s=round(gap, 1), phase=b.phase, before=b.speaker)
            )
    return pauses


def _phase_stats(record: InterviewRecord, turns: Sequence[Turn]) -> list[PhaseStats]:
    timeline = phase_changes(record.events)
    if not timeline:
        # No phase events (old record, crashed agent): fall back to the items' own phases.
        seen: dict[Phase, list[Turn]] = {}
        for t in turns:
            if t.phase:
                seen.setdefault(t.phase, []).append(t)
        timeline = sorted((ts[0].start_time, p) for p, ts in seen.items())
    if not timeline:
        return []
    end_of_interview = max(
        [timeline[-1][0], *(t.end_time for t in turns), *(e.at for e in record.events)]
    )
    stats: dict[Phase, PhaseStats] = {}
    bounds: list[tuple[float, Phase | None]] = [*timeline, (end_of_interview, None)]
    for (start, phase), (end, _) in itertools.pairwise(bounds):
        assert phase is not None  # only the sentinel end has no phase
        s = stats.get(phase)
        if s is None:
            stats[phase] = PhaseStats(
                phase=phase, start_time=start, end_time=end, duration_s=round(end - start, 1)
            )
        else:  # a phase re-entered (e.g. tutor detour) accumulates
            s.end_time = end
            s.duration_s = round(s.duration_s + end - start, 1)
    for t in turns:
        s = stats.get(t.phase) if t.phase is not None else None
        if s is None:
            continue
        if t.speaker == "candidate":
            s.candidate_talk_s = round(s.candidate_talk_s + t.duration_s, 1)
        else:
            s.interviewer_talk_s = round(s.interviewer_talk_s + t.duration_s, 1)
    return list(stats.values())


def _followups(events: Iterable[InterviewEvent]) -> dict[str, int]:
    reasons: Counter[str] = Counter()
    for e in events:
        call = e.tool_call()
        if call is not None and call[0] == "flag_followup":
            reasons[str(call[1].get("reason", "unspecified"))] += 1
    return dict(reasons)


def vision_stats(observations: Sequence[Observation]) -> VisionStats:
    """Camera figures from the vision pipeline's rows, time-weighted over `face_window` rows,
    so they are exact however rarely the face state changed.

    face_visible_pct = Σ face_s / Σ observed_s; looking_away_pct = Σ away_s / Σ face_s (a share
    of the time the face was visible); a multi-face event is a `face_state` row whose presence
    became "multiple"; notable moments are Gemini observations, multi-face starts and long
    absences.
    """
    stats = VisionStats()
    total = _Figures()
    per_phase: dict[Phase | None, _Figures] = {}
    for o in sorted(observations, key=lambda o: o.at):
        d = o.data
        if o.source == "local" and o.kind == ObservationKind.FACE_WINDOW:
            for fig in (total, per_phase.setdefault(o.phase, _Figures())):
                fig.observed_s += _num(d.get("observed_s"))
                fig.face_s += _num(d.get("face_s"))
                fig.away_s += _num(d.get("away_s"))
        elif o.source == "local" and o.kind == ObservationKind.FACE_STATE:
            if d.get("presence") == "multiple":
                stats.multiple_faces_events += 1
                stats.notable.append(_moment(o, f"{d.get('faces', 2)} faces in view"))
        elif o.source == "local" and o.kind == ObservationKind.ABSENCE:
            stats.absences += 1
            stats.notable.append(_moment(o, f"no face on camera for {d.get('seconds', '?')} s"))
        elif o.source == "gemini":
            stats.notable.append(_moment(o, str(d.get("description") or o.kind.value)))
    stats.observed_s = round(total.observed_s, 1)
    stats.face_visible_pct = _pct(total.face_s, total.observed_s)
    stats.looking_away_pct = _pct(total.away_s, total.face_s)
    stats.per_phase = [
        VisionPhaseStats(
            phase=phase,
            observed_s=round(f.observed_s, 1),
            face_visible_pct=_pct(f.face_s, f.observed_s),
            looking_away_pct=_pct(f.away_s, f.face_s),
        )
        for phase, f in per_phase.items()
    ]
    stats.notable = stats.notable[:100]
    return stats


@dataclass
class _Figures:
    observed_s: float = 0.0
    face_s: float = 0.0
    away_s: float = 0.0


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole > 0 else None


def _moment(o: Observation, detail: str) -> NotableMoment:
    return NotableMoment(
        at=o.at,
        phase=o.phase,
        source=o.source,
        kind=o.kind,
        confidence=o.confidence,
        detail=detail[:300],
    )


def clock(seconds: float) -> str:
    """mm:ss from the start of the interview, as the transcript and the report show times."""
    s = max(0, int(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"
