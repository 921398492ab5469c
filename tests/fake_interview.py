"""A realistic finished interview, written into a store the way the agent writes it.

Used by the evaluation tests: a backend candidate with a CV claim, six phases, a vague
answer that the interviewer flagged, filler words, latency samples and camera observations.
Times are float epoch seconds from a fixed start so offsets are easy to reason about.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from interview_store import (
    Distribution,
    EventKind,
    InterviewEvent,
    InterviewMetrics,
    InterviewPlan,
    InterviewRecord,
    InterviewStatus,
    InterviewStore,
    InterviewType,
    Level,
    Observation,
    ParsedCV,
    Report,
    ReportFlag,
    ReportStatus,
    TranscriptItem,
    VisionStats,
)

T0 = 1_750_000_000.0

CV_TEXT = (
    "Ada Example — Backend engineer. Experience: Led migration of payments service to "
    "Kubernetes at Acme (2021-2023). Built a Redis cache layer cutting p99 latency by 40%."
)

# (offset s, duration s, speaker, phase, text)
SCRIPT: list[tuple[float, float, str, str, str]] = [
    (0, 6, "interviewer", "intro", "Hi, thanks for joining. Could you introduce yourself?"),
    (
        8,
        20,
        "candidate",
        "intro",
        "Um, sure. I'm a backend engineer, I've been working on payments for about five "
        "years, mostly Python and Go, and I led our migration to Kubernetes.",
    ),
    (30, 7, "interviewer", "technical", "What was the hardest part of that migration?"),
    (
        40,
        30,
        "candidate",
        "technical",
        "Our readiness probes hit the database, so during a DB failover every pod went "
        "unready at once. We split liveness from a dependency check and added a circuit "
        "breaker around the database client.",
    ),
    (72, 6, "interviewer", "technical", "How would you make a slow endpoint faster?"),
    (
        80,
        12,
        "candidate",
        "technical",
        "I mean, basically you add caching, you know, caching makes things faster.",
    ),
    (94, 8, "interviewer", "coding", "Let's code: find duplicates in a list of integers."),
    (
        110,
        40,
        "candidate",
        "coding",
        "Before I code it, can the input be empty? OK. A hash set gives linear time; "
        "sorting would be n log n but with no extra memory. Let me test the empty list first.",
    ),
    (152, 6, "interviewer", "behavioural", "Tell me about a disagreement with a colleague."),
    (
        160,
        25,
        "candidate",
        "behavioural",
        "A colleague wanted to rewrite the billing service; I suggested we measure first. "
        "We agreed on a two week spike and shared the results with the team.",
    ),
    (187, 5, "interviewer", "candidate_questions", "What questions do you have for me?"),
    (194, 8, "candidate", "candidate_questions", "How does the team handle on-call rotations?"),
    (204, 6, "interviewer", "wrap_up", "Thanks, that's all from me today. Goodbye!"),
]

PHASES = [
    (0, "intro"),
    (29, "technical"),
    (93, "coding"),
    (151, "behavioural"),
    (186, "candidate_questions"),
    (203, "wrap_up"),
]


# (phase, observed_s, face_s, away_s) — one face_window per phase, as agent/vision writes them
FACE_WINDOWS = [
    ("intro", 29.0, 29.0, 2.9),
    ("technical", 64.0, 52.0, 5.2),
    ("coding", 58.0, 58.0, 17.4),
    ("behavioural", 35.0, 35.0, 3.5),
    ("candidate_questions", 17.0, 17.0, 0.0),
    ("wrap_up", 7.0, 7.0, 0.0),
]


def camera_observations() -> list[Observation]:
    """The rows the vision pipeline stores: calibration, state changes, windows, moments."""
    rows = [
        Observation(
            at=T0 + 3,
            source="local",
            kind="calibration",
            phase="intro",
            data={"neutral_yaw": 1.5, "neutral_pitch": -4.0, "frames": 5},
        )
    ]

    def state(at: float, phase: str, presence: str, away: bool = False, faces: int = 1) -> None:
        rows.append(
            Observation(
                at=T0 + at,
                source="local",
                kind="face_state",
                phase=phase,
                data={"presence": presence, "faces": faces, "looking_away": away},
            )
        )

    state(1, "intro", "single")
    state(40, "technical", "absent", faces=0)
    state(52, "technical", "single")
    state(100, "coding", "single", away=True)
    state(118, "coding", "multiple", faces=2)
    state(124, "coding", "single")
    rows.append(
        Observation(
            at=T0 + 52,
            source="local",
            kind="absence",
            phase="technical",
            data={"since": T0 + 40, "seconds": 12.0},
        )
    )
    start = 0.0
    for (at, _), (phase, observed, face, away) in zip(PHASES, FACE_WINDOWS, strict=True):
        start = T0 + at
        rows.append(
            Observation(
                at=start + observed,
                source="local",
                kind="face_window",
                phase=phase,
                data={
                    "start": start,
                    "end": start + observed,
                    "observed_s": observed,
                    "face_s": face,
                    "away_s": away,
                    "multi_s": 6.0 if phase == "coding" else 0.0,
                },
            )
        )
    rows.append(
        Observation(
            at=T0 + 120,
            source="gemini",
            kind="reading_from_notes",
            phase="coding",
            confidence=0.8,
            data={"description": "Eyes moved to a second screen while answering."},
        )
    )
    return rows


def plan(*, with_cv: bool = True) -> InterviewPlan:
    return InterviewPlan(
        role="Backend engineer",
        level=Level.INTERMEDIATE,
        job_description="We need Python, Kubernetes and PostgreSQL experience.",
        cv=ParsedCV(text=CV_TEXT, pages=1) if with_cv else None,
        candidate_name="Ada Example",
    )


async def write_interview(
    store: InterviewStore,
    *,
    script: list[tuple[float, float, str, str, str]] | None = None,
    status: InterviewStatus = InterviewStatus.ENDED,
    observations: bool = True,
    events: Sequence[InterviewEvent] = (),
) -> InterviewRecord:
    """The interview, stored; `events` are extra rows (e.g. `coding_events()`)."""
    record = await store.create(plan())
    iid = record.id
    await store.set_status(iid, InterviewStatus.LIVE)
    for at, phase in PHASES:
        await store.append_event(
            iid,
            InterviewEvent(
                kind=EventKind.PHASE_CHANGE, at=T0 + at, phase=phase, data={"to": phase}
            ),
        )
    for n, (at, dur, speaker, phase, text) in enumerate(script if script is not None else SCRIPT):
        await store.append_transcript(
            iid,
            TranscriptItem(
                item_id=f"item-{n}",
                speaker=speaker,  # type: ignore[arg-type]
                text=text,
                start_time=T0 + at,
                end_time=T0 + at + dur,
                phase=phase,
            ),
        )
    await store.append_event(
        iid,
        InterviewEvent(
            kind=EventKind.TOOL_CALL,
            at=T0 + 93,
            phase="technical",
            data={
                "name": "flag_followup",
                "arguments": {"topic": "caching", "reason": "vague_answer"},
            },
        ),
    )
    for i, latency in enumerate((0.8, 1.1, 0.9, 1.6)):
        await store.append_event(
            iid,
            InterviewEvent(
                kind=EventKind.LATENCY,
                at=T0 + 30 * i,
                data={"metric": "end_of_speech_to_first_audio", "ms": latency * 1000},
            ),
        )
    for event in events:
        await store.append_event(iid, event)
    if observations:
        for obs in camera_observations():
            await store.append_observation(iid, obs)
    if status != InterviewStatus.LIVE:
        await store.set_status(iid, status)
    fresh = await store.get(iid)
    assert fresh is not None
    return fresh


def problem_view(
    problem_id: str = "find-duplicates",
    title: str = "Find duplicates",
    difficulty: str = "beginner",
    topics: Sequence[str] = ("hashing", "arrays"),
) -> dict[str, Any]:
    """A problem as the workspace snapshots it into PROBLEM rows (`Problem.candidate_view`):
    no hidden tests, no reference solution."""
    return {
        "id": problem_id,
        "title": title,
        "difficulty": difficulty,
        "topics": list(topics),
        "statement": "Return the values that appear more than once, in first-seen order.",
        "examples": [{"input": "[1, 2, 1]", "output": "[1]", "explanation": ""}],
        "constraints": ["0 <= len(xs) <= 10^5"],
        "signature": {"name": "duplicates", "params": [{"name": "xs", "type": "list[int]"}]},
        "starter": {"python": "def duplicates(xs):\n    pass\n"},
        "visible_tests": [{"args": [[1, 2, 1]], "expected": [1]}],
        "hidden_test_count": 8,
        "hint_count": 3,
    }


def shown(
    at: float, view: dict[str, Any], action: str = "picked", previous: str | None = None
) -> InterviewEvent:
    return InterviewEvent(
        kind=EventKind.PROBLEM,
        at=T0 + at,
        phase="coding",
        data={"action": action, "previous": previous, "problem": view},
    )


def code_run(
    at: float,
    code: str,
    *,
    which: str = "visible",
    passed: int,
    total: int,
    status: str = "ok",
    language: str = "python",
    problem_id: str = "find-duplicates",
) -> InterviewEvent:
    """A CODE_RUN row as `CodingWorkspace._record_run` writes it."""
    return InterviewEvent(
        kind=EventKind.CODE_RUN,
        at=T0 + at,
        phase="coding",
        data={
            "problem_id": problem_id,
            "language": language,
            "which": which,
            "code": code,
            "status": status,
            "passed": passed,
            "total": total,
            "all_passed": total > 0 and passed == total,
            "tests": [
                {"index": i, "hidden": which == "hidden", "passed": i < passed, "error": None}
                for i in range(total)
            ],
            "time_ms": 41,
            "compile_ms": None,
        },
    )


def code_snapshot(
    at: float,
    code: str,
    *,
    language: str = "python",
    problem_id: str | None = "find-duplicates",
    seq: int | None = None,
) -> InterviewEvent:
    return InterviewEvent(
        kind=EventKind.CODE_SNAPSHOT,
        at=T0 + at,
        phase="coding",
        data={
            "problem_id": problem_id,
            "language": language,
            "code": code,
            "lines": len(code.splitlines()),
            "changed_lines": 0,
            "seq": seq,
        },
    )


def bank_hint(
    at: float, number: int, text: str, *, of: int = 3, problem_id: str = "find-duplicates"
) -> InterviewEvent:
    return InterviewEvent(
        kind=EventKind.HINT,
        at=T0 + at,
        phase="coding",
        data={
            "source": "problem_bank",
            "problem_id": problem_id,
            "number": number,
            "of": of,
            "text": text,
            "count": number,
        },
    )


CODE_V1 = "def duplicates(xs):\n    return [x for x in xs if xs.count(x) > 1]\n"
CODE_V2 = (
    "def duplicates(xs):\n"
    "    seen, out = set(), []\n"
    "    for x in xs:\n"
    "        if x in seen and x not in out:\n"
    "            out.append(x)\n"
    "        seen.add(x)\n"
    "    return out\n"
)
CODE_V3 = CODE_V2.replace("x not in out", "True")
CODE_FINAL = CODE_V3 + "# linear time: one pass with a set\n"
HINT_1 = "Which data structure answers 'have I seen this before?' in constant time?"


def coding_events() -> list[InterviewEvent]:
    """One problem in the coding phase (93 s to 151 s), as the workspace records it. By hand:
    shown at 95 s; Runs 1/3 (112 s) and 3/3 (130 s: first all-passing, 35 s after showing);
    Submits 8/8 (138 s) and 7/8 (142 s); one hint; the final code is the snapshot at 146 s.
    Plus the rows a reader must survive: a snapshot before any problem, a malformed run."""
    view = problem_view()
    return [
        code_snapshot(90, "print('warming up')", problem_id=None, seq=0),
        shown(95, view),
        code_snapshot(100, CODE_V1, seq=1),
        code_run(112, CODE_V1, passed=1, total=3),
        bank_hint(118, 1, HINT_1),
        code_snapshot(125, CODE_V2, seq=2),
        code_run(130, CODE_V2, passed=3, total=3),
        code_run(138, CODE_V2, which="hidden", passed=8, total=8),
        code_run(142, CODE_V3, which="hidden", passed=7, total=8),
        code_snapshot(146, CODE_FINAL, seq=3),
        InterviewEvent(
            kind=EventKind.CODE_RUN,
            at=T0 + 147,
            phase="coding",
            data={"problem_id": "find-duplicates", "which": "sideways"},
        ),
    ]


def candidate_quote(index: int, words: int = 8) -> str:
    """The first `words` words of the index-th candidate line, verbatim."""
    lines = [text for _, _, speaker, _, text in SCRIPT if speaker == "candidate"]
    return " ".join(lines[index].split()[:words])


def run_payload(
    scores: dict[str, int] | int = 3,
    *,
    quotes: dict[str, list[tuple[str, str]]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One scoring run as the model returns it. Default evidence: real candidate quotes."""
    from evals.rubric import DIMENSION_KEYS

    default_quotes = {
        "technical_depth": [("T4", candidate_quote(1, 12))],
        "problem_solving": [("T8", "A hash set gives linear time")],
        "communication": [("T2", candidate_quote(0, 10))],
        "experience_authenticity": [("T4", "We split liveness from a dependency check")],
        "collaboration": [("T10", "I suggested we measure first")],
    }
    quotes = {**default_quotes, **(quotes or {})}
    if isinstance(scores, int):
        scores = dict.fromkeys(DIMENSION_KEYS, scores)
    payload: dict[str, Any] = {
        "dimensions": {
            key: {
                "score": scores[key],
                "rationale": f"Rationale for {key}.",
                "evidence": [{"turn": t, "quote": q} for t, q in quotes[key]],
            }
            for key in DIMENSION_KEYS
        },
        "strengths": ["Concrete account of the Kubernetes migration.", "Tests edge cases."],
        "improvements": ["Explain caching mechanisms, not just the word."],
        "learning_plan": [
            {
                "topic": "Caching strategies",
                "why": "The answer on speeding up an endpoint stayed at buzzword level.",
                "actions": ["Read about cache invalidation", "Practise explaining TTLs"],
            }
        ],
        "cv_accuracy_notes": ["The Kubernetes migration claim was backed by specifics."],
    }
    payload.update(extra)
    return payload


