"""The emulator itself must behave like the service as google-genai sees it."""

from __future__ import annotations

import pytest
from google import genai
from google.genai import errors, types

from testkit.gemini_api import FakeGeminiApi, Reply


def _client(api: FakeGeminiApi) -> genai.Client:
    return genai.Client(
        api_key="test-key",
        http_options=types.HttpOptions(base_url=api.base_url, retry_options=None),
    )


async def test_scripted_reply_and_capture() -> None:
    async with FakeGeminiApi() as api:
        api.queue_json({"ok": True})
        resp = await _client(api).aio.models.generate_content(
            model="gemini-2.5-flash",
            contents=[
                types.Part.from_text(text="describe"),
                types.Part.from_bytes(data=b"\xff\xd8jpeg", mime_type="image/jpeg"),
            ],
            config=types.GenerateContentConfig(
                temperature=0.3, response_mime_type="application/json"
            ),
        )
    assert resp.text == '{"ok": true}'
    (req,) = api.requests
    assert req.model == "gemini-2.5-flash"
    assert req.generation_config["temperature"] == 0.3
    assert req.images() == [("image/jpeg", b"\xff\xd8jpeg")]
    assert api.api_keys == ["test-key"]


async def test_error_status_surfaces_as_api_error() -> None:
    async with FakeGeminiApi() as api:
        api.queue(Reply(status=429, error_message="quota"))
        with pytest.raises(errors.APIError) as err:
            await _client(api).aio.models.generate_content(model="m", contents="x")
    assert err.value.code == 429
