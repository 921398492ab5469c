"""Interview plans: the question bank, the deterministic fallback, Gemini's plan against the
generate_content emulator (and its failures), the background preparation and the API.

The emulator is the real wire (google-genai talks to it unmodified); tests read what the
planner sent (JD, CV, rubric, schema, temperature) and what the store holds afterwards.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import TypeAdapter

from evals.rubric import DIMENSIONS
from interview_store import (
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    Competency,
    CVSections,
    InterviewDesign,
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    InterviewType,
    Level,
    ParsedCV,
    Phase,
    PlanSource,
    SkillGap,
)
from problem_bank import default_bank
from testkit.gemini_api import FakeGeminiApi, Reply
from tests.tokenserver_harness import client_for
from tokenserver.planning import Planner, PlanPreparer, PlanRequest, fallback_design
from tokenserver.planning.gemini_planner import GeminiPlanner
from tokenserver.planning.plan_builder import COMPETENCY_NAMES, allocation, question_count
from tokenserver.planning.question_bank import TYPE_FILES, load_bank
from tokenserver.skill_gap import canonical_skill, skill_gap_for

SENIOR_JD = """\
Senior Backend Engineer, payments platform.
- Design and own high-throughput payment APIs in Python
- Run services on k8s with Postgres and Kafka
Requirements: Python, Kubernetes, PostgreSQL, Kafka, Terraform.
"""
SENIOR_CV = """\
Ada Example
Experience
Staff Engineer, Acme Payments (2019 - present)
Led the migration of the ledger from MySQL to PostgreSQL with zero downtime.
Built an idempotent payment API in Python serving 3,000 requests per second.
Software Engineer, Globex (2015 - 2019)
Skills
Python, Postgres, k8s, Docker
"""


def request_for(
    *,
    role: str = "Senior Backend Engineer",
    level: Level = Level.ADVANCED,
    interview_type: InterviewType = InterviewType.BACKEND,
    language: str = "en",
    minutes: int = 30,
    jd: str | None = SENIOR_JD,
    cv_text: str | None = SENIOR_CV,
    gap: SkillGap | None = None,
    interview_id: str = "3f1c2a9e-0000-4000-8000-000000000001",
) -> PlanRequest:
    cv = None
    if cv_text is not None:
        experience = cv_text.split("Experience\n", 1)[-1].split("Skills\n", 1)[0]
        cv = ParsedCV(
            text=cv_text,
            pages=1,
            sections=CVSections(experience=experience, skills="Python, Postgres, k8s, Docker"),
        )
    return PlanRequest(
        interview_id=interview_id,
        role=role,
        level=level,
        interview_type=interview_type,
        language=language,
        duration_minutes=minutes,
        job_description=jd,
        cv=cv,
        skill_gap=gap,
    )


def stored_shape(design: InterviewDesign) -> InterviewDesign:
    """The design as a reader gets it back: JSON through the contract's validation."""
    data = json.loads(design.model_dump_json())
    return TypeAdapter(InterviewDesign).validate_python(data)


def assert_documented_shape(design: InterviewDesign, request: PlanRequest) -> None:
    design = stored_shape(design)
    assert MIN_QUESTIONS <= len(design.questions) <= MAX_QUESTIONS
    assert len(design.questions) == question_count(request.duration_minutes)
    assert (
        design.level_definition
        == load_bank().bank_for(request.interview_type, request.role).levels[request.level]
    )
    assert abs(sum(c.weight for c in design.competencies) - 1.0) < 0.01
    assert {c.key for c in design.competencies} == set(Competency)
    phases = set(request.phases)
    for q in design.questions:
        assert q.phase in phases, q
        assert q.phase not in (Phase.CANDIDATE_QUESTIONS, Phase.WRAP_UP)
        assert q.text and q.easier and q.harder and q.easier != q.harder
        assert 1 <= len(q.follow_ups) <= 3 and q.good_answer
        assert q.id[0] in "ITCB"
    assert [q.id for q in design.questions if q.phase == Phase.INTRO] == ["I1"]