def run_json(scores: dict[str, int] | int = 3, **kwargs: Any) -> str:
    return json.dumps(run_payload(scores, **kwargs))


def empty_metrics() -> InterviewMetrics:
    """Metrics of an interview where nothing measurable happened."""
    return InterviewMetrics(
        duration_s=0.0,
        candidate_turns=0,
        interviewer_turns=0,
        candidate_talk_s=0.0,
        interviewer_talk_s=0.0,
        talk_ratio=None,
        candidate_words=0,
        words_per_minute=None,
        filler_words=0,
        fillers_per_minute=None,
        top_fillers={},
        answer_words=Distribution(),
        answers=[],
        response_latency_s=Distribution(),
        agent_latency_s=Distribution(),
        long_pauses=[],
        phases=[],
        followups={},
        tutor_mode_uses=0,
        vision=VisionStats(),
    )


def stored_report(
    interview_id: str,
    *,
    status: ReportStatus = ReportStatus.SCORED,
    overall_score: float | None = 3.5,
    flags: list[ReportFlag] | None = None,
    **fields: Any,
) -> Report:
    """A typed report as `evals` would store it, without running an evaluation: for tests of
    the readers (store, token server, web client)."""
    return Report(
        interview_id=interview_id,
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
        status=status,
        role="Backend engineer",
        level=Level.INTERMEDIATE,
        interview_type=InterviewType.MIXED,
        overall_score=overall_score,
        flags=flags or [],
        metrics=empty_metrics(),
        **fields,
    )
