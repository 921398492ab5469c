"""The coding section of the report, counted from what the agent recorded while it happened.

The coding workspace (`agent/coding/workspace.py`) appends a PROBLEM row when a problem comes
on screen (first pick, easier, harder), a CODE_SNAPSHOT row for the editor's content, a
CODE_RUN row for every Run (visible tests) and Submit (hidden tests), and a HINT row (source
"problem_bank") for every bank hint the interviewer gives. This module turns those rows into
facts a recruiter can check against the recording: per problem, in the order shown, the final
code, the best and final test results of each kind, the time from the problem appearing to the
first all-green run, how many runs, submits and hints. It never sees hidden tests themselves:
the record holds only their counts.

It also picks the candidate's words on complexity and edge cases as evidence. The scoring
model is asked for such quotes (`coding_evidence` in its reply); when none of them checks out,
simple rules pick sentences from the candidate's turns during the coding phase. Either way every
quote goes through the same verbatim check as the rubric's evidence (`evidence.py`): a quote the
candidate did not say is rejected and shown as such, never counted.

A malformed row (an older agent, a bug) is skipped with a warning, never allowed to stop the
report: the rest of the interview's evidence matters more than one unreadable run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interview_store import (
    CodingEvidence,
    CodingHint,
    CodingProblemSummary,
    CodingRun,
    CodingSection,
    CodingTally,
    CodingTopic,
    EventKind,
    InterviewEvent,
    InterviewRecord,
    Level,
    Phase,
)

from .evidence import MIN_QUOTE_WORDS, EvidenceChecker, normalise_quote
from .talk_metrics import Turn, merge_turns

logger = logging.getLogger("evals.coding_summary")

MAX_FINAL_CODE_CHARS = 50_000
"""The report keeps at most this much of the final code (the agent's own limit is lower; this
only guards the report against a record written by something else)."""
RULE_QUOTES_PER_TOPIC = 2
MAX_RULE_QUOTE_WORDS = 30
"""The scoring prompt asks for 5 to 30 consecutive words; rule-picked quotes obey the same."""

ModelQuote = tuple[str | None, str, CodingTopic]
"""(turn id the model named, quote, topic) as a scoring run gave it."""

_COMPLEXITY = re.compile(
    r"\bO\s*\(|\bbig[- ]?o\b|\bcomplexit(y|ies)\b|\blinear\b|\bquadratic\b|\blogarithmic\b"
    r"|\blog\s*n\b|\bconstant (time|space|memory)\b|\bextra (memory|space)\b"
    r"|\b(time|space|memory) (cost|usage|complexity)\b|\bn squared\b",
    re.IGNORECASE,
)
_EDGE_CASES = re.compile(
    r"\b(edge|corner) cases?\b|\bempty\b|\bnull\b|\bnone\b|\bnegative\b|\boverflow\b"
    r"|\bduplicates?\b|\bzero\b|\bsingle (element|item|character)\b|\bboundar(y|ies)\b"
    r"|\binvalid input\b|\bout of (range|bounds)\b",
    re.IGNORECASE,
)
_RULES: tuple[tuple[CodingTopic, re.Pattern[str]], ...] = (
    ("complexity", _COMPLEXITY),
    ("edge_cases", _EDGE_CASES),
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


# --- the recorded rows, read leniently (unknown keys ignored, wrong types rejected) --------


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _ProblemView(_Row):
    id: str = Field(min_length=1)
    title: str
    difficulty: str = ""
    topics: list[str] = Field(default_factory=list)


class _ProblemShown(_Row):
    action: Literal["picked", "easier", "harder"] = "picked"
    problem: _ProblemView


class _Run(_Row):
    problem_id: str
    language: str
    which: Literal["visible", "hidden"]
    code: str = ""
    status: str
    passed: int = Field(ge=0)
    total: int = Field(ge=0)
    all_passed: bool


class _Snapshot(_Row):
    problem_id: str | None
    language: str
    code: str


class _BankHint(_Row):
    source: Literal["problem_bank"]
    problem_id: str
    number: int = Field(ge=1)
    of: int | None = None
    text: str


@dataclass
class _Attempt:
    """One problem from the moment it was shown: the rows that belong to it, in order."""

    view: _ProblemView
    action: Literal["picked", "easier", "harder"]
    shown_at: float
    runs: list[tuple[float, _Run]] = field(default_factory=list)
    snapshots: list[tuple[float, _Snapshot]] = field(default_factory=list)
    hints: list[tuple[float, _BankHint]] = field(default_factory=list)
    last_code: tuple[float, int, str, str, Literal["snapshot", "run"]] | None = None
    """(at, row order, code, language, from) of the latest code seen for this problem."""


_R = TypeVar("_R", bound=_Row)


def _parse(model: type[_R], event: InterviewEvent) -> _R | None:
    try:
        return model.model_validate(event.data)
    except ValidationError as e:
        first = e.errors()[0]
        logger.warning(
            "coding row skipped",
            extra={
                "kind": event.kind.value,
                "at": event.at,
                "where": ".".join(str(p) for p in first["loc"]),
                "error": first["type"],
            },
        )
        return None


def _attempts(record: InterviewRecord) -> list[_Attempt]:
    attempts: list[_Attempt] = []
    by_id: dict[str, _Attempt] = {}
    ordered = sorted(enumerate(record.events), key=lambda pair: (pair[1].at, pair[0]))
    for order, event in ordered:
        if event.kind == EventKind.PROBLEM:
            shown = _parse(_ProblemShown, event)
            if shown is not None:
                attempt = _Attempt(view=shown.problem, action=shown.action, shown_at=event.at)
                attempts.append(attempt)
                by_id[shown.problem.id] = attempt
        elif event.kind == EventKind.CODE_RUN:
            run = _parse(_Run, event)
            if run is not None and (attempt_of_run := by_id.get(run.problem_id)) is not None:
                attempt_of_run.runs.append((event.at, run))
                attempt_of_run.last_code = (event.at, order, run.code, run.language, "run")
        elif event.kind == EventKind.CODE_SNAPSHOT:
            snap = _parse(_Snapshot, event)
            if snap is not None and snap.problem_id is not None:
                attempt_of_snap = by_id.get(snap.problem_id)
                if attempt_of_snap is not None:
                    attempt_of_snap.snapshots.append((event.at, snap))
                    attempt_of_snap.last_code = (
                        event.at,
                        order,
                        snap.code,
                        snap.language,
                        "snapshot",
                    )
        elif event.kind == EventKind.HINT and event.data.get("source") == "problem_bank":
            hint = _parse(_BankHint, event)
            if hint is not None and (attempt_of_hint := by_id.get(hint.problem_id)) is not None:
                attempt_of_hint.hints.append((event.at, hint))
    return attempts


# --- facts ---------------------------------------------------------------------------------


def interview_start(record: InterviewRecord) -> float:
    """Epoch seconds the report's offsets count from: the first thing said (as the evidence
    offsets do), else the first recorded event."""
    starts = [i.start_time for i in record.transcript if i.text.strip()]
    if starts:
        return min(starts)
    return min((e.at for e in record.events), default=0.0)


def _offset(at: float, t0: float) -> float:
    return round(max(0.0, at - t0), 1)


def _tally(at: float, run: _Run, t0: float) -> CodingTally:
    return CodingTally(
        passed=run.passed, total=run.total, status=run.status, offset_s=_offset(at, t0)
    )


def _best_and_final(
    runs: Sequence[tuple[float, _Run]], t0: float
) -> tuple[CodingTally | None, CodingTally | None]:
    """Best: most tests passed among runs that ran any (the first to reach it); final: the
    last run of the kind, whatever its status."""
    if not runs:
        return None, None
    counted = [(at, r) for at, r in runs if r.total > 0]
    best = None
    if counted:
        at, run = max(counted, key=lambda pair: (pair[1].passed, -pair[0]))
        best = _tally(at, run, t0)
    at, run = runs[-1]
    return best, _tally(at, run, t0)


def _difficulty(value: str) -> Level | None:
    return Level(value) if value in set(Level) else None


def _summary(attempt: _Attempt, t0: float) -> CodingProblemSummary:
    visible = [(at, r) for at, r in attempt.runs if r.which == "visible"]
    hidden = [(at, r) for at, r in attempt.runs if r.which == "hidden"]
    visible_best, visible_final = _best_and_final(visible, t0)
    hidden_best, hidden_final = _best_and_final(hidden, t0)
    first_pass = next((at for at, r in attempt.runs if r.all_passed), None)
    code: str | None = None
    language: str | None = None
    code_from: Literal["snapshot", "run"] | None = None
    if attempt.last_code is not None:
        _, _, code, language, code_from = attempt.last_code
    truncated = code is not None and len(code) > MAX_FINAL_CODE_CHARS
    return CodingProblemSummary(
        problem_id=attempt.view.id,
        title=attempt.view.title,
        difficulty=_difficulty(attempt.view.difficulty),
        topics=attempt.view.topics,
        action=attempt.action,
        shown_offset_s=_offset(attempt.shown_at, t0),
        language=language,
        final_code=code[:MAX_FINAL_CODE_CHARS] if code is not None else None,
        final_code_from=code_from,
        final_code_truncated=truncated,
        visible_best=visible_best,
        visible_final=visible_final,
        hidden_best=hidden_best,
        hidden_final=hidden_final,
        first_pass_s=round(first_pass - attempt.shown_at, 1) if first_pass is not None else None,
        runs=len(visible),
        submits=len(hidden),
        hints=[
            CodingHint(number=h.number, of=h.of, text=h.text, offset_s=_offset(at, t0))
            for at, h in attempt.hints
        ],
        timeline=[
            CodingRun(
                which=r.which,
                language=r.language,
                status=r.status,
                passed=r.passed,
                total=r.total,
                all_passed=r.all_passed,
                at=at,
                offset_s=_offset(at, t0),
                since_problem_s=round(max(0.0, at - attempt.shown_at), 1),
            )
            for at, r in attempt.runs
        ],
    )


def coding_problems(
    record: InterviewRecord, *, t0: float | None = None
) -> list[CodingProblemSummary]:
    """Every problem shown, in order, with its facts; empty when none was shown."""
    start = interview_start(record) if t0 is None else t0
    return [_summary(a, start) for a in _attempts(record)]


# --- evidence ------------------------------------------------------------------------------


def _coding_window(record: InterviewRecord, first_shown: float) -> tuple[float, float]:
    """From the first problem appearing until the interview leaves the coding phase."""
    end = float("inf")
    for event in record.phase_timeline:
        if event.at > first_shown and event.data.get("to") not in (Phase.CODING, None):
            end = min(end, event.at)
    return first_shown, end


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _rule_quotes(
    turn_ids: Mapping[str, Turn], window: tuple[float, float]
) -> list[tuple[str, str, CodingTopic]]:
    """(turn id, sentence, topic) of candidate sentences in the coding phase that talk about
    complexity or edge cases, at most RULE_QUOTES_PER_TOPIC of each, earliest first."""
    start, end = window
    picked: list[tuple[str, str, CodingTopic]] = []
    counts: dict[CodingTopic, int] = dict.fromkeys(("complexity", "edge_cases"), 0)
    for tid, turn in turn_ids.items():
        in_window = start <= turn.start_time < end or (
            turn.end_time > start and turn.start_time < end
        )
        if turn.speaker != "candidate" or not (in_window or turn.phase == Phase.CODING):
            continue
        for sentence in _sentences(turn.text):
            words = sentence.split()
            if len(words) < MIN_QUOTE_WORDS:
                continue
            quote = " ".join(words[:MAX_RULE_QUOTE_WORDS])
            for topic, pattern in _RULES:
                if counts[topic] < RULE_QUOTES_PER_TOPIC and pattern.search(quote):
                    picked.append((tid, quote, topic))
                    counts[topic] += 1
                    break
    return picked


def _evidence(
    checker: EvidenceChecker, turn_id: str | None, quote: str, topic: CodingTopic, t0: float
) -> CodingEvidence:
    checked = checker.check(quote, turn_id).to_evidence(t0=t0)
    return CodingEvidence(**checked.model_dump(), topic=topic)


def coding_section(
    record: InterviewRecord,
    *,
    turn_ids: Mapping[str, Turn] | None = None,
    model_quotes: Sequence[ModelQuote] = (),
    t0: float | None = None,
) -> CodingSection | None:
    """The report's coding section, or None when no problem was shown.

    `turn_ids` are the turns as the scoring prompt named them ("T7"); without them (reports
    written without a model call) they are rebuilt the same way. `model_quotes` are the
    scoring runs' `coding_evidence`: verified ones are used; otherwise the rules pick."""
    start = interview_start(record) if t0 is None else t0
    attempts = _attempts(record)
    if not attempts:
        return None
    problems = [_summary(a, start) for a in attempts]
    turns = (
        dict(turn_ids)
        if turn_ids is not None
        else {f"T{t.index + 1}": t for t in merge_turns(record)}
    )
    checker = EvidenceChecker(turns=turns, items=record.transcript)

    accepted: dict[str, CodingEvidence] = {}
    rejected: list[CodingEvidence] = []
    seen: set[str] = set()
    for turn_id, quote, topic in model_quotes:
        key = normalise_quote(quote)
        if key in seen:
            continue
        seen.add(key)
        ev = _evidence(checker, turn_id, quote, topic, start)
        if ev.verified:
            accepted[key] = ev
        else:
            rejected.append(ev)
    source: Literal["model", "rules", "none"] = "model" if accepted else "none"
    if not accepted:
        window = _coding_window(record, attempts[0].shown_at)
        for turn_id, quote, topic in _rule_quotes(turns, window):
            ev = _evidence(checker, turn_id, quote, topic, start)
            if ev.verified:  # always, unless the transcript changed under us
                accepted.setdefault(normalise_quote(quote), ev)
        source = "rules" if accepted else "none"
    return CodingSection(
        problems=problems,
        evidence=sorted(accepted.values(), key=lambda e: (e.timestamp or 0.0, e.topic)),
        rejected_evidence=rejected,
        evidence_source=source,
    )


