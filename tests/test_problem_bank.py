"""The problem bank: loading and validation, selection, the generated harnesses and the judge.

Judge tests run real programs in the real sandbox (bubblewrap), mostly in Python because it
starts fastest; every language's references are proved in test_problem_bank_references.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from problem_bank import (
    PROBLEMS_DIR,
    Difficulty,
    Problem,
    ProblemBank,
    ProblemFileError,
    RoleTag,
    ValueType,
    default_bank,
    easier,
    harder,
    hint,
    judge,
    load_problem_file,
    load_problems,
    pick,
    role_tag,
    values_match,
)
from problem_bank.harness import build_program, cpp_literal, new_marker
from problem_bank.judge import parse_output
from problem_bank.model import CandidateProblem
from sandbox import RunStatus, SandboxSettings

TWO_SUM_OK = """
def two_sum(nums, target):
    seen = {}
    for i, x in enumerate(nums):
        if target - x in seen:
            return [seen[target - x], i]
        seen[x] = i
"""


def bank_problem(problem_id: str) -> Problem:
    return default_bank().get(problem_id)


# --- the shipped bank ---------------------------------------------------------------------


def test_bank_has_forty_problems_spread_over_levels_and_roles() -> None:
    problems = load_problems()
    assert len(problems) >= 40
    per_level = {level: [p for p in problems if p.difficulty is level] for level in Difficulty}
    assert all(len(group) >= 12 for group in per_level.values()), {
        level.value: len(group) for level, group in per_level.items()
    }
    for tag in RoleTag:
        assert any(tag in p.roles for p in problems), f"no problem for {tag.value}"
    backend_practical = {
        "lru-cache",
        "sliding-window-rate-limiter",
        "parse-csv-line",
        "sql-group-by-sum",
        "parse-query-string",
        "error-count-by-service",
    }
    assert backend_practical <= {p.id for p in problems}


def test_candidate_view_hides_reference_hidden_tests_and_hints() -> None:
    problem = bank_problem("lru-cache")
    view = json.dumps(problem.candidate_view())
    assert "reference" not in view and "hints" not in view and "hidden_tests" not in view
    assert "OrderedDict" not in view  # the Python reference's key idea
    assert problem.candidate_view()["hidden_test_count"] == len(problem.hidden_tests)
    assert problem.candidate_view()["hint_count"] == len(problem.hints)


# What the record's PROBLEM rows hold and the page received before the view had a model:
# `candidate_view()` must keep producing exactly this JSON, key order included.
_SHOWN_FIELDS = {
    "id",
    "title",
    "difficulty",
    "topics",
    "statement",
    "examples",
    "constraints",
    "signature",
    "starter",
    "visible_tests",
}


def test_candidate_view_json_is_unchanged_by_its_model() -> None:
    problems = load_problems()
    for problem in problems:
        before = problem.model_dump(mode="json", include=_SHOWN_FIELDS) | {
            "hidden_test_count": len(problem.hidden_tests),
            "hint_count": len(problem.hints),
        }
        assert json.dumps(problem.candidate_view()) == json.dumps(before), problem.id
        assert problem.candidate_problem().model_dump_json() == json.dumps(
            before, separators=(",", ":"), ensure_ascii=False
        ), problem.id
    assert len(problems) >= 10


def test_candidate_problem_validates_what_records_hold_and_rejects_more() -> None:
    """A recorded view reads back as the model; a view that grew a secret field does not."""
    problem = bank_problem("lru-cache")
    view = problem.candidate_view()
    assert CandidateProblem.model_validate_json(json.dumps(view)) == problem.candidate_problem()
    with pytest.raises(ValidationError, match="reference"):
        CandidateProblem.model_validate(view | {"reference": problem.reference.model_dump()})
    with pytest.raises(ValidationError, match="hint_count"):
        CandidateProblem.model_validate({k: v for k, v in view.items() if k != "hint_count"})
    # the exported schema marks every field required: the server always sends each one
    schema = CandidateProblem.model_json_schema(mode="serialization")
    assert set(schema["required"]) == set(view)
    assert "explanation" in schema["$defs"]["Example"]["required"]


def test_starter_code_returns_the_default_value_of_the_return_type() -> None:
    """The starter is the 'trivially wrong' solution the reference tests judge: it must run
    and return the type's default, not just `pass`."""
    for problem in load_problems():
        assert "return" in problem.starter.python, problem.id
        assert "return" in problem.starter.javascript, problem.id
        assert "return" in problem.starter.cpp, problem.id


