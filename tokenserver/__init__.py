"""The token server: creates interviews (CV parsing, LiveKit token with agent dispatch),
serves the recruiter API and the web app, and receives LiveKit webhooks."""

from .app import create_app
from .settings import RecordingMode, TokenServerSettings

__all__ = ["RecordingMode", "TokenServerSettings", "create_app"]
