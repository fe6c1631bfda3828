"""The worker's web server, as Tandem serves it: Faust's aiohttp server without Faust's own pages (its
table browser and statistics would show recipients' names and emails to anyone), with the dashboard, the
REST API, the access check in front of everything, and security headers on every answer."""

from __future__ import annotations

from aiohttp import web
from faust.web.drivers.aiohttp import Web as AiohttpWeb

from streams.web import api, pages
from streams.web.auth import Gate, Handler, middleware
from tandem.settings import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class TandemWeb(AiohttpWeb):
    """Faust's aiohttp web driver serving none of Faust's built-in pages (`/router`, `/table`, `/stats`,
    `/graph`, `/performance`, and its `/` placeholder)."""

    default_blueprints = ()
    production_blueprints = ()
    debug_blueprints = ()
    optional_blueprints = ()


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _secure(response)
        raise
    _secure(response)
    return response


def _secure(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")


def install(aio: web.Application, settings: Settings) -> None:
    """Add the access check, the headers, the API and the dashboard to the worker's aiohttp app."""
    gate = Gate(settings)
    aio[pages.GATE] = gate
    aio.middlewares.append(headers)
    aio.middlewares.append(middleware(gate))
    aio.router.add_routes(api.routes())
    aio.router.add_routes(pages.routes())
