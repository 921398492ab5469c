"""Run one command with stdin, a wall-clock deadline and a cap on its output.

The process is started in a new session so that one `killpg` reaches bwrap; bwrap's
`--die-with-parent` then takes down the sandbox's pid namespace, and with it every process the
program forked. Output is read while the program runs and reading stops at the cap: a program
printing forever costs the host `max_output_bytes` of memory, never more.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

_CHUNK = 64 * 1024
_DRAIN_AFTER_KILL_S = 2.0


class KillReason(Enum):
    WALL_TIME = "wall_time"
    OUTPUT = "output"


@dataclass(frozen=True, slots=True)
class ProcessOutcome:
    returncode: int | None
    """As the OS reports it (negative: killed by that signal); None if it never got reaped."""
    stdout: bytes
    stderr: bytes
    killed: KillReason | None
    """Set when *we* killed it; the returncode is then meaningless."""
    elapsed_ms: int


class _OutputBudget:
    """Shared by the stdout and stderr readers: together they may keep `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self._left = limit
        self.exceeded = asyncio.Event()

    def take(self, chunk: bytes) -> bytes:
        kept = chunk[: self._left]
        self._left -= len(kept)
        if len(kept) < len(chunk):
            self.exceeded.set()
        return kept


async def _pump(stream: asyncio.StreamReader, into: bytearray, budget: _OutputBudget) -> None:
    # Past the cap the rest is read and dropped until EOF (the kill brings it at once):
    # stopping early would leave the pipe and its transport open.
    while chunk := await stream.read(_CHUNK):
        into += budget.take(chunk)


async def _feed(stdin: asyncio.StreamWriter, data: bytes) -> None:
    # The program may exit (or close stdin) before reading everything: not an error.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if data:
            stdin.write(data)
            await stdin.drain()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.close()
        await stdin.wait_closed()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run_capped(
    argv: Sequence[str],
    *,
    stdin: bytes,
    wall_seconds: float,
    max_output_bytes: int,
    env: Mapping[str, str],
    spawn_options: Mapping[str, Any],
) -> ProcessOutcome:
    """Run `argv` to completion, its deadline or its output cap, whichever comes first.

    Cancelling the caller kills the process group too: no sandbox outlives the request.
    """
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(env),
        start_new_session=True,
        **spawn_options,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    budget = _OutputBudget(max_output_bytes)
    out, err = bytearray(), bytearray()
    feeder = asyncio.create_task(_feed(proc.stdin, stdin))
    readers = asyncio.gather(_pump(proc.stdout, out, budget), _pump(proc.stderr, err, budget))
    finished = asyncio.gather(readers, proc.wait())
    overflow = asyncio.create_task(budget.exceeded.wait())
    watched: set[asyncio.Future[Any]] = {finished, overflow}
    killed: KillReason | None = None
    try:
        done, _ = await asyncio.wait(
            watched, timeout=wall_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        if finished not in done:
            killed = KillReason.OUTPUT if budget.exceeded.is_set() else KillReason.WALL_TIME
    finally:
        if killed is not None or not finished.done():
            _kill_group(proc.pid)
        overflow.cancel()
        feeder.cancel()
        # After the kill every write end of the pipes is closed; the readers end on EOF.
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(finished), _DRAIN_AFTER_KILL_S)
        if not finished.done():
            finished.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await finished
    elapsed_ms = round((time.monotonic() - started) * 1000)
    return ProcessOutcome(
        returncode=proc.returncode,
        stdout=bytes(out),
        stderr=bytes(err),
        killed=killed,
        elapsed_ms=elapsed_ms,
    )
