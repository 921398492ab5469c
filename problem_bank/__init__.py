"""The coding problem bank: problems as data files, a judge that runs code against their tests
in the sandbox, and the interviewer's choices (pick for role and level, easier, harder, hints).

    from problem_bank import judge, pick
    problem = pick("Backend engineer", "intermediate", seed=interview_id)
    result = await judge(problem, "python", code, "visible")

Imports `sandbox` and nothing else of the platform; the agent snapshots the problem it uses
(`Problem.candidate_view()`) into the record, so nobody else needs the bank.
"""

from __future__ import annotations

from sandbox import LANGUAGES, Language

from .judge import JudgeResult, TestResult, Which, judge, values_match
from .loader import PROBLEMS_DIR, ProblemFileError, load_problem_file, load_problems
from .model import (
    Difficulty,
    Problem,
    RoleTag,
    Signature,
    TestCase,
    ValueType,
)
from .selection import (
    ProblemBank,
    default_bank,
    easier,
    harder,
    hint,
    pick,
    role_tag,
)

__all__ = [
    "LANGUAGES",
    "PROBLEMS_DIR",
    "Difficulty",
    "JudgeResult",
    "Language",
    "Problem",
    "ProblemBank",
    "ProblemFileError",
    "RoleTag",
    "Signature",
    "TestCase",
    "TestResult",
    "ValueType",
    "Which",
    "default_bank",
    "easier",
    "harder",
    "hint",
    "judge",
    "load_problem_file",
    "load_problems",
    "pick",
    "role_tag",
    "values_match",
]
