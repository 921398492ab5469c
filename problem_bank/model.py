"""The typed shape of one coding problem, validated when a problem file is loaded.

Problems are data (one TOML file each under `problem_bank/problems/`), so the model is where a
broken file is caught: an argument that does not match the signature's type, a hint list of the
wrong length or a missing reference solution fails at load time with the file and field named,
not half-way through an interview.
"""

from __future__ import annotations

import keyword
import math
import re
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sandbox import LANGUAGES, Language  # a problem ships code for each language it runs

JS_SAFE_INT = 2**53 - 1
"""Integers beyond this lose precision in JavaScript, so test data must stay inside it."""


class Difficulty(StrEnum):
    """Same three values as the interview's level, so a level picks a difficulty directly."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

    @property
    def rank(self) -> int:
        """0, 1, 2: what `easier`/`harder` step along."""
        return _DIFFICULTY_ORDER.index(self)


_DIFFICULTY_ORDER: tuple[Difficulty, ...] = (
    Difficulty.BEGINNER,
    Difficulty.INTERMEDIATE,
    Difficulty.ADVANCED,
)


class RoleTag(StrEnum):
    """Coarse role families a problem suits; `general` suits every role."""

    GENERAL = "general"
    BACKEND = "backend"
    FRONTEND = "frontend"
    DATA = "data"


class ValueType(StrEnum):
    """The small type vocabulary signatures use.

    Kept small on purpose: each type needs a JSON shape, a C++ spelling, a C++ literal and a C++
    printer in the harness, and a comparison rule in the judge.
    """

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STR = "str"
    LIST_INT = "list[int]"
    LIST_FLOAT = "list[float]"
    LIST_BOOL = "list[bool]"
    LIST_STR = "list[str]"
    LIST_LIST_INT = "list[list[int]]"
    LIST_LIST_STR = "list[list[str]]"
    DICT_STR_INT = "dict[str,int]"

    @property
    def element(self) -> ValueType | None:
        """The element type of a list type; None for scalars and dicts."""
        return _ELEMENTS.get(self)


_ELEMENTS: dict[ValueType, ValueType] = {
    ValueType.LIST_INT: ValueType.INT,
    ValueType.LIST_FLOAT: ValueType.FLOAT,
    ValueType.LIST_BOOL: ValueType.BOOL,
    ValueType.LIST_STR: ValueType.STR,
    ValueType.LIST_LIST_INT: ValueType.LIST_INT,
    ValueType.LIST_LIST_STR: ValueType.LIST_STR,
}


def conforms(value: object, value_type: ValueType) -> bool:
    """Whether a JSON-decoded value has the shape of `value_type`.

    bool is not an int here (Python says it is), and an int is accepted where a float is
    expected, because JSON and JavaScript do not distinguish 2 from 2.0.
    """
    if value_type is ValueType.INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if value_type is ValueType.FLOAT:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if value_type is ValueType.BOOL:
        return isinstance(value, bool)
    if value_type is ValueType.STR:
        return isinstance(value, str)
    if value_type is ValueType.DICT_STR_INT:
        return isinstance(value, dict) and all(
            isinstance(k, str) and conforms(v, ValueType.INT) for k, v in value.items()
        )
    element = value_type.element
    assert element is not None
    return isinstance(value, list) and all(conforms(item, element) for item in value)


def _ints_in(value: object) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [i for item in value for i in _ints_in(item)]
    if isinstance(value, dict):
        return [i for item in value.values() for i in _ints_in(item)]
    return []


def _floats_finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_floats_finite(item) for item in value)
    return True


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_PROBLEM_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Names a signature may not use: keywords of any of the three languages (the same name is used in
# each), and names the harnesses and the C++ prelude rely on.
_RESERVED_NAMES = frozenset(keyword.kwlist) | frozenset(
    [
        "abstract",
        "alignas",
        "alignof",
        "and",
        "and_eq",
        "arguments",
        "asm",
        "async",
        "auto",
        "await",
        "bitand",
        "bitor",
        "bool",
        "boolean",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "class",
        "compl",
        "concept",
        "const",
        "consteval",
        "constexpr",
        "constinit",
        "const_cast",
        "continue",
        "debugger",
        "decltype",
        "default",
        "delete",
        "dict",
        "do",
        "double",
        "dynamic_cast",
        "else",
        "enum",
        "eval",
        "explicit",
        "export",
        "extends",
        "extern",
        "false",
        "final",
        "finally",
        "float",
        "for",
        "friend",
        "function",
        "goto",
        "if",
        "implements",
        "import",
        "in",
        "inline",
        "instanceof",
        "int",
        "interface",
        "json",
        "len",
        "let",
        "list",
        "long",
        "main",
        "mutable",
        "namespace",
        "new",
        "noexcept",
        "not",
        "not_eq",
        "null",
        "nullptr",
        "operator",
        "or",
        "or_eq",
        "package",
        "private",
        "protected",
        "public",
        "register",
        "reinterpret_cast",
        "requires",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "static_assert",
        "static_cast",
        "std",
        "str",
        "struct",
        "super",
        "switch",
        "synchronized",
        "sys",
        "template",
        "this",
        "thread_local",
        "throw",
        "throws",
        "transient",
        "true",
        "try",
        "typedef",
        "typeid",
        "typename",
        "typeof",
        "union",
        "unsigned",
        "using",
        "var",
        "virtual",
        "void",
        "volatile",
        "wchar_t",
        "while",
        "with",
        "xor",
        "xor_eq",
        "yield",
    ]
)


def _check_identifier(kind: str, name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{kind} {name!r} must be a snake_case identifier")
    if name in _RESERVED_NAMES:
        raise ValueError(f"{kind} {name!r} is reserved in Python, JavaScript or C++")
    return name


class _Strict(BaseModel):
    # every field is sent (defaults too), so the exported JSON Schema marks every field required
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_serialization_defaults_required=True
    )


class Parameter(_Strict):
    name: str
    type: ValueType

    @field_validator("name")
    @classmethod
    def _identifier(cls, name: str) -> str:
        return _check_identifier("parameter name", name)


class Signature(_Strict):
    """The function the candidate writes: the same name in every language."""

    name: str
    params: Annotated[list[Parameter], Field(min_length=1, max_length=6)]
    returns: ValueType

    @field_validator("name")
    @classmethod
    def _identifier(cls, name: str) -> str:
        return _check_identifier("function name", name)

    @model_validator(mode="after")
    def _unique_params(self) -> Self:
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate parameter names in {names}")
        return self


class TestCase(_Strict):
    """Positional arguments (JSON values) and the expected return value."""

    __test__ = False  # not a pytest class

    args: list[Any]
    expected: Any


class Example(_Strict):
    """A worked example for the statement (shown to the candidate)."""

    input: str
    output: str
    explanation: str = ""


class PerLanguage(_Strict):
    """One source text per shipped language."""

    python: Annotated[str, Field(min_length=1)]
    javascript: Annotated[str, Field(min_length=1)]
    cpp: Annotated[str, Field(min_length=1)]

    def for_language(self, language: Language) -> str:
        text: str = getattr(self, language)
        return text


class Problem(_Strict):
    """One problem of the bank.

    `reference` exists only so tests can prove the tests are right; nothing shown to a candidate
    or the interviewer model should include it (use `candidate_view`).
    """

    id: str
    title: Annotated[str, Field(min_length=3, max_length=80)]
    difficulty: Difficulty
    topics: Annotated[list[str], Field(min_length=1)]
    roles: Annotated[list[RoleTag], Field(min_length=1)]
    statement: Annotated[str, Field(min_length=20)]
    examples: Annotated[list[Example], Field(min_length=1)]
    constraints: Annotated[list[str], Field(min_length=1)]
    hints: Annotated[list[str], Field(min_length=2, max_length=4)]
    signature: Signature
    starter: PerLanguage
    reference: PerLanguage
    float_tolerance: Annotated[float, Field(gt=0, le=0.1)] = 1e-6
    visible_tests: Annotated[list[TestCase], Field(min_length=2)]
    hidden_tests: Annotated[list[TestCase], Field(min_length=3)]

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _PROBLEM_ID.match(value):
            raise ValueError(f"id {value!r} must be a lowercase slug (a-z, 0-9, -)")
        return value

    @model_validator(mode="after")
    def _tests_match_signature(self) -> Self:
        params = self.signature.params
        kinds = (("visible_tests", self.visible_tests), ("hidden_tests", self.hidden_tests))
        for kind, cases in kinds:
            for index, case in enumerate(cases):
                where = f"{kind}[{index}]"
                if len(case.args) != len(params):
                    raise ValueError(
                        f"{where}: {len(case.args)} args for {len(params)} parameters "
                        f"({', '.join(p.name for p in params)})"
                    )
                for param, arg in zip(params, case.args, strict=True):
                    _check_value(arg, param.type, f"{where} argument {param.name!r}")
                _check_value(case.expected, self.signature.returns, f"{where} expected")
        name = self.signature.name
        for language in LANGUAGES:
            for field, texts in (("starter", self.starter), ("reference", self.reference)):
                if name not in texts.for_language(language):
                    raise ValueError(f"{field}.{language} does not define {name!r}")
        return self

    def candidate_problem(self) -> CandidateProblem:
        """What may be shown to a candidate (and snapshotted into the record): no reference
        solution, no hidden tests, no hints (those are given one at a time)."""
        return CandidateProblem(
            id=self.id,
            title=self.title,
            difficulty=self.difficulty,
            topics=self.topics,
            statement=self.statement,
            examples=self.examples,
            constraints=self.constraints,
            signature=self.signature,
            starter=self.starter,
            visible_tests=self.visible_tests,
            hidden_test_count=len(self.hidden_tests),
            hint_count=len(self.hints),
        )

    def candidate_view(self) -> dict[str, Any]:
        """`candidate_problem()` as JSON values: the shape of the record's PROBLEM rows and of
        the page's `coding.problem` answer."""
        return self.candidate_problem().model_dump(mode="json")


class CandidateProblem(_Strict):
    """The candidate's view of a `Problem`, built only by `Problem.candidate_problem()`.

    A model of its own (not a dict) because it crosses to the browser and into the record:
    the web client's types are generated from it (`python -m agent.coding.json_schema`).
    Field order is the JSON's key order, which records already hold; keep it.
    """

    id: str
    title: str
    difficulty: Difficulty
    topics: list[str]
    statement: str
    examples: list[Example]
    constraints: list[str]
    signature: Signature
    starter: PerLanguage
    visible_tests: list[TestCase]
    hidden_test_count: int
    """How many hidden tests Submit runs (their contents never leave the bank)."""
    hint_count: int
    """How many hints the interviewer can give for this problem."""


def _check_value(value: object, value_type: ValueType, where: str) -> None:
    if not conforms(value, value_type):
        raise ValueError(f"{where} is {value!r}, which is not of type {value_type.value}")
    if any(abs(i) > JS_SAFE_INT for i in _ints_in(value)):
        raise ValueError(f"{where} has an integer beyond ±2**53, which JavaScript cannot hold")
    if not _floats_finite(value):
        raise ValueError(f"{where} has a non-finite float, which JSON cannot carry")