# --- the bank ------------------------------------------------------------------------------


def test_bank_loads_every_type_with_levels_weights_and_unique_ids() -> None:
    bank = load_bank()
    for name in TYPE_FILES:
        own = bank.types[name]
        assert set(own.levels) == set(Level), name
        assert len(set(own.levels.values())) == 3, f"{name}: levels must differ"
        assert abs(sum(own.weights.values()) - 1) < 1e-9
    ids = [q.id for t in bank.types.values() for q in t.questions] + [q.id for q in bank.intro]
    assert len(ids) == len(set(ids))
    # system design carries a prompt per level and the six checkpoints
    sd = bank.types["system_design"]
    assert set(sd.design_prompts) == set(Level)
    assert list(sd.checkpoints) == [
        "requirements",
        "estimates",
        "api",
        "high_level_design",
        "deep_dive",
        "trade_offs",
    ]


def test_competencies_are_the_rubric_dimensions() -> None:
    assert [d.key for d in DIMENSIONS] == [c.value for c in Competency]
    assert {d.key: d.name for d in DIMENSIONS} == {
        c.value: name for c, name in COMPETENCY_NAMES.items()
    }


@pytest.mark.parametrize(("minutes", "count"), [(15, 6), (30, 8), (45, 10), (60, 12)])
def test_question_count_scales_with_the_length(minutes: int, count: int) -> None:
    req = request_for(minutes=minutes)
    assert question_count(minutes) == count
    design = fallback_design(req, reason="test")
    assert len(design.questions) == count
    assert_documented_shape(design, req)


def test_skill_gap_matches_any_skill_through_synonyms() -> None:
    assert canonical_skill("k8s") == "Kubernetes"
    assert canonical_skill("Postgres") == "PostgreSQL"
    assert canonical_skill("JS") == "JavaScript"
    gap = skill_gap_for(
        ["Kubernetes", "PostgreSQL", "JavaScript", "Figma", "SEO"],
        ["k8s", "Search engine optimisation"],
        "Five years of js and postgres in production.",
    )
    assert gap.matched == ["Kubernetes", "PostgreSQL", "JavaScript", "Search engine optimization"]
    assert gap.missing == ["Figma"]


# --- the four plans the issue names (deterministic fallback) -------------------------------


def test_senior_backend_plan_probes_the_cv_and_the_missing_skills() -> None:
    req = request_for(gap=SkillGap(matched=["Python", "Kubernetes"], missing=["Kafka"]))
    design = fallback_design(req, reason="no Google API key is configured")
    assert_documented_shape(design, req)
    assert design.source == PlanSource.FALLBACK
    assert design.fallback_reason == "no Google API key is configured"
    cv_probes = [q for q in design.questions if q.probes_cv]
    gap_probes = [q for q in design.questions if q.probes_gap]
    assert cv_probes and "PostgreSQL with zero downtime" in cv_probes[0].text
    assert gap_probes and "Kafka" in gap_probes[0].text
    assert design.cv is not None and design.cv.roles[0].start == "2019"
    assert design.cv.roles[0].title == "Staff Engineer"
    # a coding phase with a problem of the bank, at the level, with an easier and a harder one
    assert design.coding is not None
    problem = default_bank().get(design.coding.problem_ids[0])
    assert problem.difficulty.value == "advanced"
    coding = design.questions_for(Phase.CODING)
    assert coding[0].bank_id == problem.id
    assert design.system_design is None


def test_beginner_frontend_plan_without_a_cv() -> None:
    req = request_for(
        role="Junior Frontend Developer",
        level=Level.BEGINNER,
        interview_type=InterviewType.FRONTEND,
        jd=None,
        cv_text=None,
    )
    design = fallback_design(req, reason="test")
    assert_documented_shape(design, req)
    assert not any(q.probes_cv or q.probes_gap for q in design.questions)
    assert design.cv is None and design.job is None
    assert all(q.difficulty == Level.BEGINNER for q in design.questions)
    technical = [q.bank_id for q in design.questions_for(Phase.TECHNICAL)]
    assert technical and all(b and b.startswith("fe-") for b in technical)
    assert design.coding is not None
    assert default_bank().get(design.coding.problem_ids[0]).difficulty.value == "beginner"


