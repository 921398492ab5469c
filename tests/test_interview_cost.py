"""Cost per interview: the arithmetic against a hand-computed example, the price table and its
setting, storage by source on both databases, the recruiter API bodies, and the whole path on
the emulators — Gemini Live usage through the agent, scoring usage through the evals worker —
to the stored cost."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from google.genai import types
from livekit.agents import vad

from agent.session import build_realtime_model
from evals.evaluation import evaluate_interview
from evals.scoring import Scorer, ScoringOptions, make_client
from interview_store import (
    CostSource,
    InterviewCost,
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    PriceTable,
    TokenUsage,
)
from testkit.agent_harness import agent_settings, interview_harness, quick_options
from testkit.audio_io import CapturingSpeaker, WavMicrophone
from testkit.gemini_api import FakeGeminiApi, Reply
from testkit.gemini_live import FakeGeminiLive
from testkit.gemini_live import Reply as LiveReply
from testkit.tls import LocalTLS
from tests.fake_interview import run_json, write_interview
from tests.tokenserver_harness import client_for, recruiter_headers

pytestmark = pytest.mark.timing

PRICES = PriceTable()

LIVE = TokenUsage(
    audio_input=120_000, video_input=25_800, text_input=4_000, audio_output=30_000, text_output=500
)
REVIEWS = TokenUsage(video_input=12_900, text_input=2_000, text_output=800)
EVALUATION = TokenUsage(text_input=18_000, text_output=3_000)


def test_cost_matches_a_hand_computed_interview() -> None:
    """A 40-minute interview, by hand, with the table's documented prices:
    live (2.5 native audio): (120,000 audio + 25,800 video) x $3.00 + 4,000 text x $0.50
        + 30,000 audio out x $12.00 + 500 text out x $2.00, per million
        = 0.4374 + 0.0020 + 0.3600 + 0.0010 = $0.8004
    frame reviews (2.5 flash): 12,900 image x $0.30 + 2,000 text x $0.30 + 800 out x $2.50
        = 0.00387 + 0.00060 + 0.00200 = $0.00647
    evaluation (2.5 flash, two runs): 18,000 x $0.30 + 3,000 x $2.50 = 0.0054 + 0.0075 = $0.0129
    total = $0.81977 -> 0.8198"""
    live = PRICES.line(CostSource.LIVE, "gemini-2.5-flash-native-audio-preview-12-2025", LIVE)
    reviews = PRICES.line(CostSource.FRAME_REVIEW, "gemini-2.5-flash", REVIEWS)
    evaluation = PRICES.line(CostSource.EVALUATION, "models/gemini-2.5-flash", EVALUATION)
    assert live.usd == pytest.approx(0.8004, abs=1e-9)
    assert reviews.usd == pytest.approx(0.00647, abs=1e-9)
    assert evaluation.usd == pytest.approx(0.0129, abs=1e-9)
    assert evaluation.model == "gemini-2.5-flash"
    cost = InterviewCost(lines=[live, reviews, evaluation], prices_as_of=PRICES.as_of)
    assert cost.total_usd == 0.8198
    assert cost.unpriced_models == []


def test_price_table_matches_the_longest_prefix_and_never_prices_unknown_models_at_zero() -> None:
    assert (
        PRICES.price_of("gemini-2.5-flash-lite-preview") == PRICES.models["gemini-2.5-flash-lite"]
    )
    assert PRICES.price_of("gemini-2.5-flash-001") == PRICES.models["gemini-2.5-flash"]
    line = PRICES.line(CostSource.LIVE, "someone-elses-realtime", LIVE)
    assert line.usd is None
    cost = InterviewCost(
        lines=[line, PRICES.line(CostSource.EVALUATION, "gemini-2.5-flash", EVALUATION)]
    )
    assert cost.unpriced_models == ["someone-elses-realtime"]
    assert cost.total_usd == 0.0129
    assert PRICES.as_of == date(2025, 12, 1) and "ai.google.dev" in PRICES.source


def test_usage_from_genai_metadata_by_modality() -> None:
    live = types.UsageMetadata(
        prompt_token_count=1_300,
        response_token_count=75,
        prompt_tokens_details=[
            types.ModalityTokenCount(modality=types.MediaModality.AUDIO, token_count=1_000),
            types.ModalityTokenCount(modality=types.MediaModality.IMAGE, token_count=258),
            types.ModalityTokenCount(modality=types.MediaModality.TEXT, token_count=42),
        ],
        response_tokens_details=[
            types.ModalityTokenCount(modality=types.MediaModality.AUDIO, token_count=75)
        ],
    )
    assert TokenUsage.from_genai(live) == TokenUsage(
        audio_input=1_000, video_input=258, text_input=42, audio_output=75
    )
    # generate_content without the split: prompt is text, candidates and thoughts are output
    plain = types.GenerateContentResponseUsageMetadata(
        prompt_token_count=900, candidates_token_count=100, thoughts_token_count=50
    )
    assert TokenUsage.from_genai(plain) == TokenUsage(text_input=900, text_output=150)
    assert TokenUsage.from_genai(None) == TokenUsage()


def test_prices_are_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "MODEL_PRICES",
        '{"as_of": "2026-06-01", "source": "negotiated", "models": {"gemini-2.5-flash": '
        '{"audio_input": 1, "video_input": 1, "text_input": 1, "audio_output": 1, '
        '"text_output": 1}}}',
    )
    settings = agent_settings(tmp_path)
    assert settings.model_prices.as_of == date(2026, 6, 1)
    line = settings.model_prices.line(CostSource.EVALUATION, "gemini-2.5-flash", EVALUATION)
    assert line.usd == pytest.approx(0.021)  # 21,000 tokens at $1 per million
    assert settings.model_prices.price_of("gemini-2.5-flash-native-audio-x") is not None


async def test_cost_is_stored_by_source_and_served_in_detail_and_list(
    store: InterviewStore,
) -> None:
    record = await store.create(InterviewPlan(role="Backend"))
    assert (await store.get(record.id)).cost is None  # type: ignore[union-attr]
    as_of = PRICES.as_of
    await store.save_cost(
        record.id,
        CostSource.LIVE,
        [PRICES.line(CostSource.LIVE, "gemini-2.5-flash-native-audio", LIVE)],
        prices_as_of=as_of,
    )
    await store.save_cost(
        record.id,
        CostSource.FRAME_REVIEW,
        [PRICES.line(CostSource.FRAME_REVIEW, "gemini-2.5-flash", REVIEWS)],
        prices_as_of=as_of,
    )
    first_eval = TokenUsage(text_input=50_000, text_output=9_000)
    for usage in (first_eval, EVALUATION):  # a re-run evaluation replaces the first one
        await store.save_cost(
            record.id,
            CostSource.EVALUATION,
            [PRICES.line(CostSource.EVALUATION, "gemini-2.5-flash", usage)],
            prices_as_of=as_of,
        )
    got = await store.get(record.id)
    assert got is not None and got.cost is not None
    assert [line.source for line in got.cost.lines] == ["live", "frame_review", "evaluation"]
    assert got.cost.by_source(CostSource.EVALUATION)[0].usage == EVALUATION
    assert got.cost.total_usd == 0.8198 and got.cost_usd == 0.8198
    (summary,), _ = await store.list()
    assert summary.cost_usd == 0.8198

    async with client_for(store) as client:
        detail = await client.get(f"/api/interviews/{record.id}", headers=recruiter_headers())
        listing = await client.get("/api/interviews", headers=recruiter_headers())
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["cost_usd"] == 0.8198
    assert body["cost"]["total_usd"] == 0.8198
    assert body["cost"]["prices_as_of"] == "2025-12-01"
    assert body["cost"]["lines"][0]["usage"]["audio_output"] == 30_000
    assert listing.json()["items"][0]["cost_usd"] == 0.8198


async def test_gemini_live_usage_reaches_the_stored_cost_and_evaluation_adds_to_it(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
) -> None:
    """The Live emulator reports usage by modality on every turn (the whole context re-billed
    as prompt); the agent stores what it was told, priced; then the evals worker's scoring
    usage (the REST emulator's usageMetadata) joins it as the evaluation line."""
    settings = agent_settings(
        tmp_path, gemini_base_url=emulator.base_url, gemini_ca_file=tls.ca_file
    )
    async with interview_harness(
        sqlite_store,
        settings=settings,
        llm_model=build_realtime_model(settings),
        vad_model=silero,
        audio_input=WavMicrophone(),
        audio_output=CapturingSpeaker(),
        options=quick_options(reply_stall_timeout_s=60),
    ) as h:
        interview_id = h.ictx.interview_id
        for said, asked in (
            ("I'm Ada, I build payment systems.", "Which databases do you use?"),
            ("PostgreSQL mostly.", "How do you avoid double charges?"),
            ("Idempotency keys.", "Thanks, that is all."),
        ):
            emulator.push(LiveReply.say(asked, audio_s=0.5))
            await asyncio.wait_for(h.session.generate_reply(user_input=said).wait_for_playout(), 10)
    sent = TokenUsage()
    for u in emulator.state.usage:
        sent += TokenUsage.from_genai(types.UsageMetadata.model_validate(u))
    assert sent.audio_output > 0 and sent.text_input > 0

    record = await sqlite_store.get(interview_id)
    assert record is not None and record.status == InterviewStatus.ENDED and record.cost
    (live,) = record.cost.by_source(CostSource.LIVE)
    assert live.model == settings.gemini_live_model
    assert live.usage == sent  # every usageMetadata the service sent, nothing else
    assert live.usd == pytest.approx(PRICES.models["gemini-2.5-flash-native-audio"].usd(sent))
    assert live.usd is not None and live.usd > 0
    assert record.cost.by_source(CostSource.FRAME_REVIEW) == []  # vision off here

    # the evaluation of the same record adds its own line
    record_for_eval = await write_interview(sqlite_store)  # enough candidate turns to score
    await sqlite_store.save_cost(
        record_for_eval.id, CostSource.LIVE, [live], prices_as_of=PRICES.as_of
    )
    async with FakeGeminiApi() as api:
        api.responder = lambda _req: Reply(text=run_json(4))
        scorer = Scorer(
            client=make_client(api_key="k", base_url=api.base_url, timeout_s=5),
            options=ScoringOptions(model="gemini-2.5-flash", retry_backoff_s=0.0),
        )
        evaluation = await evaluate_interview(sqlite_store, record_for_eval.id, scorer=scorer)
        await scorer.aclose()
    prompt_tokens = sum(len(r.text) // 4 for r in api.requests)  # what the emulator reported
    reply_tokens = len(api.requests) * (len(run_json(4)) // 4)
    assert evaluation.cost is not None
    assert evaluation.cost.usage == TokenUsage(text_input=prompt_tokens, text_output=reply_tokens)
    evaluated = await sqlite_store.get(record_for_eval.id)
    assert evaluated is not None and evaluated.cost is not None
    assert [line.source for line in evaluated.cost.lines] == ["live", "evaluation"]
    assert evaluated.cost_usd == round((live.usd or 0) + (evaluation.cost.usd or 0), 4)
