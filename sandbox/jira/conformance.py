"""How the Jira sandbox's responses are held to Atlassian's published description (`specs/jira/platform-v3.json`).

The shared `ResponseValidator` checks each response against the operation it answers. Some things about Jira
need saying before it can, each because the description and the real service disagree:

- REST v2 (and `latest`, which Jira serves as v2) has the same operations and schemas as v3 (only rich text
  differs, and the schemas leave it open), but only v3 is published here: v2 responses are checked as v3's.
- `GET /issue/{key}/remotelink` answers a JSON array of links (Atlassian's own example, the `jira` library,
  every client), while the description types the response as a single `RemoteIssueLink`: each element is
  checked against `RemoteIssueLink` instead, through the single-link operation.
- A few operations describe a JSON body for their 204 (`PUT /issue/{key}`, `PUT .../remotelink/{id}`); a 204 has
  no body by definition (RFC 9110), so an empty 204 passes when the operation documents 204.
- Jira answers 401, 429 and 5xx on any operation ("Any REST API can return a rate limit response"), and a 403
  when its login wants a CAPTCHA, while most operations do not list them. When an operation does not, the
  body is checked against the shape Jira sends: `ErrorCollection` from the description for 403, 429 and 5xx,
  `{"message", "status-code"}` for 401.
- Paths are matched as sent, percent-encoded (`raw_path`): an issue key with an encoded `/` or `..` in it is one
  `{issueIdOrKey}` segment, as Jira reads it, not a path to another operation.
- `/rest/api/3/search` is removed (410 Gone); the description predates the removal. Its 410 body is checked
  against `ErrorCollection`.
- The admin webhook resource (`/rest/webhooks/1.0/webhook`) and the application-links list are not part of
  the platform description at all; they are listed in `unchecked` rather than counted as failures.
- `POST /changelog/bulkfetch` types `created` as a `date-time` string, while its own example shows a number
  (`"created":1492070429`) and Jira Cloud sends epoch milliseconds. Each `created` that is a number, or a
  time in Jira's `+0000` form, is checked as the RFC 3339 string of the same instant (in `adjusted`); any
  other value still fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from multidict import MultiDictProxy
from openapi_schema_validator import OAS30Validator

from sandbox.validation import ResponseValidator

SPEC = Path(__file__).resolve().parent.parent / "specs" / "jira" / "platform-v3.json"
NOT_IN_PLATFORM_DESCRIPTION = ("/rest/webhooks/1.0/", "/rest/applinks/")
ANY_OPERATION_STATUSES = frozenset({401, 403, 429, 500, 502, 503})
REMOVED = frozenset({("GET", "/rest/api/3/search"), ("POST", "/rest/api/3/search")})
_VERSIONED = re.compile(r"^/rest/api/(?:2|latest)/")
_BULK_CHANGELOG = "/rest/api/3/changelog/bulkfetch"
_JIRA_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_REMOTE_LINKS = re.compile(r"^/rest/api/3/issue/([^/]+)/remotelink$")
_AUTH_BODY = {
    "type": "object",
    "required": ["message", "status-code"],
    "properties": {"message": {"type": "string"}, "status-code": {"type": "integer"}},
    "additionalProperties": False,
}


@dataclass(frozen=True)
class _Seen:
    """The parts of a request the validator reads (method, path, query)."""

    method: str
    path: str
    query: Mapping[str, str] | MultiDictProxy[str]


@cache
def _description() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return loaded


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Each described path as a regex, literal paths before templated ones (as OpenAPI matching requires)."""
    paths = list(_description()["paths"])
    paths.sort(key=lambda p: p.count("{"))
    return [(re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)) + "$"), p) for p in paths]


def documented_statuses(method: str, path: str) -> set[str] | None:
    """The statuses the description lists for an operation, or None when it has no such operation."""
    for pattern, template in _templates():
        if pattern.match(path):
            operation = _description()["paths"][template].get(method.lower())
            return None if operation is None else set(operation.get("responses", {}))
    return None


@cache
def _error_collection() -> OAS30Validator:
    schema = _description()["components"]["schemas"]["ErrorCollection"]
    return OAS30Validator(schema)


