"""Objective metrics: numbers a recruiter can check by hand against the fake interview."""

from __future__ import annotations

from datetime import UTC, datetime

from evals.evidence import EvidenceChecker, normalise_quote
from evals.report import body_language_notes, recommend
from evals.talk_metrics import compute_metrics, merge_turns, vision_stats
from interview_store import (
    EventKind,
    InterviewEvent,
    InterviewPlan,
    InterviewRecord,
    InterviewStatus,
    InterviewStore,
    Level,
    Phase,
    TranscriptItem,
)
from tests.fake_interview import FACE_WINDOWS, T0, write_interview


async def test_metrics_of_the_fake_interview(sqlite_store: InterviewStore) -> None:
    m = compute_metrics(await write_interview(sqlite_store))

    assert m.duration_s == 210.0
    assert (m.candidate_turns, m.interviewer_turns) == (6, 7)
    assert (m.candidate_talk_s, m.interviewer_talk_s) == (135.0, 44.0)
    assert m.talk_ratio == round(135 / 179, 3)
    assert m.candidate_words == 139
    assert m.words_per_minute == round(139 / (135 / 60), 1)
    # "um", "I mean", "basically", "you know" — and not "kind" in "kindly" or "er" in "server"
    assert m.top_fillers == {"um": 1, "i mean": 1, "basically": 1, "you know": 1}
    assert m.fillers_per_minute == round(4 / (135 / 60), 2)
    assert [a.words for a in m.answers] == [26, 33, 12, 34, 27, 7]
    assert m.answer_words.median == 26.5 and m.answer_words.max == 34
    # interviewer end → candidate start: 2, 3, 2, 8, 2, 2 s
    assert m.response_latency_s.count == 6
    assert m.response_latency_s.median == 2.0 and m.response_latency_s.max == 8.0
    assert m.agent_latency_s.median == 1.0 and m.agent_latency_s.max == 1.6
    (pause,) = m.long_pauses
    assert (pause.at, pause.duration_s, pause.phase, pause.before) == (
        T0 + 102,
        8.0,
        "coding",
        "candidate",
    )
    assert [(p.phase, p.duration_s) for p in m.phases] == [
        ("intro", 29.0),
        ("technical", 64.0),
        ("coding", 58.0),
        ("behavioural", 35.0),
        ("candidate_questions", 17.0),
        ("wrap_up", 7.0),
    ]
    tech = m.phases[1]
    assert (tech.candidate_talk_s, tech.interviewer_talk_s) == (42.0, 13.0)
    assert m.followups == {"vague_answer": 1}
    v = m.vision
    observed = sum(w[1] for w in FACE_WINDOWS)
    face = sum(w[2] for w in FACE_WINDOWS)
    away = sum(w[3] for w in FACE_WINDOWS)
    assert v.observed_s == observed == 210
    assert v.face_visible_pct == round(100 * face / observed, 1) == 94.3
    assert v.looking_away_pct == round(100 * away / face, 1)  # share of face-visible time
    coding = next(p for p in v.per_phase if p.phase == Phase.CODING)
    assert coding.looking_away_pct == 30.0
    assert (v.multiple_faces_events, v.absences) == (1, 1)
    assert [n.kind for n in v.notable] == ["absence", "face_state", "reading_from_notes"]


def _record(items: list[TranscriptItem], events: list[InterviewEvent]) -> InterviewRecord:
    return InterviewRecord(
        id="00000000-0000-0000-0000-000000000001",
        room="r",
        status=InterviewStatus.ENDED,
        role="x",
        level=Level.INTERMEDIATE,
        interview_type="mixed",
        created_at=datetime.now(UTC),
        plan=InterviewPlan(role="x"),
        candidate_identity="c",
        transcript=items,
        events=events,
    )