def test_custom_non_technical_role_has_no_coding_and_domain_questions() -> None:
    req = request_for(
        role="Digital marketing for startups",
        level=Level.INTERMEDIATE,
        interview_type=InterviewType.CUSTOM,
        language="es",
        jd=None,
        cv_text=None,
    )
    design = fallback_design(req, reason="test")
    assert_documented_shape(design, req)
    assert design.coding is None
    assert not design.questions_for(Phase.CODING)
    assert any("Digital marketing for startups" in q.text for q in design.questions)
    assert design.questions_for(Phase.BEHAVIOURAL)
    # the bank is English: the plan says so and the interviewer translates (see agent tests)
    assert design.language == "en"


def test_system_design_plan_has_a_prompt_with_checkpoints() -> None:
    req = request_for(role="Backend engineer", interview_type=InterviewType.SYSTEM_DESIGN, jd=None)
    design = fallback_design(req, reason="test")
    assert_documented_shape(design, req)
    assert design.coding is None
    sd = design.system_design
    assert sd is not None and "collaborative document editor" in sd.prompt  # advanced
    assert next(c.key for c in sd.checkpoints) == "requirements" and len(sd.checkpoints) == 6
    weights = {c.key: c.weight for c in design.competencies}
    assert weights[Competency.PROBLEM_SOLVING] > weights[Competency.EXPERIENCE_AUTHENTICITY]


def test_the_three_levels_give_three_different_plans() -> None:
    designs = {
        level: fallback_design(request_for(level=level, cv_text=None, jd=None), reason="test")
        for level in Level
    }
    definitions = {d.level_definition for d in designs.values()}
    assert len(definitions) == 3
    for level, design in designs.items():
        assert all(q.difficulty == level for q in design.questions_for(Phase.TECHNICAL)), level
        assert design.coding is not None
        assert default_bank().get(design.coding.problem_ids[0]).difficulty.value == level.value
    technical = {
        level: [q.bank_id for q in d.questions_for(Phase.TECHNICAL)] for level, d in designs.items()
    }
    assert technical[Level.BEGINNER] != technical[Level.ADVANCED]
    # beginner-only questions never open an advanced plan, and the reverse
    assert "be-rest-design" not in technical[Level.ADVANCED]
    assert "be-idempotency" not in technical[Level.BEGINNER]


def test_every_interview_type_and_length_gives_a_valid_plan() -> None:
    for kind in InterviewType:
        for minutes in (15, 30, 45, 60):
            req = request_for(interview_type=kind, minutes=minutes, role="Backend Engineer")
            design = fallback_design(req, reason="test")
            stored_shape(design)
            assert MIN_QUESTIONS <= len(design.questions) <= MAX_QUESTIONS, (kind, minutes)
            assert (design.coding is not None) == (Phase.CODING in req.phases), kind


def test_fallback_is_deterministic_per_interview() -> None:
    a = fallback_design(request_for(), reason="x")
    b = fallback_design(request_for(), reason="x")
    assert a == b


# --- Gemini against the emulator -----------------------------------------------------------


@pytest.fixture
async def api() -> AsyncIterator[FakeGeminiApi]:
    async with FakeGeminiApi() as fake:
        yield fake


@pytest.fixture
async def planner(api: FakeGeminiApi) -> AsyncIterator[Planner]:
    gemini = GeminiPlanner.connect(
        api_key="test-key", base_url=api.base_url, model="gemini-plan-test", temperature=0.2
    )
    p = Planner(gemini=gemini, deadline_s=2.0)
    yield p
    await p.aclose()


