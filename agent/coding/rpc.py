"""The candidate's page talks to the coding workspace over LiveKit RPC, on the agent's local
participant (no side channel: the page already holds a room connection and an identity).

- `coding.problem` `{}` -> `ProblemView` (the candidate view or null, the hints given)
- `coding.run` `CodePayload` -> `JudgeAnswer` on the visible tests
- `coding.submit` `CodePayload` -> `JudgeAnswer` on the hidden tests (pass/fail and error per
  test, never arguments or expected values)
- `coding.snapshot` `CodePayload` with `seq` -> `SnapshotAnswer` (`{"ok": true}`)

The payloads are the models of `rpc_contract.py`, from which the page's types are generated;
every answer is serialised from them.

The page fetches `coding.problem` whenever the agent attribute `interview.problem_id`
changes. Refusals are `rtc.RpcError` with a `CodingErrorCode` (2001-2008) and a message for
the candidate. Only this interview's candidate may call. Requests up to the code limit cross a
real room (tested against livekit-server 1.13.5 with livekit rtc 1.1.21, which carry more than
the classic 15 KiB RPC payload); answers are still kept under 15 KiB (long outputs and test
values cut) so clients limited to classic RPC get them too.

Runs can take seconds (C++ compiles): the page should call with a `responseTimeout` of about
60 s. The handlers await the sandbox's subprocesses on the event loop, never blocking it.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from livekit import rtc
from pydantic import ValidationError

from problem_bank import JudgeResult, TestResult

from .errors import CodingError, CodingErrorCode
from .rpc_contract import CodePayload, CodingMethod, JudgeAnswer, SnapshotAnswer
from .workspace import CodingWorkspace, Which

logger = logging.getLogger("agent.coding")

METHOD_PROBLEM = CodingMethod.PROBLEM.value
METHOD_RUN = CodingMethod.RUN.value
METHOD_SUBMIT = CodingMethod.SUBMIT.value
METHOD_SNAPSHOT = CodingMethod.SNAPSHOT.value

MAX_RESPONSE_BYTES = 14_000
"""Under classic LiveKit RPC's 15 KiB payload limit, with room for the envelope."""
PAYLOAD_OVERHEAD_BYTES = 4096
"""JSON escaping and the other fields, on top of the code limit, before we even parse."""

Handler = Callable[[rtc.RpcInvocationData], Awaitable[str]]


class CodingRpc:
    def __init__(self, workspace: CodingWorkspace, *, candidate_identity: str | None) -> None:
        self._workspace = workspace
        self._candidate = candidate_identity

    def handlers(self) -> dict[str, Handler]:
        return {
            METHOD_PROBLEM: self._problem,
            METHOD_RUN: self._run,
            METHOD_SUBMIT: self._submit,
            METHOD_SNAPSHOT: self._snapshot,
        }

    def register(self, participant: rtc.LocalParticipant) -> None:
        for method, handler in self.handlers().items():
            participant.register_rpc_method(method, handler)

    def unregister(self, participant: rtc.LocalParticipant) -> None:
        for method in self.handlers():
            participant.unregister_rpc_method(method)

    # --- methods ------------------------------------------------------------------------

    async def _problem(self, data: rtc.RpcInvocationData) -> str:
        self._allowed(data)
        return self._workspace.view().model_dump_json()

    async def _run(self, data: rtc.RpcInvocationData) -> str:
        return await self._judge(data, "visible")

    async def _submit(self, data: rtc.RpcInvocationData) -> str:
        return await self._judge(data, "hidden")

    async def _snapshot(self, data: rtc.RpcInvocationData) -> str:
        self._allowed(data)
        payload = self._parse(data)
        with _as_rpc_error():
            self._workspace.snapshot(code=payload.code, language=payload.language, seq=payload.seq)
        return SnapshotAnswer().model_dump_json()

    async def _judge(self, data: rtc.RpcInvocationData, which: Which) -> str:
        self._allowed(data)
        payload = self._parse(data)
        with _as_rpc_error():
            result = await self._workspace.run(
                code=payload.code, language=payload.language, which=which
            )
        return fit_response(result)

    # --- checks -------------------------------------------------------------------------

    def _allowed(self, data: rtc.RpcInvocationData) -> None:
        if self._candidate is not None and data.caller_identity != self._candidate:
            logger.warning("coding RPC from a participant other than the candidate")
            raise _rpc_error(
                CodingError(CodingErrorCode.FORBIDDEN, "only the candidate can use the editor")
            )

    def _parse(self, data: rtc.RpcInvocationData) -> CodePayload:
        limit = self._workspace.options.max_code_bytes + PAYLOAD_OVERHEAD_BYTES
        if len(data.payload.encode()) > limit:
            raise _rpc_error(
                CodingError(
                    CodingErrorCode.TOO_LARGE,
                    f"the request is over {limit} bytes; the code limit is "
                    f"{self._workspace.options.max_code_bytes} bytes",
                )
            )
        try:
            return CodePayload.model_validate_json(data.payload)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'payload'}: {err['msg']}"
                for err in e.errors(include_input=False, include_url=False)
            )
            raise _rpc_error(
                CodingError(
                    CodingErrorCode.INVALID_PAYLOAD,
                    f'expected a JSON object {{"code": string, "language": string}} '
                    f"({problems[:300]})",
                )
            ) from None


def fit_response(result: JudgeResult) -> str:
    """The judge result as `JudgeAnswer` JSON under `MAX_RESPONSE_BYTES`: first the program's
    own output is shortened, then each test value too long is replaced by its JSON text cut
    short, so the verdict always reaches the page."""
    answer = JudgeAnswer.model_validate(result, from_attributes=True)
    text = answer.model_dump_json()
    for limit in (2000, 500, 0):
        if len(text.encode()) <= MAX_RESPONSE_BYTES:
            return text
        answer = answer.model_copy(
            update={
                "stdout": _cut(result.stdout, limit),
                "stderr": _cut(result.stderr, limit),
                "truncated": True,
            }
        )
        text = answer.model_dump_json()
    for limit in (200, 40):
        if len(text.encode()) <= MAX_RESPONSE_BYTES:
            return text
        tests = [_cut_values(test, limit) for test in result.tests]
        answer = answer.model_copy(update={"tests": tests})
        text = answer.model_dump_json()
    return text


def _cut_values(test: TestResult, limit: int) -> TestResult:
    """The test with each argument, the expected and the returned value kept if its JSON text
    is at most `limit` characters, else replaced by that text cut (a JSON string)."""
    return test.model_copy(
        update={
            "args": None if test.args is None else [_cut_value(arg, limit) for arg in test.args],
            "expected": _cut_value(test.expected, limit),
            "got": _cut_value(test.got, limit),
        }
    )


def _cut_value(value: Any, limit: int) -> Any:
    text = json.dumps(value)
    return value if len(text) <= limit else _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…(cut)"


def _rpc_error(error: CodingError) -> rtc.RpcError:
    return rtc.RpcError(int(error.code), error.message)


@contextlib.contextmanager
def _as_rpc_error() -> Iterator[None]:
    """Turn a workspace refusal into the RpcError the page gets."""
    try:
        yield
    except CodingError as e:
        raise _rpc_error(e) from None