# --- loader -------------------------------------------------------------------------------


def _copy_problem(tmp_path: Path, problem_id: str = "two-sum") -> Path:
    target = tmp_path / f"{problem_id}.toml"
    shutil.copy(PROBLEMS_DIR / f"{problem_id}.toml", target)
    return target


def test_loader_accepts_a_copied_problem(tmp_path: Path) -> None:
    _copy_problem(tmp_path)
    assert [p.id for p in load_problems(tmp_path)] == ["two-sum"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('difficulty = "beginner"', 'difficulty = "expert"'), "difficulty"),
        (
            lambda t: t.replace("args = [[3, 3], 6]", 'args = [[3, 3], "6"]'),
            "argument 'target' is '6', which is not of type int",
        ),
        (lambda t: t.replace("args = [[3, 3], 6]", "args = [[3, 3]]"), "1 args for 2 parameters"),
        (
            lambda t: t.replace("expected = [0, 1]", "expected = [0, true]", 1),
            "not of type list[int]",
        ),
        (lambda t: t.replace('returns = "list[int]"', 'returns = "set[int]"'), "signature.returns"),
        (lambda t: t.replace('title = "Two Sum"\n', ""), "title: Field required"),
        (
            lambda t: t.replace("args = [[3, 3], 6]", "args = [[3, 3], 9007199254740993]"),
            "beyond ±2**53",
        ),
        (lambda t: t + '\nsurprise = "field"\n', "surprise: Extra inputs are not permitted"),
        (lambda t: t.replace("hints = [\n", 'hints = [\n    "a",\n    "b",\n'), "hints"),
        (
            lambda t: t.replace(
                "[starter]\npython = '''\ndef two_sum", "[starter]\npython = '''\ndef twosum"
            ),
            "starter.python does not define 'two_sum'",
        ),
        (lambda t: t.replace('name = "two_sum"', 'name = "two sum"'), "snake_case"),
        (
            lambda t: t.replace('name = "target"', 'name = "delete"'),
            "parameter name 'delete' is reserved in Python, JavaScript or C++",
        ),
        (lambda t: t.replace("[signature]", "[signature"), "not valid TOML"),
    ],
)
def test_loader_rejects_a_malformed_file_naming_file_and_field(
    tmp_path: Path, edit: object, message: str
) -> None:
    path = _copy_problem(tmp_path)
    text = path.read_text()
    changed = edit(text)  # type: ignore[operator]
    assert changed != text, "the edit must change the file"
    path.write_text(changed)
    with pytest.raises(ProblemFileError) as caught:
        load_problems(tmp_path)
    assert str(caught.value).startswith("two-sum.toml: ")
    assert message in str(caught.value)


def test_loader_requires_file_name_to_match_id(tmp_path: Path) -> None:
    path = _copy_problem(tmp_path)
    path.rename(tmp_path / "other-name.toml")
    with pytest.raises(ProblemFileError, match=r"other-name.toml: file name must be two-sum.toml"):
        load_problem_file(tmp_path / "other-name.toml")


def test_loader_rejects_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(ProblemFileError, match=r"no \*\.toml problem files"):
        load_problems(tmp_path)


