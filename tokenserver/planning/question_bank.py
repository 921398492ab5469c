"""The built-in question bank: TOML data files per interview type (see `bank/README.md`).

It is both the deterministic fallback plan and the source Gemini adapts from. Loading
validates every entry (competency keys, phases, levels, variants) so a bad edit fails the
tests instead of an interview. Which files serve an interview: the type's own file for
its guidance, level definitions and competency weights; `intro.toml`, `coding.toml` and
`behavioural.toml` for those phases; technical and mixed interviews take the file of the
role's family (frontend, backend, data/ML) from the free-text role.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from interview_store import Competency, InterviewType, Level, Phase
from problem_bank import RoleTag, role_tag

BANK_DIR = Path(__file__).parent / "bank"


class BankError(ValueError):
    """A bank file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class BankQuestion:
    id: str
    phase: Phase
    competency: Competency
    levels: tuple[Level, ...]
    text: str
    easier: str
    harder: str
    follow_ups: tuple[str, ...]
    good_answer: tuple[str, ...]
    skills: tuple[str, ...] = ()

    def difficulty_for(self, level: Level) -> Level:
        """`level` when the question suits it, else the nearest level it suits."""
        if level in self.levels:
            return level
        order = list(Level)
        return min(self.levels, key=lambda lv: abs(order.index(lv) - order.index(level)))


@dataclass(frozen=True)
class ProbeTemplate:
    competency: Competency
    text: str
    easier: str
    harder: str
    follow_ups: tuple[str, ...]
    good_answer: tuple[str, ...]


@dataclass(frozen=True)
class TypeBank:
    """One type file: how this kind of interview is run and what it asks."""

    name: str
    guidance: str
    levels: dict[Level, str]
    weights: dict[Competency, float]
    phase_share: dict[Phase, float]
    questions: tuple[BankQuestion, ...]
    design_prompts: dict[Level, str]
    checkpoints: dict[str, str]


@dataclass(frozen=True)
class QuestionBank:
    types: dict[str, TypeBank]
    intro: tuple[BankQuestion, ...]
    behavioural: TypeBank
    coding: TypeBank
    cv_probe: ProbeTemplate
    gap_probe: ProbeTemplate

    def bank_for(self, interview_type: InterviewType, role: str) -> TypeBank:
        """The type file that sets guidance, levels and weights for this interview."""
        if interview_type in (InterviewType.TECHNICAL, InterviewType.MIXED):
            family = role_tag(role)
            name = {RoleTag.FRONTEND: "frontend", RoleTag.DATA: "data_ml"}.get(family, "backend")
            return self.types[name]
        return self.types[interview_type.value]

    def candidates(
        self, interview_type: InterviewType, role: str, phase: Phase
    ) -> list[BankQuestion]:
        """Every bank question this interview could ask in `phase`."""
        own = self.bank_for(interview_type, role)
        if phase == Phase.INTRO:
            return list(self.intro)
        if phase == Phase.CODING:
            return list(self.coding.questions)
        if phase == Phase.BEHAVIOURAL:
            mine = [q for q in own.questions if q.phase == Phase.BEHAVIOURAL]
            shared = [q for q in self.behavioural.questions if q not in mine]
            return mine + shared
        return [q for q in own.questions if q.phase == phase]

    def all_questions(self) -> list[BankQuestion]:
        seen: dict[str, BankQuestion] = {}
        for bank in (*self.types.values(), self.behavioural, self.coding):
            for q in bank.questions:
                seen.setdefault(q.id, q)
        for q in self.intro:
            seen.setdefault(q.id, q)
        return list(seen.values())


def _read(name: str) -> dict[str, Any]:
    path = BANK_DIR / f"{name}.toml"
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise BankError(f"{path.name}: {e}") from None


def _strings(value: Any, where: str, *, low: int, high: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BankError(f"{where}: expected a list of non-empty strings")
    if not low <= len(value) <= high:
        raise BankError(f"{where}: expected {low}-{high} items, got {len(value)}")
    return tuple(value)


def _question(raw: dict[str, Any], where: str) -> BankQuestion:
    try:
        qid = str(raw["id"])
        return BankQuestion(
            id=qid,
            phase=Phase(raw["phase"]),
            competency=Competency(raw["competency"]),
            levels=tuple(Level(lv) for lv in raw["levels"]) or tuple(Level),
            text=str(raw["text"]),
            easier=str(raw["easier"]),
            harder=str(raw["harder"]),
            follow_ups=_strings(raw["follow_ups"], f"{where} {qid} follow_ups", low=2, high=3),
            good_answer=_strings(raw["good_answer"], f"{where} {qid} good_answer", low=1, high=6),
            skills=tuple(raw.get("skills", ())),
        )
    except (KeyError, ValueError) as e:
        raise BankError(f"{where}: question {raw.get('id', '?')}: {e}") from None


def _probe(raw: dict[str, Any], where: str) -> ProbeTemplate:
    try:
        return ProbeTemplate(
            competency=Competency(raw["competency"]),
            text=raw["text"],
            easier=raw["easier"],
            harder=raw["harder"],
            follow_ups=_strings(raw["follow_ups"], f"{where} follow_ups", low=2, high=3),
            good_answer=_strings(raw["good_answer"], f"{where} good_answer", low=1, high=6),
        )
    except (KeyError, ValueError) as e:
        raise BankError(f"{where}: {e}") from None


def _type_bank(name: str) -> TypeBank:
    raw = _read(name)
    where = f"{name}.toml"
    try:
        levels = {Level(k): str(v) for k, v in raw["levels"].items()}
        weights = {Competency(k): float(v) for k, v in raw["weights"].items()}
        share = {Phase(k): float(v) for k, v in raw.get("phase_share", {}).items()}
    except (KeyError, ValueError) as e:
        raise BankError(f"{where}: {e}") from None
    if set(levels) != set(Level):
        raise BankError(f"{where}: [levels] must define {', '.join(Level)}")
    if abs(sum(weights.values()) - 1.0) > 1e-6:
        raise BankError(f"{where}: [weights] must sum to 1")
    questions = tuple(_question(q, where) for q in raw.get("questions", []))
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise BankError(f"{where}: duplicate question ids")
    return TypeBank(
        name=name,
        guidance=str(raw["guidance"]),
        levels=levels,
        weights=weights,
        phase_share=share,
        questions=questions,
        design_prompts={Level(k): str(v) for k, v in raw.get("prompts", {}).items()},
        checkpoints={str(k): str(v) for k, v in raw.get("checkpoints", {}).items()},
    )


TYPE_FILES = ("backend", "frontend", "data_ml", "coding", "system_design", "behavioural", "custom")


@cache
def load_bank() -> QuestionBank:
    """The bank, loaded and validated once per process."""
    types = {name: _type_bank(name) for name in TYPE_FILES}
    probes = _read("probes")
    bank = QuestionBank(
        types=types,
        intro=tuple(_question(q, "intro.toml") for q in _read("intro")["questions"]),
        behavioural=types["behavioural"],
        coding=types["coding"],
        cv_probe=_probe(probes["cv_probe"], "probes.toml [cv_probe]"),
        gap_probe=_probe(probes["gap_probe"], "probes.toml [gap_probe]"),
    )
    all_ids = [q.id for t in types.values() for q in t.questions] + [q.id for q in bank.intro]
    if len(set(all_ids)) != len(all_ids):
        raise BankError("question ids must be unique across the bank")
    for t in InterviewType:
        if t not in (InterviewType.TECHNICAL, InterviewType.MIXED) and t.value not in types:
            raise BankError(f"no bank file for interview type {t.value}")
    return bank
