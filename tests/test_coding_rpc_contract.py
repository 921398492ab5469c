"""The coding workspace's RPC answers are the models of `agent/coding/rpc_contract.py`, and
the checked-in `web/src/generated/coding.schema.json` (which the page's types are generated
from, see test_web_types.py) is those models' schema.

Together: what the handlers send round-trips through the model exactly (no key more, none
less, same values), the model's schema is the checked-in file, and the file is the TypeScript.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, TypeVar

import pytest
from livekit import rtc
from pydantic import BaseModel

from agent.coding import METHOD_PROBLEM, METHOD_RUN, METHOD_SNAPSHOT, METHOD_SUBMIT
from agent.coding import json_schema as coding_json_schema
from agent.coding.rpc import MAX_RESPONSE_BYTES, fit_response
from agent.coding.rpc_contract import (
    CodePayload,
    CodingMethod,
    JudgeAnswer,
    ProblemView,
    SnapshotAnswer,
)
from problem_bank import JudgeResult, default_bank
from tests.sandbox_support import work_root
from tests.test_agent_coding import CANDIDATE, Coding, coding

__all__ = ["coding", "work_root"]  # fixtures, imported for pytest

pytestmark = pytest.mark.timeout(60)

M = TypeVar("M", bound=BaseModel)


def sent_as(model: type[M], text: str) -> M:
    """`text` parsed as `model`, asserting that it is exactly that model's JSON: a key the
    model lacks, a missing key or a value of another type fails."""
    value = model.model_validate_json(text)
    assert value.model_dump(mode="json") == json.loads(text), f"{text[:300]} is no {model}"
    return value


async def answer(c: Coding, method: str, payload: dict[str, Any]) -> str:
    """A handler's raw answer, called the way livekit rtc calls it."""
    data = rtc.RpcInvocationData(
        request_id="req-1",
        caller_identity=CANDIDATE,
        payload=json.dumps(payload),
        response_timeout=60.0,
        method=method,
    )
    return await c.rpc.handlers()[method](data)


# --- the schema document ------------------------------------------------------------------------


def test_checked_in_coding_schema_is_current() -> None:
    """Fails when a model changed and `python -m agent.coding.json_schema` was not run."""
    checked_in = coding_json_schema.DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert checked_in == coding_json_schema.render(), (
        "web/src/generated/coding.schema.json is stale: run "
        "`uv run python -m agent.coding.json_schema` (then `npm run gen:types` in web/)"
    )


def test_every_payload_is_a_definition_and_answers_send_every_field() -> None:
    doc = coding_json_schema.coding_schema()
    defs = doc["$defs"]
    assert set(doc["properties"]) == set(coding_json_schema.EXPORTED) <= set(defs)
    assert defs["Language"]["enum"] == ["python", "javascript", "cpp"]
    assert defs["CodingMethod"]["enum"] == [m.value for m in CodingMethod]
    for name in ("ProblemView", "JudgeAnswer", "SnapshotAnswer", "CandidateProblem"):
        assert set(defs[name]["required"]) == set(defs[name]["properties"]), name
    assert "truncated" in defs["JudgeAnswer"]["required"]
    assert defs["CodePayload"]["required"] == ["code", "language"]  # seq is optional
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/$defs/')[1:]}:
        assert ref in defs, ref


def test_check_flag_and_entry_point(tmp_path: Path) -> None:
    target = tmp_path / "coding.schema.json"
    assert coding_json_schema.main(["--output", str(target)]) == 0
    assert coding_json_schema.main(["--check", "--output", str(target)]) == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    doc["$defs"]["Language"]["enum"].remove("cpp")  # someone edited the file by hand
    target.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    assert coding_json_schema.main(["--check", "--output", str(target)]) == 1
    done = subprocess.run(
        [sys.executable, "-m", "agent.coding.json_schema", "--check", "--output", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "stale" in done.stderr
    # the checked-in file; one subprocess is enough for the entry point (each imports the agent)
    assert coding_json_schema.main(["--check"]) == 0


# --- what the handlers send ---------------------------------------------------------------------


async def test_every_rpc_answer_is_its_model(coding: Coding) -> None:
    c = coding
    empty = sent_as(ProblemView, await answer(c, METHOD_PROBLEM, {}))
    assert empty.problem is None and empty.hints == []

    problem = await c.enter_coding()
    view = sent_as(ProblemView, await answer(c, METHOD_PROBLEM, {}))
    assert view.problem == problem.candidate_problem()

    request = CodePayload(code=problem.starter.python, language="python")
    run = sent_as(JudgeAnswer, await answer(c, METHOD_RUN, request.model_dump()))
    assert run.which == "visible" and not run.truncated and not run.all_passed
    assert any(t.args is not None for t in run.tests)

    request = CodePayload(code=problem.reference.python, language="python")
    submitted = sent_as(JudgeAnswer, await answer(c, METHOD_SUBMIT, request.model_dump()))
    assert submitted.which == "hidden" and submitted.all_passed

    request = CodePayload(code=problem.starter.python, language="python", seq=1)
    ack = sent_as(SnapshotAnswer, await answer(c, METHOD_SNAPSHOT, request.model_dump()))
    assert ack.ok is True


def test_a_cut_judge_answer_is_still_a_judge_answer() -> None:
    """`fit_response` shortens output and test values; the schema allows what it sends:
    arguments stay a list (each its JSON text cut), short values stay as they were."""
    problem = default_bank().problems[0]
    noisy = JudgeResult.model_validate(
        {
            "problem_id": problem.id,
            "language": "python",
            "which": "visible",
            "run_status": "ok",
            "passed": 0,
            "total": 40,
            "tests": [
                {
                    "index": i,
                    "hidden": False,
                    "passed": False,
                    "args": [list(range(300)), 7],
                    "expected": "e" * 500,
                    "got": 3,
                }
                for i in range(40)
            ],
            "stdout": "o" * 4000,
            "stderr": "r" * 4000,
            "exit_code": 0,
            "time_ms": 5,
        }
    )
    text = fit_response(noisy)
    assert len(text.encode()) <= MAX_RESPONSE_BYTES
    sent = sent_as(JudgeAnswer, text)
    assert sent.truncated and sent.total == 40 and len(sent.tests) == 40
    first = sent.tests[0]
    assert first.args is not None and len(first.args) == 2
    assert isinstance(first.args[0], str) and first.args[0].startswith("[0, 1, 2")
    assert first.args[0].endswith("…(cut)") and first.args[1] == 7
    assert isinstance(first.expected, str) and first.expected.endswith("…(cut)")
    assert first.got == 3

    small = noisy.model_copy(update={"tests": noisy.tests[:2], "stdout": "", "stderr": ""})
    untouched = sent_as(JudgeAnswer, fit_response(small))
    assert not untouched.truncated and untouched.tests == small.tests
