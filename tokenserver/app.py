"""`create_app(settings, store)`: the whole HTTP surface, built from parts with one job each.

The caller owns the store (migrates it before, closes it after), which is what lets tests and
the benchmark run the real app under uvicorn against any database they like.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from interview_store import InterviewStore
from interview_store.account_store import AccountStore

from . import (
    openapi,
    prometheus_metrics,
    routes_admin,
    routes_auth,
    routes_browser_recording,
    routes_candidate,
    routes_exports,
    routes_feedback,
    routes_health,
    routes_invitations,
    routes_outgoing_webhooks,
    routes_progress,
    routes_recruiter,
    routes_webhook,
)
from .app_context import AppContext
from .auth import Authenticator, SessionOptions
from .cv_parsing import CVParser
from .errors import ApiError, handle_api_error, handle_http_exception
from .log import install_request_ids
from .middleware import RequestContextMiddleware
from .people_context import PeopleContext
from .planning import Planner, PlanPreparer
from .ratelimit import RateLimiter
from .security_headers import SecurityHeadersMiddleware
from .settings import TokenServerSettings
from .signed_urls import UrlSigner
from .signin_throttle import SignInThrottle, ThrottleOptions
from .static import SPAStaticFiles
from .tokens import TokenMinter, TokenOptions

logger = logging.getLogger("tokenserver")


def create_app(settings: TokenServerSettings, store: InterviewStore) -> Starlette:
    install_request_ids()
    legacy_token = settings.recruiter_token.get_secret_value() if settings.recruiter_token else None
    if legacy_token:
        logger.warning(
            "RECRUITER_TOKEN is deprecated: create accounts with `python -m tokenserver users add`"
            " and per-user API keys, then unset it"
        )
    signing_key = settings.url_signing_key or settings.livekit_api_secret
    ctx = AppContext(
        settings=settings,
        store=store,
        minter=TokenMinter(TokenOptions.from_settings(settings)),
        cv_parser=CVParser.from_settings(settings),
        create_limiter=RateLimiter(per_minute=settings.rate_limit_per_minute),
        auth=Authenticator(
            accounts=AccountStore(store.engine),
            sessions=SessionOptions(
                idle=timedelta(minutes=settings.session_idle_minutes),
                absolute=timedelta(hours=settings.session_absolute_hours),
                secure_always=(settings.public_base_url or "").startswith("https://"),
            ),
            legacy_token=legacy_token,
        ),
        signer=UrlSigner.derived_from(
            signing_key.get_secret_value(), ttl_s=settings.signed_url_ttl_seconds
        ),
        signin_throttle=SignInThrottle(
            ThrottleOptions(
                per_account=settings.signin_failures_per_account,
                per_address=settings.signin_failures_per_address,
                window_s=settings.signin_window_minutes * 60,
            )
        ),
        plans=PlanPreparer(store=store, planner=Planner.from_settings(settings)),
        people=PeopleContext.build(settings, store),
    )
    api_routes = [
        *routes_auth.routes(ctx),
        *routes_admin.routes(ctx),
        *routes_candidate.routes(ctx),
        *routes_feedback.routes(ctx),
        *routes_recruiter.routes(ctx),
        *routes_webhook.routes(ctx),
        *routes_browser_recording.routes(ctx),
        *routes_invitations.routes(ctx),
        *routes_progress.routes(ctx),
        *routes_exports.routes(ctx),
        *routes_outgoing_webhooks.routes(ctx),
    ]
    api_routes.append(*openapi.routes())  # GET /api/openapi.json: the whole API
    routes: list[BaseRoute] = [
        *routes_health.routes(ctx),
        *prometheus_metrics.routes(),  # GET /metrics: webhook failures (Prometheus)
        Mount("/api", routes=api_routes),
    ]
    if settings.web_dist_dir.is_dir():
        routes.append(Mount("/", app=SPAStaticFiles(directory=settings.web_dist_dir)))
    limit = settings.request_body_limit
    too_large = (
        f"The request is larger than {limit / 1_048_576:.1f} MB; a CV may be at most "
        f"{settings.max_cv_bytes / 1_048_576:.0f} MB."
    )
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                RequestContextMiddleware,
                max_body_bytes=limit,
                too_large_message=too_large,
                body_timeout_s=settings.body_timeout_seconds,
            ),
            Middleware(SecurityHeadersMiddleware, livekit_url=settings.livekit_url),
        ],
        exception_handlers={ApiError: handle_api_error, HTTPException: handle_http_exception},
    )
    app.state.ctx = ctx
    return app
