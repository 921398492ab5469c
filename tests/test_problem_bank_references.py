"""Every problem's tests are right: each reference solution passes every visible and hidden test
in every language it ships, and the starter code (which returns the type's default value, the
'trivially wrong' solution) runs and fails at least one test.

One sandbox run per case, visible and hidden together, through the real judge and sandbox.
"""

from __future__ import annotations

import pytest

from problem_bank import LANGUAGES, JudgeResult, Language, Problem, ValueType, judge, load_problems
from sandbox import RunStatus

PROBLEMS = load_problems()


def _ids(problem: Problem) -> str:
    return problem.id


def _failures(result: JudgeResult) -> str:
    failed = [t for t in result.tests if not t.passed]
    return (
        f"{result.problem_id}/{result.language}: {result.run_status.value}, "
        f"{result.passed}/{result.total} passed; first failures: "
        + "; ".join(
            f"{'hidden' if t.hidden else 'visible'}[{t.index}] {t.error or 'wrong'}"
            for t in failed[:3]
        )
        + f"\nstderr: {result.stderr[:1500]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("problem", PROBLEMS, ids=_ids)
async def test_reference_passes_every_test(problem: Problem, language: Language) -> None:
    result = await judge(problem, language, problem.reference.for_language(language), "all")
    assert result.run_status is RunStatus.OK, _failures(result)
    assert result.total == len(problem.visible_tests) + len(problem.hidden_tests)
    assert result.all_passed, _failures(result)


@pytest.mark.parametrize("language", ["python", "javascript"])
@pytest.mark.parametrize("problem", PROBLEMS, ids=_ids)
async def test_starter_runs_and_fails_a_test(problem: Problem, language: Language) -> None:
    result = await judge(problem, language, problem.starter.for_language(language), "all")
    assert result.run_status is RunStatus.OK, _failures(result)
    assert result.passed < result.total, f"{problem.id}: a default-value answer passes every test"


def _cpp_type_cover() -> list[Problem]:
    """A few problems that together use every (parameter or return, type) pair the bank uses:
    C++ starters spell types the same way everywhere, so compiling these against the harness
    proves every spelling without a multi-second compile per problem."""
    needed = set().union(*(_uses(p) for p in PROBLEMS))
    chosen: list[Problem] = []
    while needed:
        best = max(PROBLEMS, key=lambda p: len(needed & _uses(p)))
        chosen.append(best)
        needed -= _uses(best)
    return chosen


def _uses(problem: Problem) -> set[tuple[str, ValueType]]:
    return {("param", p.type) for p in problem.signature.params} | {
        ("return", problem.signature.returns)
    }


@pytest.mark.parametrize("problem", _cpp_type_cover(), ids=_ids)
async def test_cpp_starter_compiles_runs_and_fails_a_test(problem: Problem) -> None:
    result = await judge(problem, "cpp", problem.starter.cpp, "all")
    assert result.run_status is RunStatus.OK, _failures(result)
    assert result.passed < result.total
