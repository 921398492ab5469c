"""Choosing problems: one for the role and level, an easier or harder one, the next hint.

Everything here is deterministic: the same bank, role, level and seed give the same problem, so
an interview plan can be reproduced and tests can say exactly what is picked. The seed (e.g. the
interview id) spreads candidates of the same role and level over the matching problems instead of
giving all of them the first one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Sequence
from functools import cache

from .loader import load_problems
from .model import Difficulty, Problem, RoleTag

# Words in a free-text role → role family, in two tiers: a word naming the family ("Backend
# engineer (TypeScript)") beats a technology that merely hints at one. Within a tier the first
# family listed wins; no match at all means `general`.
_NAMING_WORDS: dict[RoleTag, tuple[str, ...]] = {
    RoleTag.BACKEND: ("backend", "back-end", "back end", "server-side", "server side"),
    RoleTag.FRONTEND: ("frontend", "front-end", "front end", "ui", "ux"),
    RoleTag.DATA: ("data", "analyst", "scientist", "machine learning", "ml"),
}
_HINTING_WORDS: dict[RoleTag, tuple[str, ...]] = {
    RoleTag.BACKEND: (
        "api",
        "platform",
        "infrastructure",
        "devops",
        "sre",
        "site reliability",
        "cloud",
        "distributed",
        "database",
        "full stack",
        "full-stack",
        "fullstack",
    ),
    RoleTag.FRONTEND: ("web", "react", "angular", "vue", "javascript", "typescript", "css"),
    RoleTag.DATA: ("analytics", "bi", "etl", "statistics"),
}


def role_tag(role: str) -> RoleTag:
    """The role family of a free-text role, or an exact tag name ("backend")."""
    text = role.strip().lower()
    for tag in RoleTag:
        if text == tag.value:
            return tag
    for tier in (_NAMING_WORDS, _HINTING_WORDS):
        for tag, words in tier.items():
            if any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) for word in words):
                return tag
    return RoleTag.GENERAL


class ProblemBank:
    """The loaded problems and the choices an interviewer makes among them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self._problems = sorted(problems, key=lambda problem: problem.id)
        self._by_id = {problem.id: problem for problem in self._problems}
        if len(self._by_id) != len(self._problems):
            raise ValueError("problem ids must be unique")

    @property
    def problems(self) -> Sequence[Problem]:
        return tuple(self._problems)

    def get(self, problem_id: str) -> Problem:
        """The problem with this id (an interview plan may name one); KeyError if unknown."""
        try:
            return self._by_id[problem_id]
        except KeyError:
            raise KeyError(f"no problem with id {problem_id!r}") from None

    def pick(
        self,
        role: str,
        level: Difficulty | str,
        *,
        exclude: Collection[str] = (),
        seed: str = "",
    ) -> Problem:
        """A problem of `level` for `role`, not in `exclude`.

        Prefers problems tagged with the role's family, then `general` ones; if none of the
        level is left, the nearest level (easier first). Raises LookupError when every
        problem is excluded.
        """
        difficulty = Difficulty(level)
        tag = role_tag(role)
        levels = sorted(Difficulty, key=lambda d: (abs(d.rank - difficulty.rank), d.rank))
        for wanted in levels:
            available = [
                p for p in self._problems if p.difficulty is wanted and p.id not in exclude
            ]
            for family in (tag, RoleTag.GENERAL):
                matching = [p for p in available if family in p.roles]
                if matching:
                    return _seeded_first(matching, seed)
            if available:
                return _seeded_first(available, seed)
        raise LookupError(f"no problem left for role {role!r} at level {difficulty.value}")

    def easier(self, problem: Problem, *, exclude: Collection[str] = ()) -> Problem | None:
        """A problem one level easier, closest in topic; None if `problem` is a beginner one."""
        return self._step(problem, -1, exclude)

    def harder(self, problem: Problem, *, exclude: Collection[str] = ()) -> Problem | None:
        """A problem one level harder, closest in topic; None if `problem` is an advanced one."""
        return self._step(problem, +1, exclude)

    def _step(self, problem: Problem, step: int, exclude: Collection[str]) -> Problem | None:
        rank = problem.difficulty.rank + step
        if not 0 <= rank < len(Difficulty):
            return None
        target = list(Difficulty)[rank]
        candidates = [
            p
            for p in self._problems
            if p.difficulty is target and p.id not in exclude and p.id != problem.id
        ]
        if not candidates:
            return None
        topics, roles = set(problem.topics), set(problem.roles) - {RoleTag.GENERAL}

        def closeness(p: Problem) -> tuple[int, int, str]:
            return (-len(topics & set(p.topics)), -len(roles & set(p.roles)), p.id)

        return min(candidates, key=closeness)


def pick(
    role: str, level: Difficulty | str, *, exclude: Collection[str] = (), seed: str = ""
) -> Problem:
    """`ProblemBank.pick` on the shipped bank."""
    return default_bank().pick(role, level, exclude=exclude, seed=seed)


def easier(problem: Problem, *, exclude: Collection[str] = ()) -> Problem | None:
    """`ProblemBank.easier` on the shipped bank."""
    return default_bank().easier(problem, exclude=exclude)


def harder(problem: Problem, *, exclude: Collection[str] = ()) -> Problem | None:
    """`ProblemBank.harder` on the shipped bank."""
    return default_bank().harder(problem, exclude=exclude)


def hint(problem: Problem, n: int) -> str | None:
    """The n-th hint (1 = the gentlest), or None once the hints are used up."""
    if n < 1:
        raise ValueError(f"hints are numbered from 1, got {n}")
    return problem.hints[n - 1] if n <= len(problem.hints) else None


def _seeded_first(problems: Sequence[Problem], seed: str) -> Problem:
    def order(problem: Problem) -> tuple[str, str]:
        digest = hashlib.sha256(f"{seed}\0{problem.id}".encode()).hexdigest()
        return (digest if seed else "", problem.id)

    return min(problems, key=order)


@cache
def default_bank() -> ProblemBank:
    """The bank shipped with the package, loaded (and validated) once per process."""
    return ProblemBank(load_problems())
