"""Assembling an `InterviewDesign`: how many questions, in which phases, from which source.

Rules that hold whatever wrote the questions (Gemini or the bank):
- 6 to 12 questions, scaled with the length (15 min: 6, 30: 8, 45: 10, 60: 12);
- one intro question; in a coding phase the planned problem (from `problem_bank`) is a
  question of its own; the rest is shared between technical and behavioural phases by the
  type's `phase_share`, only among the phases the type has;
- up to two questions probe the CV's claims and up to two the job's missing skills (they
  replace bank questions of the main phase, never exceed its share);
- ids are short and stable per phase (I1, T1.., C1.., B1..) so the interviewer, the
  outcomes and the report refer to the same thing.

Everything is deterministic for a given interview id (the seed), so a fallback plan can be
reproduced exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from interview_store import (
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    PHASES_BY_TYPE,
    QUESTION_PHASES,
    CodingPart,
    Competency,
    CVProfile,
    DesignCheckpoint,
    InterviewDesign,
    InterviewPlan,
    InterviewType,
    JobProfile,
    Level,
    ParsedCV,
    Phase,
    PlannedQuestion,
    PlanSource,
    SkillGap,
    SystemDesignPart,
    WeightedCompetency,
)
from problem_bank import Problem, default_bank

from .question_bank import BankQuestion, ProbeTemplate, QuestionBank, TypeBank, load_bank

MAX_CV_PROBES = 2
MAX_GAP_PROBES = 2

COMPETENCY_NAMES: dict[Competency, str] = {
    Competency.TECHNICAL_DEPTH: "Technical depth",
    Competency.PROBLEM_SOLVING: "Problem solving",
    Competency.COMMUNICATION: "Communication",
    Competency.EXPERIENCE_AUTHENTICITY: "Experience authenticity",
    Competency.COLLABORATION: "Collaboration signals",
}
"""The rubric's dimension names (`evals/rubric.py`; a test keeps them equal)."""

_ID_PREFIX = {Phase.INTRO: "I", Phase.TECHNICAL: "T", Phase.CODING: "C", Phase.BEHAVIOURAL: "B"}


@dataclass(frozen=True)
class PlanRequest:
    """What the planner works from: the form's fields, the parsed CV and the seed."""

    interview_id: str
    role: str
    level: Level
    interview_type: InterviewType
    language: str
    duration_minutes: int
    job_description: str | None
    cv: ParsedCV | None
    skill_gap: SkillGap | None

    @classmethod
    def from_plan(cls, interview_id: str, plan: InterviewPlan) -> PlanRequest:
        return cls(
            interview_id=interview_id,
            role=plan.role,
            level=plan.level,
            interview_type=plan.interview_type,
            language=plan.language,
            duration_minutes=plan.planned_minutes,
            job_description=plan.job_description,
            cv=plan.cv,
            skill_gap=plan.skill_gap,
        )

    @property
    def phases(self) -> tuple[Phase, ...]:
        return PHASES_BY_TYPE[self.interview_type]


@dataclass(frozen=True)
class QuestionDraft:
    """A question before it gets its id (from the bank, a probe template or Gemini)."""

    phase: Phase
    competency: Competency
    text: str
    follow_ups: tuple[str, ...]
    good_answer: tuple[str, ...]
    difficulty: Level
    easier: str
    harder: str
    probes_cv: bool = False
    probes_gap: bool = False
    bank_id: str | None = None


def question_count(duration_minutes: int) -> int:
    """6 at 15 minutes, 2 more per extra quarter hour, within 6..12."""
    return max(MIN_QUESTIONS, min(MAX_QUESTIONS, round(4 + duration_minutes * 2 / 15)))


def allocation(request: PlanRequest, bank: QuestionBank) -> dict[Phase, int]:
    """Questions per phase for this interview (phases without questions are left out)."""
    total = question_count(request.duration_minutes)
    own = bank.bank_for(request.interview_type, request.role)
    phases = [p for p in request.phases if p in QUESTION_PHASES]
    counts = dict.fromkeys(phases, 0)
    if Phase.INTRO in counts:
        counts[Phase.INTRO] = 1
    flexible = [p for p in phases if p in (Phase.TECHNICAL, Phase.BEHAVIOURAL)]
    if Phase.CODING in counts:
        # the problem plus discussion questions; a coding-only interview is all coding
        counts[Phase.CODING] = 2 if flexible else total - sum(counts.values())
    left = total - sum(counts.values())
    if flexible:
        shares = {p: own.phase_share.get(p, 0.0) for p in flexible}
        if sum(shares.values()) <= 0:
            shares = dict.fromkeys(flexible, 1.0)
        norm = sum(shares.values())
        for p in flexible:
            counts[p] = int(left * shares[p] / norm)
        leftover = left - sum(counts[p] for p in flexible)
        for p in sorted(flexible, key=lambda p: -shares[p])[:leftover]:
            counts[p] += 1
        for p in flexible:  # a phase the type has gets at least one question
            if counts[p] == 0:
                donor = max(flexible, key=lambda q: counts[q])
                counts[donor] -= 1
                counts[p] = 1
    return {p: n for p, n in counts.items() if n > 0}


