"""What request handlers share: built once by `create_app`, passed to each routes module."""

from __future__ import annotations

from dataclasses import dataclass

from interview_store import InterviewStore

from .auth import Authenticator
from .cv_parsing import CVParser
from .people_context import PeopleContext
from .planning import PlanPreparer
from .ratelimit import RateLimiter
from .settings import TokenServerSettings
from .signed_urls import UrlSigner
from .signin_throttle import SignInThrottle
from .tokens import TokenMinter


@dataclass(frozen=True)
class AppContext:
    settings: TokenServerSettings
    store: InterviewStore
    minter: TokenMinter
    cv_parser: CVParser
    create_limiter: RateLimiter
    auth: Authenticator
    """Recruiter sessions, API keys and `require(request, role)`; `auth.accounts` is the
    account store (users, keys, audit log)."""
    signer: UrlSigner
    """Short-lived signed links (recordings, report pages, exports): no secret in URLs."""
    signin_throttle: SignInThrottle
    plans: PlanPreparer
    """Writes each new interview's plan in the background (`preparing` until it is stored)."""
    people: PeopleContext
    """Candidate access (participant tokens, profile keys), intake (consent, invitations,
    profiles) and the maintenance loop (abandoned interviews, outgoing webhooks)."""

    def link(self, path: str) -> str:
        """Absolute when PUBLIC_BASE_URL is set (e-mails, other origins), else root-relative."""
        return f"{self.settings.public_base_url or ''}{path}"
