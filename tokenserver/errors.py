"""One JSON error shape for every 4xx/5xx: `{"error": "<what to fix>", "field": <name|null>}`.

Handlers raise `ApiError`; Starlette's own HTTP errors (404, 405, malformed multipart) are
rewritten into the same shape so the web client has a single code path.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from interview_store import ErrorBody


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers


def error_response(
    status: int,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=message, field=field)
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


async def handle_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, field=exc.field, headers=exc.headers)


_HTTP_MESSAGES = {
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
}


async def handle_http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    message = _HTTP_MESSAGES.get(exc.status_code, exc.detail)
    if exc.status_code == 400:
        message = f"The request body could not be read: {exc.detail}"
    return error_response(exc.status_code, message, headers=exc.headers)
