"""What crosses LiveKit RPC between the coding workspace and the candidate's page, as models.

Each payload is defined once, here (the envelopes) and in `problem_bank` (the problem and
the judge's result they carry). The web client's types are generated from these models —
`python -m agent.coding.json_schema` writes `web/src/generated/coding.schema.json` and
`npm run gen:types` turns it into `coding.ts` — so the page never retypes them, and the
handlers in `rpc.py` build every answer from these models, so what they send is what the
schema says.

Models only (pydantic and problem_bank, no livekit), so the page's side of the contract reads
in one short file.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from problem_bank import JudgeResult
from problem_bank.model import CandidateProblem


class CodingMethod(StrEnum):
    """The RPC methods the agent registers on its participant for the candidate's page."""

    PROBLEM = "coding.problem"
    """`{}` -> `ProblemView`."""
    RUN = "coding.run"
    """`CodePayload` -> `JudgeAnswer` on the visible tests."""
    SUBMIT = "coding.submit"
    """`CodePayload` -> `JudgeAnswer` on the hidden tests (no arguments or values)."""
    SNAPSHOT = "coding.snapshot"
    """`CodePayload` with `seq` -> `SnapshotAnswer`."""


class _Answer(BaseModel):
    # the server always sends every field, so the generated TypeScript has none optional
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_serialization_defaults_required=True
    )


class CodePayload(BaseModel):
    """The page's request to run, submit or snapshot code."""

    model_config = ConfigDict(extra="forbid", strict=True)

    code: str
    language: str
    """Checked by the workspace, not here, so an unknown language gets its own error code
    (UNKNOWN_LANGUAGE) and a message naming the languages there are."""
    seq: int | None = None
    """Snapshots only: the page's counter, so a reader can tell order and gaps."""


class ProblemView(_Answer):
    """The answer to `coding.problem`: the problem on screen (None before the interviewer
    presents one) and the hints given so far, in order."""

    problem: CandidateProblem | None
    hints: list[str]


class JudgeAnswer(JudgeResult):
    """The answer to `coding.run` and `coding.submit`: the judge's result as sent.

    A result too large for one classic RPC payload is cut (`rpc.fit_response`): the
    program's output first, then each test's values, which become their JSON text cut short
    (hence `args`, `expected` and `got` are any JSON value); `truncated` says it happened.
    """

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    truncated: bool = False


class SnapshotAnswer(_Answer):
    """The answer to `coding.snapshot`: the snapshot was recorded."""

    ok: Literal[True] = True
