"""A validating pass-through in front of a real vendor: every response is checked against its OpenAPI files.

The live contract tests point Tandem's own clients (`HubSpotApi`, `JiraApi`, with the vendor libraries inside)
at `proxy.url`; the proxy forwards each request unchanged (method, path, query, headers, body) to the vendor
over HTTPS, hands the answer back unchanged, and gives it to the same validator the sandboxes use
(`sandbox.validation.ResponseValidator`, and `sandbox.jira.conformance.JiraConformance` for what Atlassian's
description cannot say). So a vendor that changes a shape Tandem reads fails a live test, naming the response.

Only loopback listens; credentials pass through as the client sent them and are never recorded or logged.
Bodies come back decompressed (the proxy asks the vendor for gzip or deflate and drops `Content-Encoding`).
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
        "accept-encoding",
    }
)


class Validator(Protocol):
    """What checks one response (`ResponseValidator` and `JiraConformance` both are)."""

    failures: list[str]

    def validate(self, request: Any, status: int, headers: Mapping[str, str], body: bytes) -> None: ...


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int


@dataclass
class ValidatingProxy:
    """Forwards to `upstream` (e.g. `https://api.hubapi.com`); `validator` checks every answer."""

    upstream: str
    validator: Validator
    exchanges: list[Exchange] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=120), auto_decompress=True, cookie_jar=aiohttp.DummyCookieJar()
        )
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP)
        headers["Accept-Encoding"] = "gzip, deflate"
        body = await request.read()
        target = f"{self.upstream.rstrip('/')}{request.raw_path}"
        try:
            async with self._session.request(
                request.method, target, headers=headers, data=body or None, allow_redirects=False
            ) as answer:
                data = await answer.read()
                status = answer.status
                back = CIMultiDict((k, v) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP)
        except (TimeoutError, aiohttp.ClientError) as exc:
            return web.Response(status=502, text=f"the live proxy could not reach {self.upstream}: {exc}")
        self.exchanges.append(Exchange(request.method, request.path, status))
        self.validator.validate(request, status, back, data)
        return web.Response(status=status, headers=back, body=data)

    def take_failures(self) -> list[str]:
        taken = list(self.validator.failures)
        del self.validator.failures[:]
        return taken


__all__ = ["Exchange", "ValidatingProxy"]