# --- short forms: the candidate's note and the scoring prompt's facts ------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def coding_note(section: CodingSection | None) -> str | None:
    """One sentence for the candidate: counts only (tests passed, runs, hints), never the
    contents of hidden tests. About the last problem worked on."""
    if section is None or not section.problems:
        return None
    worked = [p for p in section.problems if p.timeline]
    p = worked[-1] if worked else section.problems[-1]
    attempts = f"after {_plural(p.runs, 'run')} and {_plural(p.submits, 'submission')}"
    hints = f"{_plural(len(p.hints), 'hint')} used" if p.hints else "no hints used"
    final, best = p.hidden_final, p.hidden_best
    if final is not None and final.total > 0 and final.passed == final.total:
        result = f"all {final.total} hidden tests passed on your final submission"
    elif final is not None and final.total > 0:
        result = f"{final.passed} of {final.total} hidden tests passed on your final submission"
        if best is not None and best.passed > final.passed:
            result += f" (an earlier one passed {best.passed})"
    elif p.visible_final is not None and p.visible_final.total > 0:
        v = p.visible_final
        result = f"{v.passed} of {v.total} example tests passed on your last run; not submitted"
    elif p.timeline:
        result = "your code could not be run to completion"
    else:
        result = "no code was run"
    lead = f"“{p.title}”"
    if len(section.problems) > 1:
        lead = f"{len(section.problems)} problems were shown; on {lead}"
    detail = f"{attempts}, {hints}" if p.timeline else hints
    return f"{lead}: {result}, {detail}."


MAX_PROMPT_CODE_CHARS = 4_000


def prompt_facts(problems: Sequence[CodingProblemSummary]) -> list[dict[str, Any]]:
    """The coding facts the scoring model sees (inside the untrusted data block: the code is
    the candidate's text). No hidden tests exist in the record to leak."""

    def tally(t: CodingTally | None) -> str | None:
        return f"{t.passed}/{t.total} ({t.status})" if t is not None else None

    return [
        {
            "problem": p.title,
            "difficulty": p.difficulty.value if p.difficulty is not None else None,
            "how_shown": p.action,
            "language": p.language,
            "runs": p.runs,
            "submits": p.submits,
            "visible_tests_final": tally(p.visible_final),
            "hidden_tests_best": tally(p.hidden_best),
            "hidden_tests_final": tally(p.hidden_final),
            "seconds_to_first_all_passing_run": p.first_pass_s,
            "hints_used": len(p.hints),
            "final_code": (p.final_code or "")[:MAX_PROMPT_CODE_CHARS] or None,
        }
        for p in problems
    ]
