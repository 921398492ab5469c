"""The report of a planned interview: written in the interview's language, scores per
competency citing the planned questions they came from, plan coverage (asked / skipped,
outcome), the plan's weights, and evidence verified in Japanese and Hindi transcripts.

Scoring runs against the generate_content emulator over the real google-genai client.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import pytest

from evals.evaluation import evaluate_interview
from evals.evidence import EvidenceChecker
from evals.rubric import DIMENSION_KEYS
from evals.talk_metrics import count_words, merge_turns
from interview_store import (
    AnswerOutcome,
    Competency,
    EventKind,
    InterviewEvent,
    InterviewPlan,
    InterviewRecord,
    InterviewStatus,
    InterviewStore,
    InterviewType,
    Level,
    Phase,
    Speaker,
    TranscriptItem,
)
from testkit.gemini_api import FakeGeminiApi
from tests.test_evals_scoring import make_scorer
from tokenserver.planning import PlanRequest, fallback_design

T0 = 1_760_000_000.0

JAPANESE: list[tuple[Speaker, str, str]] = [
    ("interviewer", "intro", "自己紹介をお願いします。"),
    (
        "candidate",
        "intro",
        "私は前の会社でデータベースの移行を担当しました。"
        "ダウンタイムなしで PostgreSQL に移しました。",
    ),
    ("interviewer", "technical", "遅いクエリをどう直しますか。"),
    (
        "candidate",
        "technical",
        "まず実行計画を見て、顧客IDと日付の順番で複合インデックスを作ります。",
    ),
    ("interviewer", "technical", "チームで意見が分かれたときは?"),
    ("candidate", "technical", "チームで意見が分かれたときは、まずデータを集めて話し合いました。"),
    ("interviewer", "technical", "キャッシュについては?"),
    ("candidate", "technical", "はい。"),
]
# "ज़िम्मेदारी" with the precomposed ज़ (U+095B); a model may quote it decomposed (ज + ़)
HINDI: list[tuple[Speaker, str, str]] = [
    ("interviewer", "intro", "अपने बारे में बताइए।"),
    ("candidate", "intro", "मैंने पिछली कंपनी में डेटाबेस माइग्रेशन का नेतृत्व किया।"),
    ("interviewer", "technical", "धीमी क्वेरी को कैसे ठीक करेंगे?"),
    ("candidate", "technical", "मैं पहले क्वेरी प्लान देखूँगा और फिर सही इंडेक्स बनाऊँगा।"),
    ("interviewer", "technical", "टीम में आपकी भूमिका?"),
    ("candidate", "technical", "कोड रिव्यू की \u095bिम्मेदारी मेरी थी और मैं जूनियर लोगों की मदद करता था।"),
]


def planned_plan(language: str) -> InterviewPlan:
    plan = InterviewPlan(
        role="Backend Engineer",
        level=Level.INTERMEDIATE,
        interview_type=InterviewType.BACKEND,
        language=language,
        planned_minutes=15,
    )
    design = fallback_design(PlanRequest.from_plan("evals-plan", plan), reason="test")
    return plan.model_copy(update={"design": design})


async def write(
    store: InterviewStore, lines: list[tuple[Speaker, str, str]], *, language: str
) -> InterviewRecord:
    record = await store.create(planned_plan(language))
    iid = record.id
    await store.set_status(iid, InterviewStatus.LIVE)
    for at, phase in ((0.0, "intro"), (20.0, "technical")):
        await store.append_event(
            iid, InterviewEvent(kind=EventKind.PHASE_CHANGE, at=T0 + at, phase=phase)
        )
    for n, (speaker, phase, text) in enumerate(lines):
        await store.append_transcript(
            iid,
            TranscriptItem(
                item_id=f"item-{n}",
                speaker=speaker,
                text=text,
                start_time=T0 + 10 * n,
                end_time=T0 + 10 * n + 8,
                phase=Phase(phase),
            ),
        )
    design = record.plan.design
    assert design is not None
    intro = design.questions_for(Phase.INTRO)[0]
    technical = design.questions_for(Phase.TECHNICAL)[0]
    for at, question, result in (
        (15.0, intro, AnswerOutcome.COVERED),
        (45.0, technical, AnswerOutcome.PARTLY),
    ):
        await store.append_event(
            iid,
            InterviewEvent(
                kind=EventKind.ANSWER_OUTCOME,
                at=T0 + at,
                phase=question.phase,
                data={
                    "question_id": question.id,
                    "competency": question.competency.value,
                    "outcome": result.value,
                    "reason": "ok",
                    "difficulty_before": "planned",
                    "difficulty_after": "harder",
                },
            ),
        )
    await store.set_status(iid, InterviewStatus.ENDED)
    fresh = await store.get(iid)
    assert fresh is not None
    return fresh


def run(quotes: dict[str, list[tuple[str, str]]], scores: dict[str, int]) -> str:
    return json.dumps(
        {
            "dimensions": {
                key: {
                    "score": scores.get(key, 3),
                    "rationale": f"根拠 {key}",
                    "evidence": [{"turn": t, "quote": q} for t, q in quotes.get(key, [])],
                }
                for key in DIMENSION_KEYS
            },
            "strengths": ["具体的な移行の経験を説明できた。"],
            "improvements": ["キャッシュの仕組みを説明できるようにする。"],
            "learning_plan": [],
            "cv_accuracy_notes": [],
        },
        ensure_ascii=False,
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeGeminiApi]:
    async with FakeGeminiApi() as fake:
        yield fake


async def evaluate(
    store: InterviewStore, api: FakeGeminiApi, iid: str, runs: int = 1
) -> dict[str, Any]:
    scorer = make_scorer(api, runs=runs)
    try:
        ev = await evaluate_interview(store, iid, scorer=scorer)
    finally:
        await scorer.aclose()
    return ev.report.model_dump(mode="json")


def dim(report: dict[str, Any], key: str) -> dict[str, Any]:
    return next(d for d in report["dimensions"] if d["key"] == key)


async def test_japanese_report_cites_planned_questions_and_checks_quotes(
    sqlite_store: InterviewStore, api: FakeGeminiApi
) -> None:
    record = await write(sqlite_store, JAPANESE, language="ja")
    design = record.plan.design
    assert design is not None
    api.queue(
        run(
            {
                # a substring without the sentence's punctuation, and one whose spacing
                # around the Latin word differs from the transcript's
                "experience_authenticity": [
                    ("T2", "「データベースの移行を担当しました」"),
                    ("T2", "ダウンタイムなしでPostgreSQLに移しました"),
                ],
                "technical_depth": [("T4", "顧客IDと日付の順番で複合インデックスを作ります")],
                "collaboration": [("T6", "まずデータを集めて 話し合いました")],
                # invented, and too short to show anything
                "communication": [("T2", "私はリーダーとして十人のチームを率いました")],
                "problem_solving": [("T8", "はい")],
            },
            {"technical_depth": 4, "experience_authenticity": 4, "collaboration": 3},
        )
    )
    report = await evaluate(sqlite_store, api, record.id)
    (sent,) = api.requests
    assert "in Japanese (日本語)" in sent.system_instruction
    assert "planned_questions" in sent.text and design.questions[0].id in sent.text
    assert report["language"] == "ja"

    exp = dim(report, "experience_authenticity")
    assert exp["supported"] and len(exp["evidence"]) == 2
    assert all(e["verified"] for e in exp["evidence"])
    assert exp["evidence"][0]["timestamp"] == T0 + 10
    assert dim(report, "technical_depth")["supported"]
    assert dim(report, "collaboration")["supported"]
    comm = dim(report, "communication")
    assert not comm["supported"]
    assert comm["rejected_evidence"][0]["reason"] == "not found in the transcript"
    ps = dim(report, "problem_solving")
    assert ps["rejected_evidence"][0]["reason"] == "too short to be evidence"

    # plan coverage: the two questions with outcomes are asked, the rest skipped
    coverage = {c["question_id"]: c for c in report["plan_coverage"]}
    assert set(coverage) == {q.id for q in design.questions}
    intro = design.questions_for(Phase.INTRO)[0]
    technical = design.questions_for(Phase.TECHNICAL)[0]
    assert coverage[intro.id]["asked"] and coverage[intro.id]["outcome"] == "covered"
    assert coverage[technical.id]["outcome"] == "partly"
    assert coverage[technical.id]["step"] == "planned"
    skipped = [c for c in report["plan_coverage"] if not c["asked"]]
    assert len(skipped) == len(design.questions) - 2
    assert all(c["outcome"] is None for c in skipped)

    # each competency cites the asked planned questions that serve it, with its weight
    cited = {d["key"]: d["question_ids"] for d in report["dimensions"]}
    assert cited[intro.competency.value] == [intro.id] or intro.id in cited[intro.competency]
    assert technical.id in cited[technical.competency.value]
    assert sum(len(v) for v in cited.values()) == 2
    weights = {d["key"]: d["weight"] for d in report["dimensions"]}
    assert weights == {c.key.value: c.weight for c in design.competencies}
    # the overall score is the plan-weighted mean of the supported dimensions
    supported = [(d["score"], d["weight"]) for d in report["dimensions"] if d["supported"]]
    expected = sum(s * w for s, w in supported) / sum(w for _, w in supported)
    assert report["overall_score"] == pytest.approx(round(expected, 2))
    assert report["overall_score"] != pytest.approx(
        round(sum(s for s, _ in supported) / len(supported), 2)
    )

    # report.html: the plan table (asked / skipped, outcome) and the cited questions
    html = (sqlite_store.files_dir(record.id) / "report.html").read_text()
    assert '<html lang="ja">' in html
    assert "<h2>Interview plan</h2>" in html and "2 of " in html
    assert f"<td>{technical.id}</td>" in html and "partly covered" in html
    assert html.count("<td>skipped</td>") == len(design.questions) - 2
    assert f"Planned questions: {technical.id}" in html


async def test_hindi_quotes_are_verified_whatever_their_unicode_form(
    sqlite_store: InterviewStore,
) -> None:
    record = await write(sqlite_store, HINDI, language="hi")
    turns = merge_turns(record)
    checker = EvidenceChecker(turns={f"T{t.index + 1}": t for t in turns}, items=record.transcript)
    decomposed = unicodedata.normalize("NFD", "कोड रिव्यू की \u095bिम्मेदारी मेरी थी")
    assert decomposed != "कोड रिव्यू की \u095bिम्मेदारी मेरी थी"
    for quote, turn in (
        ("डेटाबेस माइग्रेशन का नेतृत्व किया।", "T2"),
        ("“मैं पहले क्वेरी प्लान देखूँगा”", "T4"),
        (decomposed, "T6"),
    ):
        checked = checker.check(quote, turn)
        assert checked.verified, (quote, checked.reason)
        assert checked.turn_id == turn
    assert not checker.check("मैंने बीस लोगों की टीम का नेतृत्व किया", "T2").verified
    assert checker.check("अपने बारे में बताइए", "T2").reason == "these are the interviewer's words"


def test_words_are_counted_in_any_script() -> None:
    assert count_words("हिंदी में बात करते हैं") == 5  # vowel signs do not split words
    assert count_words("I built it") == 3
    assert count_words("データベースの移行") == 5  # 9 characters, ~2 per word
    assert count_words("はい") == 1
    assert count_words("PostgreSQL に移しました") == 1 + 3


async def test_a_report_without_a_plan_keeps_the_plain_mean(
    sqlite_store: InterviewStore, api: FakeGeminiApi
) -> None:
    from tests.fake_interview import run_json, write_interview

    record = await write_interview(sqlite_store)
    scores = dict.fromkeys(DIMENSION_KEYS, 3) | {"technical_depth": 5}
    api.queue(run_json(scores), run_json(scores))
    report = await evaluate(sqlite_store, api, record.id, runs=2)
    assert report["plan_coverage"] == [] and report["language"] == "en"
    assert all(d["question_ids"] == [] and d["weight"] is None for d in report["dimensions"])
    got = [d["score"] for d in report["dimensions"] if d["supported"]]
    assert report["overall_score"] == pytest.approx(round(sum(got) / len(got), 2))
    assert Competency.TECHNICAL_DEPTH.value in DIMENSION_KEYS