def test_turns_merge_consecutive_items_and_take_phase_from_timeline() -> None:
    items = [
        TranscriptItem(
            item_id="a", speaker="candidate", text="first part", start_time=10, end_time=12
        ),
        TranscriptItem(
            item_id="b", speaker="candidate", text="second part", start_time=12.5, end_time=14
        ),
        TranscriptItem(item_id="c", speaker="interviewer", text="ok", start_time=15, end_time=16),
    ]
    events = [InterviewEvent(kind=EventKind.PHASE_CHANGE, at=0, data={"to": "technical"})]
    turns = merge_turns(_record(items, events))
    assert [(t.speaker, t.text, t.phase, t.item_ids) for t in turns] == [
        ("candidate", "first part second part", "technical", ("a", "b")),
        ("interviewer", "ok", "technical", ("c",)),
    ]
    # a quote spanning two items of one turn is still found, stamped with the turn's start
    checker = EvidenceChecker(turns={f"T{t.index + 1}": t for t in turns}, items=items)
    hit = checker.check("part second part", "T1")
    assert hit.verified and hit.timestamp == 10


def test_empty_interview_has_no_division_by_zero() -> None:
    m = compute_metrics(_record([], []))
    assert m.candidate_turns == 0 and m.talk_ratio is None and m.words_per_minute is None
    assert m.phases == [] and m.vision.face_visible_pct is None


async def test_body_language_notes_stay_observational(sqlite_store: InterviewStore) -> None:
    notes = body_language_notes(compute_metrics(await write_interview(sqlite_store)))
    text = " ".join(notes).lower()
    assert notes[0] == "Face visible on camera for 94.3% of 4 min of analysed camera time."
    assert "coding 30%" in text and "more than one face came into view 1 time." in text
    assert "noted by camera analysis (gemini) at 02:00: eyes moved to a second screen" in text
    for word in ("nervous", "confident", "anxious", "dishonest", "stress", "calm", "honest"):
        assert word not in text
    empty = body_language_notes(compute_metrics(_record([], [])))
    assert empty == ["No camera observations were recorded for this interview."]
    assert vision_stats([]).face_visible_pct is None


def test_quote_normalisation_is_not_fuzzy_matching() -> None:
    assert normalise_quote(' "Hello,   WORLD…" ') == "hello, world"
    items = [
        TranscriptItem(
            item_id="a",
            speaker="candidate",
            text="I built the cache layer myself",
            start_time=1,
            end_time=2,
        )
    ]
    turns = merge_turns(_record(items, []))
    checker = EvidenceChecker(turns={"T1": turns[0]}, items=items)
    assert checker.check("built the cache layer", "T1").verified
    assert checker.check("built a cache layer", "T1").reason == "not found in the transcript"
    assert checker.check("the cache", "T1").reason == "too short to be evidence"
    assert checker.check("built the cache layer", "T99").verified  # wrong turn id, real words


def test_recommendation_bands_depend_on_level() -> None:
    assert recommend(3.3, Level.INTERMEDIATE) == "yes"
    assert recommend(3.3, Level.ADVANCED) == "maybe"
    assert recommend(3.3, Level.BEGINNER) == "yes"
    assert recommend(4.8, Level.ADVANCED) == "strong_yes"
    assert recommend(2.0, Level.INTERMEDIATE) == "no"
    assert recommend(1.0, Level.INTERMEDIATE) == "strong_no"


async def test_tutor_mode_counts_explanations_not_vision_hints(
    sqlite_store: InterviewStore,
) -> None:
    """Vision hints are HINT events too; only the interviewer's explanations are tutor mode."""
    record = await write_interview(sqlite_store)
    explanation = {"concept": "hash maps", "count": 1}
    vision_hint = {"hint": "reading", "text": "ask them to explain in their own words"}
    for data in (explanation, vision_hint, vision_hint):
        await sqlite_store.append_event(
            record.id, InterviewEvent(kind=EventKind.HINT, at=T0 + 50, data=data)
        )
    refreshed = await sqlite_store.get(record.id)
    assert refreshed is not None
    assert compute_metrics(refreshed).tutor_mode_uses == 1
