"""Admins configure where `interview.completed` and `interview.evaluated` are POSTed, and read
the delivery log. The signing secret is generated here and shown once (see
`outgoing_webhooks` for the signature scheme receivers verify)."""

from __future__ import annotations

import logging
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store.accounts import Role
from interview_store.people import (
    CreatedWebhookEndpoint,
    WebhookDeliveryList,
    WebhookEndpointBody,
    WebhookEndpointList,
)

from .app_context import AppContext
from .errors import ApiError
from .json_body import read_json
from .outgoing_webhooks import WebhookUrlError, check_url
from .query_params import int_param

logger = logging.getLogger("tokenserver.webhooks_out")

_PRIVATE = {"Cache-Control": "private, no-store"}
MAX_ENDPOINTS = 20


def routes(ctx: AppContext) -> list[BaseRoute]:
    people = ctx.people.store

    async def create_endpoint(request: Request) -> Response:
        await ctx.auth.require(request, Role.ADMIN)
        body = await read_json(request, WebhookEndpointBody)
        try:
            url = check_url(str(body.url), allow_private=ctx.settings.webhook_allow_private_urls)
        except WebhookUrlError as e:
            raise ApiError(422, f"url: {e}.", field="url") from None
        if len(await people.endpoints()) >= MAX_ENDPOINTS:
            raise ApiError(409, f"At most {MAX_ENDPOINTS} webhook URLs; delete one first.")
        secret = f"whsec_{secrets.token_urlsafe(32)}"
        events = list(dict.fromkeys(body.events))
        endpoint = await people.create_endpoint(url=url, secret=secret, events=events)
        logger.info("webhook endpoint added", extra={"endpoint_id": endpoint.id})
        created = CreatedWebhookEndpoint(**endpoint.model_dump(), secret=secret)
        return JSONResponse(created.model_dump(mode="json"), status_code=201, headers=_PRIVATE)

    async def list_endpoints(request: Request) -> Response:
        await ctx.auth.require(request, Role.ADMIN)
        body = WebhookEndpointList(items=await people.endpoints())
        return JSONResponse(body.model_dump(mode="json"), headers=_PRIVATE)

    async def delete_endpoint(request: Request) -> Response:
        await ctx.auth.require(request, Role.ADMIN)
        if not await people.delete_endpoint(str(request.path_params["endpoint_id"])):
            raise ApiError(404, "No webhook endpoint with this id.")
        return Response(status_code=204)

    async def list_deliveries(request: Request) -> Response:
        await ctx.auth.require(request, Role.ADMIN)
        q = request.query_params
        limit = int_param(q.get("limit"), "limit", default=100, lo=1, hi=1000)
        body = WebhookDeliveryList(
            items=await people.deliveries(endpoint_id=q.get("endpoint_id") or None, limit=limit)
        )
        return JSONResponse(body.model_dump(mode="json"), headers=_PRIVATE)

    return [
        Route("/webhooks", create_endpoint, methods=["POST"]),
        Route("/webhooks", list_endpoints, methods=["GET"]),
        Route("/webhooks/{endpoint_id:uuid}", delete_endpoint, methods=["DELETE"]),
        Route("/webhooks/deliveries", list_deliveries, methods=["GET"]),
    ]
