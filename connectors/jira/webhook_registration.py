"""Registers (or updates) Tandem's own Jira admin webhook, signed with `TANDEM_JIRA_WEBHOOK_SECRET`.

Idempotent: a webhook already pointing at the URL is updated in place instead of added again. The events
are issue created/updated/deleted and comment created, filtered by JQL to `TANDEM_JIRA_PROJECTS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.jira.api import JiraApi, require_projects
from streams.errors import FatalError
from tandem.settings import Settings

EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created"]
NAME = "Tandem"


@dataclass
class Registration:
    action: str  # registered | updated
    url: str
    self_link: str | None
    events: list[str]
    jql: str


async def register_webhook(settings: Settings, url: str) -> Registration:
    if settings.jira_webhook_secret is None:
        raise FatalError("TANDEM_JIRA_WEBHOOK_SECRET is not set: set it first, so Jira signs its deliveries")
    if not url.startswith(("https://", "http://")):
        raise FatalError(f"--url must be an absolute http(s) URL ending in /webhooks/jira, got {url!r}")
    projects = require_projects(settings)
    jql = "project in (" + ", ".join(f'"{p}"' for p in projects) + ")"
    body: dict[str, Any] = {
        "name": NAME,
        "url": url,
        "events": EVENTS,
        "filters": {"issue-related-events-section": jql},
        "excludeBody": False,
        "secret": settings.jira_webhook_secret.get_secret_value(),
    }
    api = JiraApi(settings)
    try:
        existing = next((hook for hook in await api.webhooks() if hook.get("url") == url), None)
        replace = existing.get("self") if existing else None
        answer = await api.register_webhook(body, replace=replace)
    finally:
        api.close()
    return Registration("updated" if existing else "registered", url, answer.get("self"), EVENTS, jql)


__all__ = ["EVENTS", "Registration", "register_webhook"]
