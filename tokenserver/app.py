"""`create_app(settings, store)`: the whole HTTP surface, built from parts with one job each.

The caller owns the store (migrates it before, closes it after), which is what lets tests and
the benchmark run the real app under uvicorn against any database they like.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from interview_store import InterviewStore

from . import (
    prometheus_metrics,
    routes_candidate,
    routes_feedback,
    routes_health,
    routes_recruiter,
    routes_webhook,
)
from .app_context import AppContext
from .auth import RecruiterAuth
from .cv_parsing import CVParser
from .errors import ApiError, handle_api_error, handle_http_exception
from .log import install_request_ids
from .middleware import RequestContextMiddleware
from .planning import Planner, PlanPreparer
from .ratelimit import RateLimiter
from .settings import TokenServerSettings
from .static import SPAStaticFiles
from .tokens import TokenMinter, TokenOptions


def create_app(settings: TokenServerSettings, store: InterviewStore) -> Starlette:
    install_request_ids()
    ctx = AppContext(
        settings=settings,
        store=store,
        minter=TokenMinter(TokenOptions.from_settings(settings)),
        cv_parser=CVParser.from_settings(settings),
        create_limiter=RateLimiter(per_minute=settings.rate_limit_per_minute),
        recruiter_auth=RecruiterAuth(token=settings.recruiter_token.get_secret_value()),
        plans=PlanPreparer(store=store, planner=Planner.from_settings(settings)),
    )
    api_routes = [
        *routes_candidate.routes(ctx),
        *routes_feedback.routes(ctx),
        *routes_recruiter.routes(ctx),
        *routes_webhook.routes(ctx),
    ]
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
            Middleware(RequestContextMiddleware, max_body_bytes=limit, too_large_message=too_large)
        ],
        exception_handlers={ApiError: handle_api_error, HTTPException: handle_http_exception},
    )
    app.state.ctx = ctx
    return app