def _seeded(items: Iterable[BankQuestion], seed: str) -> list[BankQuestion]:
    return sorted(items, key=lambda q: hashlib.sha256(f"{seed}:{q.id}".encode()).hexdigest())


def bank_choice(
    request: PlanRequest, bank: QuestionBank, phase: Phase, *, exclude: set[str]
) -> list[BankQuestion]:
    """Bank questions for `phase`, best first: those suiting the level (seeded order), then
    the others by closeness of level."""
    order = list(Level)
    candidates = bank.candidates(request.interview_type, request.role, phase)
    pool = [q for q in candidates if q.id not in exclude]
    suits = _seeded((q for q in pool if request.level in q.levels), request.interview_id)
    rest = sorted(
        (q for q in pool if request.level not in q.levels),
        key=lambda q: (
            abs(order.index(q.difficulty_for(request.level)) - order.index(request.level)),
            q.id,
        ),
    )
    return suits + rest


def _fill(text: str, **values: str) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def from_bank(q: BankQuestion, request: PlanRequest) -> QuestionDraft:
    role = request.role
    return QuestionDraft(
        phase=q.phase,
        competency=q.competency,
        text=_fill(q.text, role=role),
        follow_ups=tuple(_fill(f, role=role) for f in q.follow_ups),
        good_answer=q.good_answer,
        difficulty=q.difficulty_for(request.level),
        easier=_fill(q.easier, role=role),
        harder=_fill(q.harder, role=role),
        bank_id=q.id,
    )


def from_probe(
    template: ProbeTemplate, phase: Phase, level: Level, *, claim: str = "", skill: str = ""
) -> QuestionDraft:
    def f(text: str) -> str:
        return _fill(text, claim=claim, skill=skill)

    return QuestionDraft(
        phase=phase,
        competency=template.competency,
        text=f(template.text),
        follow_ups=tuple(f(x) for x in template.follow_ups),
        good_answer=template.good_answer,
        difficulty=level,
        easier=f(template.easier),
        harder=f(template.harder),
        probes_cv=bool(claim),
        probes_gap=bool(skill),
    )


def _probe_phase(request: PlanRequest, counts: dict[Phase, int]) -> Phase | None:
    for phase in (Phase.TECHNICAL, Phase.BEHAVIOURAL):
        if counts.get(phase, 0) >= 2:
            return phase
    return None


def probe_drafts(
    request: PlanRequest,
    bank: QuestionBank,
    counts: dict[Phase, int],
    *,
    cv: CVProfile | None,
    gap: SkillGap | None,
) -> list[QuestionDraft]:
    """Questions from the CV's claims and the job's missing skills (at most half of the
    main phase's share)."""
    phase = _probe_phase(request, counts)
    if phase is None:
        return []
    room = counts[phase] // 2
    claims = (cv.claims if cv else [])[:MAX_CV_PROBES]
    skills = (gap.missing if gap else [])[:MAX_GAP_PROBES]
    drafts: list[QuestionDraft] = []
    for i in range(max(len(claims), len(skills))):
        if i < len(claims):
            drafts.append(from_probe(bank.cv_probe, phase, request.level, claim=claims[i][:160]))
        if i < len(skills):
            drafts.append(from_probe(bank.gap_probe, phase, request.level, skill=skills[i]))
    return drafts[:room]


def coding_part(request: PlanRequest) -> tuple[CodingPart, Problem] | None:
    if Phase.CODING not in request.phases:
        return None
    problems = default_bank()
    problem = problems.pick(request.role, request.level.value, seed=request.interview_id)
    easier = problems.easier(problem)
    harder = problems.harder(problem)
    part = CodingPart(
        problem_ids=[problem.id],
        easier_problem_id=easier.id if easier else None,
        harder_problem_id=harder.id if harder else None,
    )
    return part, problem