def gemini_answer(req: PlanRequest, *, marker: str = "GEMINI", **extra: Any) -> dict[str, Any]:
    counts = allocation(req, load_bank())
    questions = []
    for phase, n in counts.items():
        if phase == Phase.CODING:
            continue
        for i in range(n):
            questions.append(
                {
                    "phase": phase.value,
                    "competency": "technical_depth" if phase != Phase.INTRO else "communication",
                    "text": f"{marker} {phase.value} question {i + 1}?",
                    "follow_ups": [f"{marker} follow-up a", f"{marker} follow-up b"],
                    "good_answer": ["covers the mechanism", "gives an example"],
                    "difficulty": req.level.value,
                    "easier": f"{marker} easier {i + 1}?",
                    "harder": f"{marker} harder {i + 1}?",
                    "probes_cv": i == 0 and phase == Phase.TECHNICAL,
                    "probes_gap": i == 1 and phase == Phase.TECHNICAL,
                }
            )
    payload: dict[str, Any] = {
        "job": {
            "required_skills": ["Python", "k8s", "Postgres", "Kafka", "Terraform"],
            "preferred_skills": [],
            "seniority": "senior",
            "domain": "payments",
            "responsibilities": ["own payment APIs"],
        },
        "cv": {
            "skills": ["Python", "Postgres", "k8s", "Docker"],
            "roles": [{"title": "Staff Engineer", "organisation": "Acme", "start": "2019"}],
            "claims": ["Led the ledger migration to PostgreSQL with zero downtime"],
        },
        "questions": questions,
    }
    payload.update(extra)
    return payload


async def test_planner_request_carries_jd_cv_and_rubric(
    api: FakeGeminiApi, planner: Planner
) -> None:
    req = request_for()
    api.queue_json(gemini_answer(req))
    outcome = await planner.plan(req)
    (sent,) = api.requests
    assert sent.model == "gemini-plan-test"
    config = sent.generation_config
    assert config["temperature"] == pytest.approx(0.2)
    assert config["responseMimeType"] == "application/json"
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    assert schema and "questions" in schema["properties"]
    # the job description and the CV travel as JSON strings inside the fenced data block
    assert json.dumps(SENIOR_JD) in sent.text and json.dumps(SENIOR_CV) in sent.text
    assert "BEGIN_DATA_" in sent.text and "END_DATA_" in sent.text
    for c in Competency:  # the rubric, weighted for the type, in the system instruction
        assert c.value in sent.system_instruction
    assert "weight 0.35" in sent.system_instruction  # backend: technical depth
    assert load_bank().types["backend"].levels[Level.ADVANCED] in sent.system_instruction
    assert "be-idempotency" in sent.text  # bank candidates to draw from

    design = stored_shape(outcome.design)
    assert design.source == PlanSource.GEMINI and design.fallback_reason is None
    assert_documented_shape(design, req)
    technical = design.questions_for(Phase.TECHNICAL)
    assert technical[0].text.startswith("GEMINI") and technical[0].probes_cv
    assert technical[1].probes_gap
    assert design.questions_for(Phase.CODING)[0].bank_id == design.coding.problem_ids[0]  # type: ignore[union-attr]
    assert design.job is not None and design.job.domain == "payments"
    # the skill gap is recomputed from the extracted skills, through synonyms
    assert outcome.skill_gap is not None
    assert outcome.skill_gap.matched == ["Python", "Kubernetes", "PostgreSQL"]
    assert outcome.skill_gap.missing == ["Kafka", "Terraform"]


async def test_a_spanish_marketing_plan_is_written_in_spanish(
    api: FakeGeminiApi, planner: Planner
) -> None:
    req = request_for(
        role="Marketing digital para startups",
        level=Level.INTERMEDIATE,
        interview_type=InterviewType.CUSTOM,
        language="es",
        jd="Buscamos una persona con experiencia en SEO y campañas de pago.",
        cv_text=None,
    )
    api.queue_json(gemini_answer(req, marker="¿Cómo"))
    design = (await planner.plan(req)).design
    assert "Spanish (Español)" in api.requests[0].system_instruction
    assert design.source == PlanSource.GEMINI and design.language == "es"
    assert design.coding is None and not design.questions_for(Phase.CODING)
    assert all(q.text.startswith("¿Cómo") for q in design.questions)
    assert design.cv is None  # no CV was given: nothing extracted is kept


