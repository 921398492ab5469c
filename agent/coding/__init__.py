"""The coding workspace inside the agent: problem choice (tools), the candidate's Run / Submit /
snapshots (RPC), the sandbox, private notes to the model and the record.

    workspace = CodingWorkspace(ictx, options=CodingOptions.from_settings(settings),
                                sandbox=shared_sandbox(), publish=publish)
    CodingRpc(workspace, candidate_identity=record.candidate_identity).register(
        room.local_participant)
"""

from __future__ import annotations

import functools

from sandbox import Sandbox, SandboxSettings

from .errors import CodingError, CodingErrorCode
from .notes import NOTE_PREFIX, chat_context_sink
from .options import CodingOptions
from .rpc import METHOD_PROBLEM, METHOD_RUN, METHOD_SNAPSHOT, METHOD_SUBMIT, CodingRpc
from .turn_taking import CodingTurnTaking
from .workspace import CodingWorkspace


@functools.cache
def shared_sandbox() -> Sandbox:
    """One `Sandbox` per worker process, so its concurrency limit (SANDBOX_MAX_CONCURRENT_RUNS)
    holds across every interview the process runs. Built lazily: nothing touches bubblewrap
    until a candidate runs code."""
    return Sandbox(SandboxSettings())


__all__ = [
    "METHOD_PROBLEM",
    "METHOD_RUN",
    "METHOD_SNAPSHOT",
    "METHOD_SUBMIT",
    "NOTE_PREFIX",
    "CodingError",
    "CodingErrorCode",
    "CodingOptions",
    "CodingRpc",
    "CodingTurnTaking",
    "CodingWorkspace",
    "chat_context_sink",
    "shared_sandbox",
]
