"""Reading a JSON request body into a typed model, with the house error shape: 415 for
another content type (which is also what keeps a cross-site HTML form from reaching a JSON
endpoint without a CORS preflight), 400 for malformed JSON, 422 naming the first bad field."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from .errors import ApiError

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_json(request: Request, model: type[ModelT]) -> ModelT:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "Send the body as application/json.")
    try:
        raw = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise ApiError(422, f"{field or 'body'}: {first['msg']}", field=field) from None