class JiraConformance:
    """Wraps a `ResponseValidator` for the Jira app (same `validate` and `failures`)."""

    def __init__(self, inner: ResponseValidator) -> None:
        self.inner = inner
        self.unchecked: list[str] = []
        """Responses of resources the platform description does not cover."""
        self.by_shape: list[str] = []
        """Responses checked against Jira's error shape because their operation does not list the status."""
        self.adjusted: list[str] = []
        """Responses whose bulk-changelog times were checked as RFC 3339 strings (see the module docstring)."""

    @property
    def failures(self) -> list[str]:
        return self.inner.failures

    def validate(self, request: Any, status: int, headers: Mapping[str, str], body: bytes) -> None:
        # the path as sent, still percent-encoded: an encoded "/" or ".." stays inside its one segment
        path: str = urlsplit(getattr(request, "raw_path", None) or request.path).path
        method: str = request.method
        if path.startswith(NOT_IN_PLATFORM_DESCRIPTION):
            self.unchecked.append(f"{method} {path} -> {status}")
            return
        path = _VERSIONED.sub("/rest/api/3/", path)
        seen = _Seen(method, path, request.query)
        documented = documented_statuses(method, path)
        undocumented = documented is not None and str(status) not in documented and "default" not in documented
        if undocumented and (status in ANY_OPERATION_STATUSES or ((method, path) in REMOVED and status == 410)):
            self._check_error_shape(seen, status, body)
            return
        if status == 204 and not body and documented is not None and "204" in documented:
            return
        if method == "POST" and path == _BULK_CHANGELOG and status == 200:
            body = self._bulk_times_as_rfc3339(body)
        links = _REMOTE_LINKS.match(path)
        if links and method == "GET" and status == 200 and "globalId" not in request.query:
            self._each_link(links.group(1), seen, headers, body)
            return
        self.inner.validate(seen, status, headers, body)

    def _bulk_times_as_rfc3339(self, body: bytes) -> bytes:
        try:
            data = json.loads(body)
        except ValueError:
            return body
        changed = False
        for log in data.get("issueChangeLogs") or [] if isinstance(data, dict) else []:
            for history in log.get("changeHistories") or [] if isinstance(log, dict) else []:
                created = history.get("created") if isinstance(history, dict) else None
                text = _rfc3339(created)
                if text is not None and text != created:
                    history["created"] = text
                    changed = True
        if not changed:
            return body
        self.adjusted.append(f"POST {_BULK_CHANGELOG} -> 200")
        return json.dumps(data).encode()

    def _check_error_shape(self, seen: _Seen, status: int, body: bytes) -> None:
        where = f"{seen.method} {seen.path} -> {status}"
        self.by_shape.append(where)
        try:
            data = json.loads(body)
        except ValueError:
            self.inner.failures.append(f"{where}: error body is not JSON")
            return
        validator = OAS30Validator(_AUTH_BODY) if status == 401 else _error_collection()
        for error in validator.iter_errors(data):
            self.inner.failures.append(f"{where}: error body does not have Jira's shape: {error.message}")

    def _each_link(self, issue: str, seen: _Seen, headers: Mapping[str, str], body: bytes) -> None:
        try:
            links = json.loads(body)
        except ValueError:
            self.inner.failures.append(f"GET {seen.path} -> 200: body is not JSON")
            return
        if not isinstance(links, list):
            self.inner.failures.append(f"GET {seen.path} -> 200: expected a JSON array of remote links")
            return
        for link in links:
            one = _Seen("GET", f"/rest/api/3/issue/{issue}/remotelink/{link.get('id', 0)}", {})
            self.inner.validate(one, 200, headers, json.dumps(link).encode())


def _rfc3339(value: Any) -> str | None:
    """An epoch number (milliseconds from 1e11 up, else seconds) or a `+0000`-style time as RFC 3339; None
    for anything else (left for the validator to judge)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) >= 100_000_000_000 else value
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    if isinstance(value, str) and _JIRA_OFFSET.search(value):
        return _JIRA_OFFSET.sub(r"\1:\2", value)
    return None


__all__ = ["NOT_IN_PLATFORM_DESCRIPTION", "JiraConformance", "documented_statuses"]