async def test_short_answers_are_filled_from_the_bank(api: FakeGeminiApi, planner: Planner) -> None:
    req = request_for(minutes=60)
    answer = gemini_answer(req)
    answer["questions"] = [*answer["questions"][:2], {"phase": "lunch", "text": "?"}]
    api.queue_json(answer)
    design = (await planner.plan(req)).design
    assert design.source == PlanSource.GEMINI
    assert len(design.questions) == 12
    assert sum(q.text.startswith("GEMINI") for q in design.questions) == 2
    assert sum(q.bank_id is not None for q in design.questions) >= 9


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(text="{not json"), "not JSON"),
        (Reply(text=json.dumps({"questions": "many"})), "does not match the schema"),
        (Reply(text="", finish_reason="SAFETY"), "refused or blocked"),
        (Reply(status=500), "HTTP 500"),
        (Reply(text="{}", delay_s=3.0), "did not answer within 2 s"),
    ],
    ids=["malformed", "wrong-shape", "refused", "server-error", "slow"],
)
async def test_bad_answers_fall_back_to_the_bank(
    api: FakeGeminiApi, planner: Planner, reply: Reply, reason: str
) -> None:
    api.queue(reply)
    req = request_for()
    design = (await planner.plan(req)).design
    assert design.source == PlanSource.FALLBACK
    assert design.fallback_reason is not None and reason in design.fallback_reason
    assert_documented_shape(design, req)
    assert design == fallback_design(req, reason=design.fallback_reason)


async def test_an_answer_with_no_usable_question_falls_back(
    api: FakeGeminiApi, planner: Planner
) -> None:
    req = request_for()
    answer = gemini_answer(req)
    for q in answer["questions"]:
        q["competency"] = "charisma"
    api.queue_json(answer)
    design = (await planner.plan(req)).design
    assert design.source == PlanSource.FALLBACK
    assert design.fallback_reason is not None and "no usable question" in design.fallback_reason


# --- preparation in the background and the store -------------------------------------------


def plan_of(req: PlanRequest) -> InterviewPlan:
    return InterviewPlan(
        role=req.role,
        level=req.level,
        interview_type=req.interview_type,
        job_description=req.job_description,
        cv=req.cv,
        language=req.language,
        planned_minutes=req.duration_minutes,
    )


async def test_preparation_stores_the_plan_and_makes_the_interview_joinable(
    store: InterviewStore, api: FakeGeminiApi, planner: Planner
) -> None:
    req = request_for()
    api.queue(Reply(text=json.dumps(gemini_answer(req)), delay_s=0.3))
    record = await store.create(plan_of(req), preparing=True)
    assert record.status == InterviewStatus.PREPARING and record.plan.design is None
    with pytest.raises(Exception, match="cannot become live"):
        await store.set_status(record.id, InterviewStatus.LIVE)  # the agent must wait
    preparer = PlanPreparer(store=store, planner=planner)
    preparer.start(record.id, record.plan)
    assert preparer.pending == 1
    await asyncio.sleep(0.05)
    mid = await store.get(record.id)
    assert mid is not None and mid.status == InterviewStatus.PREPARING
    await preparer.aclose()
    done = await store.get(record.id)
    assert done is not None and done.status == InterviewStatus.CREATED
    assert done.plan.design is not None and done.plan.design.source == PlanSource.GEMINI
    assert done.plan.skill_gap is not None and "Terraform" in done.plan.skill_gap.missing
    # a second preparer finishing late changes nothing
    assert not await store.save_plan(record.id, done.plan)


async def test_a_plan_for_an_ended_interview_is_dropped(sqlite_store: InterviewStore) -> None:
    req = request_for(cv_text=None)
    record = await sqlite_store.create(plan_of(req), preparing=True)
    await sqlite_store.set_status(record.id, InterviewStatus.ENDED)  # candidate left first
    preparer = PlanPreparer(store=sqlite_store, planner=Planner(gemini=None, deadline_s=1))
    await preparer.prepare(record.id, record.plan)
    after = await sqlite_store.get(record.id)
    assert after is not None and after.status == InterviewStatus.ENDED
    assert after.plan.design is None


