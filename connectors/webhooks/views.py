"""Webhook receivers on the worker's web server: `POST /webhooks/jira` and `POST /webhooks/hubspot`.

Thin Faust views over `connectors.webhooks.intake` (checks in order: size, signature, redelivery, JSON;
2xx only once what must be kept is acknowledged by the broker). Jira deliveries go to `<prefix>jira-events`,
where `connectors.webhooks.agent` has the Jira source re-read the issue in full. HubSpot deliveries are
verified (against `TANDEM_PUBLIC_URL`) and answered; what cannot be read goes to `dlq`, event by event, and
nothing else is produced: HubSpot has no webhook events for campaigns or owners, which Tandem polls.
"""

from __future__ import annotations

from typing import cast

from aiohttp import web
from faust.web import Request, Response, View

from connectors.polling import runtime
from connectors.status import status
from connectors.webhooks.intake import DUPLICATE, receive_hubspot, receive_jira
from streams.app import app


def counted(system: str, response: web.Response) -> Response:
    """The response, counted in this worker's webhook tally (for the health page)."""
    status.webhooks.count(system, response.status, duplicate=response.get(DUPLICATE, False))
    return cast(Response, response)


@app.page("/webhooks/jira")
class JiraWebhook(View):
    async def post(self, request: Request) -> Response:
        return counted("jira", await receive_jira(runtime.intake, cast(web.Request, request)))


@app.page("/webhooks/hubspot")
class HubSpotWebhook(View):
    async def post(self, request: Request) -> Response:
        return counted("hubspot", await receive_hubspot(runtime.intake, cast(web.Request, request)))


__all__ = ["HubSpotWebhook", "JiraWebhook"]
