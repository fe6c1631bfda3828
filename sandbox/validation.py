"""Conformance: every response a sandbox sends is checked against the vendor's own OpenAPI description.

A `ResponseValidator` never raises into a request handler: it records what did not conform in `failures`
(one line each), which the tests assert empty at the end; a `listener` hears of each as it is recorded (the
commands that run sandboxes log it at once). A request to an operation the descriptions do not have counts
as a failure too (a sandbox must not invent endpoints), except the `/_sandbox/` control plane.

The same validator checks the real vendors' answers in the live contract tests (`tests/live/`), where one
reading of the descriptions must bend to what Jira Cloud really sends: `lenient_offsets` accepts the
ISO 8601 basic offset (`2027-01-04T09:00:00.000+0000`) where a description says `date-time` (RFC 3339 wants
`+00:00`). The sandboxes never use it: they write RFC 3339, the stricter reading.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from multidict import CIMultiDict
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from werkzeug.datastructures import ImmutableMultiDict

CONTROL_PREFIX = "/_sandbox/"
RFC3339_OR_BASIC_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")


class FailureLog(list[str]):
    """The failures recorded so far, one line each; `listener` hears of each line as it is appended."""

    def __init__(self, listener: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.listener = listener

    def append(self, line: str) -> None:
        super().append(line)
        if self.listener is not None:
            self.listener(line)


def _date_time_with_any_offset(value: Any) -> bool:
    """RFC 3339 `date-time`, or the same with an ISO 8601 basic offset (`+0000`), as Jira Cloud writes it."""
    if not isinstance(value, str) or not RFC3339_OR_BASIC_OFFSET.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class _Request:
    """openapi-core's Request protocol over what the sandbox saw (host is the validator's server)."""

    def __init__(self, host_url: str, method: str, path: str, query: Iterable[tuple[str, str]]) -> None:
        self.host_url = host_url
        self.path = path
        self.method = method.lower()
        self.parameters = RequestParameters(query=ImmutableMultiDict(list(query)))
        self.body: bytes | None = None
        self.content_type = "application/json"


class _Response:
    """openapi-core's Response protocol over a finished sandbox response."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status_code = status
        self.headers = CIMultiDict(headers)
        self.data = body
        raw = self.headers.get("Content-Type", "")
        self.content_type = raw.split(";", 1)[0].strip().lower()


def _describe(exc: BaseException) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            for error in list(schema_errors)[:5]:
                where = "/".join(str(p) for p in getattr(error, "absolute_path", ())) or "(root)"
                parts.append(f"at {where}: {getattr(error, 'message', error)}")
        else:
            parts.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__
    return "; ".join(parts)


def _normalise(node: Any) -> None:
    """Two literal readings of the vendors' files that would reject what the services really send.

    - `"content": {}` (HubSpot's 204s) means "no body", not "a body of no known type": drop it.
    - `*/*` (HubSpot's error responses) is served as JSON: add `application/json` with the same schema,
      so the body is parsed and checked instead of being compared as raw bytes.
    """
    if isinstance(node, dict):
        content = node.get("content")
        if isinstance(content, dict):
            if not content:
                del node["content"]
            elif "*/*" in content and "application/json" not in content:
                content["application/json"] = content["*/*"]
        for value in node.values():
            _normalise(value)
    elif isinstance(node, list):
        for value in node:
            _normalise(value)


class ResponseValidator:
    """Validates sandbox responses against one vendor's OpenAPI files (an operation lives in one of them)."""

    def __init__(
        self,
        spec_paths: list[Path],
        server_url: str,
        documents: Iterable[dict[str, Any]] = (),
        *,
        listener: Callable[[str], None] | None = None,
        lenient_offsets: bool = False,
    ) -> None:
        """Check against the descriptions in `spec_paths` (JSON files) and in `documents` (already parsed).

        `listener` hears of each failure as it is recorded; `lenient_offsets` accepts `+0000` offsets in
        `date-time` values (Jira Cloud's own format, for checking the real service)."""
        self.server_url = server_url.rstrip("/")
        self.failures: FailureLog = FailureLog(listener)
        self.checked = 0
        """How many responses were validated (so a test can tell the validator was really in the loop)."""
        self._lock = threading.Lock()
        self._apps: list[OpenAPI] = []
        loaded = [json.loads(Path(path).read_text(encoding="utf-8")) for path in spec_paths]
        for spec in [*loaded, *(json.loads(json.dumps(document)) for document in documents)]:
            spec["servers"] = [{"url": self.server_url}]
            _normalise(spec)
            # Jira's published description fails strict spec validation (a default outside its enum).
            config = (
                Config(spec_validator_cls=None, extra_format_validators={"date-time": _date_time_with_any_offset})
                if lenient_offsets
                else Config(spec_validator_cls=None)
            )
            self._apps.append(OpenAPI.from_dict(spec, config=config))

    def validate(
        self,
        request: Any,
        response_status: int,
        response_headers: Mapping[str, str],
        response_body: bytes,
    ) -> None:
        """Check one response; `request` is the aiohttp request it answers. Never raises."""
        path: str = request.path
        if path.startswith(CONTROL_PREFIX):
            return
        method: str = request.method
        self.check(method, path, list(request.query.items()), response_status, response_headers, response_body)

    def check(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> None:
        """Check one response to `method path?query`; what does not conform is recorded. Never raises."""
        try:
            self._validate(method, path, query, status, headers, body)
        except Exception as exc:  # noqa: BLE001 - a validator bug must not break the sandbox; record it
            self._fail(f"{method} {path} -> {status}: validator error {_describe(exc)}")

    def _validate(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> None:
        if len(path) > 1:
            # The vendors route `/x/` like `/x` (hubspot-api-client calls `GET /crm/v3/owners/`), and a
            # template would otherwise match the slash as an empty parameter (`/crm/v3/owners/{ownerId}`).
            path = path.rstrip("/")
        oa_request = _Request(self.server_url, method, path, query)
        oa_response = _Response(status, headers, body)
        not_found: list[str] = []
        for app in self._apps:
            errors = list(app.iter_response_errors(oa_request, oa_response))
            if errors and all(isinstance(error, PathError) for error in errors):
                not_found.append(str(errors[0]))
                continue
            with self._lock:
                self.checked += 1
            for error in errors:
                self._fail(f"{method} {path} -> {status}: {_describe(error)}")
            return
        self._fail(f"{method} {path} -> {status}: no such operation in the vendor's description ({not_found[0]})")

    def _fail(self, line: str) -> None:
        with self._lock:
            self.failures.append(line)

    def take_failures(self) -> list[str]:
        """Return and forget the failures recorded so far."""
        with self._lock:
            taken = list(self.failures)
            del self.failures[:]
            return taken


__all__ = ["CONTROL_PREFIX", "FailureLog", "ResponseValidator"]