async def test_interviews_left_preparing_are_planned_at_start_up(
    sqlite_store: InterviewStore,
) -> None:
    req = request_for(cv_text=None)
    first = await sqlite_store.create(plan_of(req), preparing=True)
    second = await sqlite_store.create(plan_of(req), preparing=True)
    preparer = PlanPreparer(store=sqlite_store, planner=Planner(gemini=None, deadline_s=1))
    assert await preparer.resume_pending() == 2
    await preparer.aclose()
    for iid in (first.id, second.id):
        rec = await sqlite_store.get(iid)
        assert rec is not None and rec.status == InterviewStatus.CREATED
        assert rec.plan.design is not None
        assert rec.plan.design.fallback_reason == "no Google API key is configured"


# --- the API ---------------------------------------------------------------------------------


async def test_create_takes_language_and_duration(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        r = await client.post(
            "/api/interviews",
            data={
                "consent": "true",
                "role": "Marketing digital",
                "interview_type": "custom",
                "level": "beginner",
                "language": "ES",
                "duration_minutes": "45",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "preparing"
    record = await sqlite_store.get(r.json()["interview_id"])
    assert record is not None and record.status == InterviewStatus.CREATED
    assert record.plan.language == "es" and record.plan.planned_minutes == 45
    assert record.plan.interview_type == InterviewType.CUSTOM
    design = record.plan.design
    assert design is not None and len(design.questions) == 10 and design.coding is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("language", "xx", "'language' must be one of: en, es, fr, de, pt, hi, ja, zh"),
        ("duration_minutes", "20", "'duration_minutes' must be one of: 15, 30, 45, 60."),
        ("duration_minutes", "thirty", "'duration_minutes' must be one of"),
        ("interview_type", "astrology", "'interview_type' must be one of"),
    ],
)
async def test_create_refuses_bad_language_and_duration(
    sqlite_store: InterviewStore, field: str, value: str, message: str
) -> None:
    async with client_for(sqlite_store) as client:
        r = await client.post(
            "/api/interviews", data={"consent": "true", "role": "Backend", field: value}
        )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and message in r.json()["error"]
    assert (await sqlite_store.list())[1] == 0  # nothing written


async def test_new_interview_types_are_accepted_and_old_ones_keep_working(
    sqlite_store: InterviewStore,
) -> None:
    async with client_for(sqlite_store) as client:
        for kind in InterviewType:
            r = await client.post(
                "/api/interviews",
                data={"consent": "true", "role": "Data scientist", "interview_type": kind.value},
            )
            assert r.status_code == 201, (kind, r.text)
    items, total = await sqlite_store.list(limit=50)
    assert total == len(InterviewType)
    assert {i.interview_type for i in items} == set(InterviewType)


async def test_the_form_options_are_what_the_api_accepts(sqlite_store: InterviewStore) -> None:
    async with client_for(sqlite_store) as client:
        r = await client.get("/api/interview-options")
        assert r.status_code == 200, r.text
        options = r.json()
        codes = [lang["code"] for lang in options["languages"]]
        assert {"en", "es", "fr", "de", "pt", "hi", "ja", "zh"} <= set(codes)
        assert {"name": "Japanese (日本語)", "code": "ja"} in options["languages"]
        assert options["durations_minutes"] == [15, 30, 45, 60]
        assert options["interview_types"] == [t.value for t in InterviewType]
        assert options["default_language"] == "en" and options["default_duration_minutes"] == 30
        for code, minutes in ((codes[-1], options["durations_minutes"][0]), ("zh", 60)):
            created = await client.post(
                "/api/interviews",
                data={
                    "consent": "true",
                    "role": "QA",
                    "language": code,
                    "duration_minutes": str(minutes),
                },
            )
            assert created.status_code == 201, created.text
