"""The token server: creates interviews (CV parsing, LiveKit token with agent dispatch),
serves the recruiter API and the web app, and receives LiveKit webhooks.

Deliberately empty of imports: `python -m tokenserver retention` needs only the store, and
should not pay for Starlette, livekit-api and the CV parsers. Import `tokenserver.app` and
`tokenserver.settings` directly.
"""