# --- selection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "tag"),
    [
        ("Senior Backend Engineer", RoleTag.BACKEND),
        ("site reliability engineer", RoleTag.BACKEND),
        ("Front-end developer (React)", RoleTag.FRONTEND),
        ("Data Analyst", RoleTag.DATA),
        ("ML engineer", RoleTag.DATA),
        ("Software engineer", RoleTag.GENERAL),
        ("Build engineer", RoleTag.GENERAL),  # "ui" inside "build" is not a UI role
        ("backend", RoleTag.BACKEND),
        ("Backend engineer (TypeScript)", RoleTag.BACKEND),
        ("Web platform engineer", RoleTag.BACKEND),  # first hinting family listed wins
        ("React developer", RoleTag.FRONTEND),
        ("Data engineer building web dashboards", RoleTag.DATA),
    ],
)
def test_role_tag_reads_free_text_roles(role: str, tag: RoleTag) -> None:
    assert role_tag(role) is tag


@pytest.mark.parametrize("level", list(Difficulty))
@pytest.mark.parametrize(
    "role", ["Backend engineer", "Frontend developer", "Data scientist", "Software engineer"]
)
def test_pick_matches_level_and_role_family_and_is_deterministic(
    role: str, level: Difficulty
) -> None:
    problem = pick(role, level, seed="interview-1")
    assert problem.difficulty is level
    tag = role_tag(role)
    assert tag in problem.roles or RoleTag.GENERAL in problem.roles
    if any(tag in p.roles and p.difficulty is level for p in default_bank().problems):
        assert tag in problem.roles, "a problem tagged with the role family exists: prefer it"
    assert pick(role, level, seed="interview-1") == problem


def test_pick_spreads_over_seeds_and_respects_exclude() -> None:
    picked = {pick("Backend engineer", "intermediate", seed=f"s{i}").id for i in range(30)}
    assert len(picked) >= 3
    first = pick("Backend engineer", "intermediate")
    second = pick("Backend engineer", "intermediate", exclude={first.id})
    assert second.id != first.id and second.difficulty is Difficulty.INTERMEDIATE


def test_pick_falls_back_to_nearest_level_then_fails_clearly() -> None:
    problems = [bank_problem("two-sum"), bank_problem("edit-distance")]
    small = ProblemBank(problems)
    assert small.pick("anything", "intermediate").id == "two-sum"  # easier first on a tie
    assert small.pick("anything", "advanced", exclude={"edit-distance"}).id == "two-sum"
    with pytest.raises(LookupError, match="no problem left"):
        small.pick("anything", "beginner", exclude={"two-sum", "edit-distance"})
    with pytest.raises(ValueError):
        small.pick("anything", "expert")


def test_easier_and_harder_step_one_level_towards_related_topics() -> None:
    problem = bank_problem("lru-cache")
    down, up = easier(problem), harder(problem)
    assert down is not None and down.difficulty is Difficulty.BEGINNER
    assert up is not None and up.difficulty is Difficulty.ADVANCED
    assert set(up.topics) & set(problem.topics), "harder should stay near the topic"
    assert easier(bank_problem("two-sum")) is None
    assert harder(bank_problem("edit-distance")) is None
    assert harder(problem, exclude={up.id}) not in (None, up)
    assert easier(problem) == down  # deterministic


def test_hints_come_in_order_then_run_out() -> None:
    problem = bank_problem("coin-change")
    given = [hint(problem, n) for n in range(1, len(problem.hints) + 2)]
    assert given[:-1] == problem.hints and given[-1] is None
    with pytest.raises(ValueError):
        hint(problem, 0)


# --- harness and comparison ---------------------------------------------------------------


def test_hidden_expected_values_never_enter_the_program() -> None:
    problem = bank_problem("reverse-words")
    cases = [case.args for case in problem.hidden_tests]
    for language in ("python", "javascript", "cpp"):
        program = build_program(
            problem.signature,
            language,
            problem.starter.for_language(language),
            cases,
            marker=new_marker(),
        )
        for case in problem.hidden_tests:
            if case.expected and case.expected not in " ".join(map(str, case.args)):
                assert case.expected not in program.source + program.stdin


