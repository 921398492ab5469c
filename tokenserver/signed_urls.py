"""Short-lived signed links to one resource of one interview (recording, report page,
export), so no credential ever travels in a URL.

`sig` is HMAC-SHA256 over (interview id, resource, expiry): a link cannot be stretched in time,
moved to another interview, or turned into another resource of the same one. The API hands
them out to authenticated recruiters; the browser uses them where it cannot send a header
(<video>, <iframe>, downloads).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import urlencode

from .errors import ApiError


class UrlSigner:
    def __init__(self, *, key: bytes, ttl_s: int) -> None:
        self._key = key
        self._ttl_s = ttl_s

    @classmethod
    def derived_from(cls, secret: str, *, ttl_s: int) -> UrlSigner:
        """A key of its own derived from another secret (domain-separated, so a signed link
        is never a valid signature of anything else made with that secret)."""
        key = hmac.new(secret.encode(), b"mock-interview signed urls v1", hashlib.sha256).digest()
        return cls(key=key, ttl_s=ttl_s)

    def params(
        self, interview_id: str, resource: str, *, now: float | None = None
    ) -> dict[str, str]:
        """The query parameters (`exp`, `sig`) that make a link to `resource` valid."""
        expires = int((time.time() if now is None else now) + self._ttl_s)
        return {"exp": str(expires), "sig": self._sign(interview_id, resource, expires)}

    def sign_path(self, path: str, interview_id: str, resource: str, **query: str) -> str:
        return f"{path}?{urlencode({**query, **self.params(interview_id, resource)})}"

    def verify(self, interview_id: str, resource: str, *, exp: str | None, sig: str | None) -> None:
        """Raise 403 unless `exp`/`sig` are a valid, unexpired signature of this resource."""
        if not exp or not sig:
            raise ApiError(403, "This link is not signed; ask the API for a fresh one.")
        try:
            expires = int(exp)
        except ValueError:
            raise ApiError(403, "This link is not valid.") from None
        expected = self._sign(interview_id, resource, expires)
        if not hmac.compare_digest(expected.encode(), sig.encode()):
            raise ApiError(403, "This link is not valid.")
        if expires < time.time():
            raise ApiError(403, "This link has expired; reload the page for a fresh one.")

    def _sign(self, interview_id: str, resource: str, expires: int) -> str:
        message = f"{interview_id}\n{resource}\n{expires}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
