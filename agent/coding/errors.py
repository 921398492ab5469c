"""Why the workspace refused a request from the candidate's page.

Each refusal has a stable numeric code (what the page switches on) and a message written for
the candidate. Codes are above LiveKit's reserved RPC range (1001-1999), so the RPC layer can
send them unchanged as `rtc.RpcError` codes.
"""

from __future__ import annotations

from enum import IntEnum


class CodingErrorCode(IntEnum):
    INVALID_PAYLOAD = 2001
    """Not JSON, not an object, a missing or mistyped field."""
    TOO_LARGE = 2002
    UNKNOWN_LANGUAGE = 2003
    NO_PROBLEM = 2004
    """Nothing to run against yet: the interviewer has not presented a problem."""
    BUSY = 2005
    """A run of this interview is still going: one at a time."""
    RATE_LIMITED = 2006
    UNAVAILABLE = 2007
    """The sandbox cannot run code on this host (an operator problem, logged)."""
    FORBIDDEN = 2008
    """The caller is not this interview's candidate."""


class CodingError(Exception):
    """A refused request; `str(error)` is the message the candidate sees."""

    def __init__(self, code: CodingErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
