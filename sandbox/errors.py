"""The sandbox's errors: what the caller did wrong versus what the host cannot do.

A program that fails is never an exception: it is a `RunResult` with its status. Exceptions are
for the two cases where no result can be produced: the request itself is unacceptable
(`InvalidRunRequest`, the caller's fault, never worth retrying) or the host cannot isolate code
(`SandboxUnavailable`, an operator's problem: the sandbox refuses to run code unsandboxed).
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base of every error this package raises."""


class InvalidRunRequest(SandboxError, ValueError):
    """The request breaks a limit or names something unsafe; the message says which."""


class SandboxUnavailable(SandboxError, RuntimeError):
    """bubblewrap is missing or cannot create namespaces here; no code is run without it."""