def coding_draft(part: CodingPart, problem: Problem, level: Level) -> QuestionDraft:
    easier = part.easier_problem_id or "the first hint"
    harder = part.harder_problem_id or "a follow-up constraint (a larger input or a stream)"
    return QuestionDraft(
        phase=Phase.CODING,
        competency=Competency.PROBLEM_SOLVING,
        text=f"Coding problem '{problem.title}' ({problem.difficulty.value}), on the "
        "candidate's screen: they clarify, solve it in the editor and test it.",
        follow_ups=(
            "Walk me through your approach before you code.",
            "Which tests did you run, and what did they show?",
        ),
        good_answer=(
            "clarifies the problem and states an approach before coding",
            "a working solution that passes the tests",
            "states time and space complexity and tests edge cases",
        ),
        difficulty=level,
        easier=f"switch to the easier problem ({easier})",
        harder=f"switch to the harder problem ({harder})",
        bank_id=problem.id,
    )


def system_design_part(request: PlanRequest, own: TypeBank) -> SystemDesignPart | None:
    if request.interview_type != InterviewType.SYSTEM_DESIGN:
        return None
    return SystemDesignPart(
        prompt=own.design_prompts[request.level],
        checkpoints=[DesignCheckpoint(key=k, prompt=v) for k, v in own.checkpoints.items()],
    )


def competencies(own: TypeBank) -> list[WeightedCompetency]:
    return [
        WeightedCompetency(key=key, name=COMPETENCY_NAMES[key], weight=weight)
        for key, weight in sorted(own.weights.items(), key=lambda kv: -kv[1])
    ]


def assemble(
    request: PlanRequest,
    *,
    source: PlanSource,
    preferred: Sequence[QuestionDraft],
    job: JobProfile | None,
    cv: CVProfile | None,
    fallback_reason: str | None = None,
    language: str | None = None,
    design_prompt: str | None = None,
) -> InterviewDesign:
    """The design: `preferred` drafts (Gemini's, or probes) first in each phase, the bank
    filling what is left, the coding problem placed by code."""
    bank = load_bank()
    own = bank.bank_for(request.interview_type, request.role)
    counts = allocation(request, bank)
    coding = coding_part(request)
    used_bank: set[str] = {d.bank_id for d in preferred if d.bank_id}
    drafts: list[QuestionDraft] = []

    def top_up(phase: Phase, n: int) -> int:
        """Add up to `n` bank questions of `phase`; returns how many were added."""
        added = 0
        for q in bank_choice(request, bank, phase, exclude=used_bank):
            if added >= n:
                break
            drafts.append(from_bank(q, request))
            used_bank.add(q.id)
            added += 1
        return added

    for phase, n in counts.items():
        phase_drafts: list[QuestionDraft] = []
        if phase == Phase.CODING and coding is not None:
            phase_drafts.append(coding_draft(coding[0], coding[1], request.level))
        phase_drafts += [d for d in preferred if d.phase == phase][: n - len(phase_drafts)]
        drafts += phase_drafts
        top_up(phase, n - len(phase_drafts))
    # a phase whose bank ran short hands its questions to the other question phases
    short = question_count(request.duration_minutes) - len(drafts)
    for phase in (Phase.BEHAVIOURAL, Phase.TECHNICAL, Phase.CODING):
        if short > 0 and phase in counts:
            short -= top_up(phase, short)
    questions = [
        PlannedQuestion(
            id=f"{_ID_PREFIX[d.phase]}{i}",
            phase=d.phase,
            competency=d.competency,
            text=d.text,
            follow_ups=list(d.follow_ups)[:3],
            good_answer=list(d.good_answer)[:6],
            difficulty=d.difficulty,
            easier=d.easier,
            harder=d.harder,
            probes_cv=d.probes_cv,
            probes_gap=d.probes_gap,
            bank_id=d.bank_id,
        )
        for phase in counts
        for i, d in enumerate((d for d in drafts if d.phase == phase), start=1)
    ]
    sd = system_design_part(request, own)
    if sd is not None and design_prompt:
        sd = sd.model_copy(update={"prompt": design_prompt})
    return InterviewDesign(
        source=source,
        fallback_reason=fallback_reason,
        language=language or "en",
        duration_minutes=request.duration_minutes,
        level_definition=own.levels[request.level],
        type_guidance=_fill(own.guidance, role=request.role),
        competencies=competencies(own),
        questions=questions,
        coding=coding[0] if coding else None,
        system_design=sd,
        job=job,
        cv=cv,
    )
