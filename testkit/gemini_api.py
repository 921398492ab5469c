"""A hand-written emulator of the Gemini REST API's `generateContent`, on loopback.

google-genai talks to it unmodified through `HttpOptions(base_url=api.base_url)` (plain HTTP is
accepted for the REST API; only the Live API insists on wss://). Replies are scripted: queue
`Reply`s in order, or set `responder` to compute one from the request. Every request is kept
so tests can assert on what the product actually sent (prompt, schema, images, temperature).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from testkit.loopback_http import LoopbackHttpServer


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay_s: float = 0.0
    error_message: str = "emulated error"
    finish_reason: str = "STOP"


@dataclass
class CapturedRequest:
    model: str
    body: dict[str, Any]

    @property
    def generation_config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.body.get("generationConfig", {})
        return config

    @property
    def system_instruction(self) -> str:
        parts = self.body.get("systemInstruction", {}).get("parts", [])
        return "".join(p.get("text", "") for p in parts)

    def parts(self) -> list[dict[str, Any]]:
        return [p for content in self.body.get("contents", []) for p in content.get("parts", [])]

    @property
    def text(self) -> str:
        return "\n".join(p["text"] for p in self.parts() if "text" in p)

    def images(self) -> list[tuple[str, bytes]]:
        """(mime type, decoded bytes) of every inline image part."""
        out = []
        for p in self.parts():
            inline = p.get("inlineData") or p.get("inline_data")
            if inline and str(inline.get("mimeType", inline.get("mime_type", ""))).startswith(
                "image/"
            ):
                data = inline["data"]
                raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
                out.append((inline.get("mimeType") or inline.get("mime_type"), raw))
        return out


Responder = Callable[[CapturedRequest], Reply]


@dataclass
class FakeGeminiApi(LoopbackHttpServer):
    replies: list[Reply] = field(default_factory=list)
    responder: Responder | None = None
    requests: list[CapturedRequest] = field(default_factory=list)
    api_keys: list[str | None] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def queue(self, *replies: Reply | str) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(text=r) for r in replies)

    def queue_json(self, *payloads: Any) -> None:
        self.queue(*(json.dumps(p) for p in payloads))

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/{version}/models/{model}", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        model, _, method = request.match_info["model"].partition(":")
        if method != "generateContent":
            return web.json_response({"error": {"code": 404, "message": method}}, status=404)
        captured = CapturedRequest(model=model, body=await request.json())
        self.requests.append(captured)
        self.api_keys.append(request.headers.get("x-goog-api-key"))
        if self.responder is not None:
            reply = self.responder(captured)
        elif self.replies:
            reply = self.replies.pop(0)
        else:
            reply = Reply(status=500, error_message="emulator script exhausted")
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.status != 200:
            status_name = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
            return web.json_response(
                {
                    "error": {
                        "code": reply.status,
                        "message": reply.error_message,
                        "status": status_name.get(reply.status, "UNKNOWN"),
                    }
                },
                status=reply.status,
            )
        return web.json_response(
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": reply.text}]},
                        "finishReason": reply.finish_reason,
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": len(captured.text) // 4,
                    "candidatesTokenCount": len(reply.text) // 4,
                    "totalTokenCount": (len(captured.text) + len(reply.text)) // 4,
                },
                "modelVersion": model,
            }
        )
