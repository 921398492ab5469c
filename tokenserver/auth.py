"""The recruiter credential: one bearer token from settings.

401 when no credential is presented (with `WWW-Authenticate: Bearer`), 403 when a wrong one
is. Both sides are hashed before `hmac.compare_digest` so neither the content nor the length
of the secret leaks through timing. `?token=` is accepted only where the browser cannot send
a header (the <video> recording and the <iframe> report); those responses carry
`Referrer-Policy: no-referrer` and the access log never records query strings.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from .errors import ApiError


class RecruiterAuth:
    def __init__(self, *, token: str) -> None:
        self._digest = hashlib.sha256(token.encode()).digest()

    def check(self, request: Request, *, allow_query: bool = False) -> None:
        presented = bearer_token(request)
        if presented is None and allow_query:
            presented = request.query_params.get("token") or None
        if presented is None:
            raise ApiError(
                401,
                "Recruiter credential required: send 'Authorization: Bearer <RECRUITER_TOKEN>'.",
                headers={"WWW-Authenticate": 'Bearer realm="recruiter"'},
            )
        digest = hashlib.sha256(presented.encode()).digest()
        if not hmac.compare_digest(digest, self._digest):
            raise ApiError(403, "The recruiter credential is not valid.")


def bearer_token(request: Request) -> str | None:
    """The credential of an `Authorization: Bearer ...` header, or None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