def test_cpp_literals_escape_strings_and_keep_types() -> None:
    assert cpp_literal(-5, ValueType.INT) == "(-5LL)"
    assert cpp_literal('a"b\\c\n\x00é', ValueType.STR) == (
        'std::string("a\\"b\\\\c\\012\\000\\303\\251", 9)'
    )
    assert cpp_literal([[1], []], ValueType.LIST_LIST_INT) == (
        "std::vector<std::vector<long long>>{std::vector<long long>{1LL}, std::vector<long long>{}}"
    )
    assert cpp_literal({"k": 2}, ValueType.DICT_STR_INT) == (
        'std::map<std::string, long long>{{std::string("k", 1), 2LL}}'
    )


def test_parse_output_separates_candidate_prints_from_results() -> None:
    marker = "@@m@@"
    stdout = f'debug 1\npartial{marker}{{"i": 0, "got": 3}}\n{marker}{{"i": 1, "got"'
    reported, own = parse_output(stdout, marker)
    assert reported == {0: {"i": 0, "got": 3}}  # the cut-off line is not a result
    assert own == "debug 1\npartial"


@pytest.mark.parametrize(
    ("value_type", "expected", "got", "match"),
    [
        (ValueType.FLOAT, 0.1 + 0.2, 0.3, True),
        (ValueType.FLOAT, 1.0, 1.001, False),
        (ValueType.FLOAT, 2.0, 2, True),
        (ValueType.INT, 2, 2.0, True),
        (ValueType.INT, 1, True, False),
        (ValueType.BOOL, True, 1, False),
        (ValueType.LIST_FLOAT, [1.5, 2.0], [1.5000000001, 2], True),
        (ValueType.LIST_INT, [1, 2], [1, 2, 3], False),
        (ValueType.DICT_STR_INT, {"a": 1}, {"a": 1, "b": 0}, False),
        (ValueType.DICT_STR_INT, {"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
        (ValueType.LIST_STR, ["a"], None, False),
        (ValueType.FLOAT, 1.0, float("nan"), False),
    ],
)
def test_values_match(value_type: ValueType, expected: object, got: object, match: bool) -> None:
    assert values_match(value_type, expected, got, 1e-6) is match


# --- judge (real sandbox) -----------------------------------------------------------------


async def test_run_reports_each_visible_test_with_expected_and_got() -> None:
    problem = bank_problem("two-sum")
    result = await judge(problem, "python", TWO_SUM_OK, "visible")
    assert result.run_status is RunStatus.OK
    assert (result.passed, result.total) == (len(problem.visible_tests),) * 2
    assert result.all_passed
    first = result.tests[0]
    assert (first.args, first.expected, first.got) == ([[2, 7, 11, 15], 9], [0, 1], [0, 1])


async def test_submit_judges_hidden_tests_without_revealing_them() -> None:
    problem = bank_problem("reverse-words")
    wrong = "def reverse_words(text):\n    return text\n"
    result = await judge(problem, "python", wrong, "hidden")
    assert result.total == len(problem.hidden_tests)
    assert 0 < result.passed < result.total  # "" and "single" are their own reverse
    assert all(
        t.hidden and t.args is None and t.expected is None and t.got is None for t in result.tests
    )
    dumped = result.model_dump_json()
    for case in problem.hidden_tests:
        if len(case.expected) > 3:
            assert case.expected not in dumped


async def test_wrong_answers_exceptions_and_prints_are_reported_per_test() -> None:
    problem = bank_problem("fizzbuzz")
    code = (
        "def fizzbuzz(n):\n"
        "    print('looking at', n, end='')\n"
        "    if n == 5:\n"
        "        raise ValueError('five is hard')\n"
        "    if n == 15:\n"
        "        return 'not a list'\n"
        "    return [str(i) for i in range(1, n + 1)]\n"
    )
    result = await judge(problem, "python", code, "visible")
    assert result.run_status is RunStatus.OK
    by_arg = {t.args[0] if t.args else None: t for t in result.tests}
    assert not by_arg[3].passed and by_arg[3].got == ["1", "2", "3"] and by_arg[3].error is None
    assert by_arg[5].error == "ValueError: five is hard (line 4)"
    assert by_arg[15].error == "returned a string, expected list[str]"
    assert "looking at 3" in result.stdout and "@@judge" not in result.stdout


async def test_javascript_exceptions_name_the_candidates_line() -> None:
    problem = bank_problem("two-sum")
    code = "function two_sum(nums, target) {\n  return nums.missing.length;\n}\n"
    result = await judge(problem, "javascript", code, "visible")
    assert result.run_status is RunStatus.OK
    assert result.tests[0].error is not None
    assert result.tests[0].error.startswith("TypeError: Cannot read properties of undefined")
    assert result.tests[0].error.endswith("(line 2)")


async def test_javascript_map_return_is_accepted_for_a_dict() -> None:
    problem = bank_problem("word-count")
    code = (
        "function word_count(text) {\n"
        "  const m = new Map();\n"
        "  for (const w of text.toLowerCase().match(/[a-z]+/g) || [])\n"
        "    m.set(w, (m.get(w) || 0) + 1);\n"
        "  return m;\n"
        "}\n"
    )
    result = await judge(problem, "javascript", code, "visible")
    assert result.all_passed, result


async def test_an_infinite_loop_times_out_keeping_earlier_results() -> None:
    problem = bank_problem("running-sum")
    code = (
        "def running_sum(nums):\n"
        "    if len(nums) > 4:\n"
        "        while True:\n"
        "            pass\n"
        "    out, t = [], 0\n"
        "    for x in nums:\n"
        "        t += x\n"
        "        out.append(t)\n"
        "    return out\n"
    )
    limits = (
        SandboxSettings().run_limits().model_copy(update={"cpu_seconds": 1, "wall_seconds": 3.0})
    )
    result = await judge(problem, "python", code, "visible", limits=limits)
    assert result.run_status is RunStatus.TIMEOUT
    assert [t.passed for t in result.tests] == [True, False, False]
    assert result.tests[1].error is not None and "time limit" in result.tests[1].error


async def test_cpp_compile_error_points_at_the_candidates_line() -> None:
    problem = bank_problem("two-sum")
    code = problem.starter.cpp.replace("return {};", "return {}  // missing semicolon")
    result = await judge(problem, "cpp", code, "visible")
    assert result.run_status is RunStatus.COMPILE_ERROR
    assert result.passed == 0 and all("did not compile" in (t.error or "") for t in result.tests)
    line = next(i for i, text in enumerate(code.splitlines(), 1) if "missing semicolon" in text)
    assert re.search(rf"solution\.cpp:{line + 1}:|solution\.cpp:{line}:", result.stderr)


async def test_cpp_crash_keeps_the_results_before_it() -> None:
    problem = bank_problem("running-sum")
    code = problem.reference.cpp.replace(
        "vector<long long> out;", "vector<long long> out;\n    if (nums.size() == 5) abort();"
    )
    assert code != problem.reference.cpp
    result = await judge(problem, "cpp", code, "visible")
    assert result.run_status is RunStatus.ERROR
    assert [t.passed for t in result.tests] == [True, False, False]
    assert result.tests[1].error == "not run: the program crashed (signal 6) before this test"


async def test_python_syntax_error_is_reported_with_its_line() -> None:
    problem = bank_problem("two-sum")
    result = await judge(
        problem, "python", "def two_sum(nums, target):\n    return [0, 1\n", "visible"
    )
    assert result.run_status is RunStatus.ERROR and result.passed == 0
    assert "SyntaxError" in result.stderr and "line 2" in result.stderr
    assert "see stderr" in (result.tests[0].error or "")


async def test_missing_function_is_an_error_not_a_pass() -> None:
    problem = bank_problem("two-sum")
    result = await judge(problem, "python", "def other():\n    return 1\n", "visible")
    assert result.run_status is RunStatus.ERROR
    assert result.passed == 0
    assert "does not define a function named two_sum" in result.stderr
