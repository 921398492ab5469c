"""Security headers on every response: a Content-Security-Policy (scripts only from this
origin, no framing by other sites), `X-Content-Type-Options: nosniff`, a Referrer-Policy, and
a Permissions-Policy limiting camera and microphone to this origin.

A response that sets its own CSP keeps it: the rendered report (`report.html`) is framed by
the recruiter page, so its policy says `frame-ancestors 'self'`; everything else says
`'none'`. Pure ASGI so streamed files are not buffered.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(livekit_url: str) -> str:
    """The web app's policy. The browser talks to this origin and to the LiveKit server
    (signalling over WebSocket, a few HTTP calls to the same host)."""
    parts = urlsplit(livekit_url)
    secure = parts.scheme in ("wss", "https")
    host = parts.netloc
    livekit = f"{'wss' if secure else 'ws'}://{host} {'https' if secure else 'http'}://{host}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # React and LiveKit's components set style attributes
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob: mediastream:",
            "font-src 'self' data:",
            f"connect-src 'self' {livekit}",
            "worker-src 'self' blob:",
            "frame-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, livekit_url: str) -> None:
        self._app = app
        csp = content_security_policy(livekit_url).encode()
        self._defaults: list[tuple[bytes, bytes]] = [
            (b"content-security-policy", csp),
            (b"x-frame-options", b"DENY"),  # for browsers that predate frame-ancestors
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (
                b"permissions-policy",
                b"camera=(self), microphone=(self), display-capture=(self), geolocation=()",
            ),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                own_csp = b"content-security-policy" in present
                for name, value in self._defaults:
                    if name in present:
                        continue
                    if name == b"x-frame-options" and own_csp:
                        continue  # the response's own CSP decides who may frame it
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, send_with_headers)
