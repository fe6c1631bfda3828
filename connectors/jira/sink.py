"""Writes into Jira, each idempotent on its own where Jira allows it:

- remote link: upsert by `globalId` (Jira replaces the link with that id);
- labels: `update.labels` add/remove operations (adding a present label or removing an absent one is a no-op);
- fields: `fields` set to values (setting the same value twice changes nothing);
- comment (ADF): Jira has no idempotency key, so the comment carries its key in a last paragraph
  (`tandem:<key>`) and the sink looks for it among the issue's latest comments written by Tandem's own
  account before posting (anyone may paste a marker; only Tandem's own comments count);
- a date field holding the launch: set to the value; a value a person put there instead is reported as a
  conflict when Tandem overwrites it (it does so only when the launch changed again).
The sync agent also records every done key, so a repeated command does not reach Jira at all.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.http.errors import RequestRejected
from connectors.jira.api import JiraApi

log = logging.getLogger(__name__)

MARKER_PREFIX = "tandem:"


def text_document(text: str, idempotency_key: str | None = None) -> dict[str, Any]:
    """Plain text (paragraphs split on blank lines) as an Atlassian Document Format document, with the marker."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    content: list[dict[str, Any]] = [
        {"type": "paragraph", "content": [{"type": "text", "text": paragraph}]} for paragraph in paragraphs
    ]
    if idempotency_key:
        content.append(
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": f"{MARKER_PREFIX}{idempotency_key}", "marks": [{"type": "code"}]}],
            }
        )
    return {"type": "doc", "version": 1, "content": content}


def document_text(document: Any) -> str:
    """All text nodes of an ADF document, concatenated (for finding markers)."""
    if isinstance(document, str):
        return document
    if isinstance(document, dict):
        text = document.get("text")
        own = text if isinstance(text, str) else ""
        return own + " ".join(document_text(child) for child in document.get("content") or [])
    return ""


class JiraSink:
    def __init__(self, api: JiraApi) -> None:
        self.api = api

    async def comment(self, key: str, text_or_document: str | dict[str, Any], idempotency_key: str) -> bool:
        """Post the comment unless one carrying `idempotency_key` exists; True when posted."""
        if await self.posted(key, idempotency_key) is not None:
            log.info("jira: comment %s already on %s", idempotency_key, key)
            return False
        if isinstance(text_or_document, str):
            document = text_document(text_or_document, idempotency_key)
        else:
            document = dict(text_or_document)
            document["content"] = [*document.get("content", []), *text_document("", idempotency_key)["content"]]
        # A timeout or 5xx after the POST went out may hide a posted comment: look for its marker again
        # before each resend, so a retry never posts it twice.
        await self.api.add_comment(key, document, look=lambda: self.posted(key, idempotency_key))
        return True

    async def posted(self, key: str, idempotency_key: str) -> dict[str, Any] | None:
        """Tandem's own comment on `key` carrying `idempotency_key`'s marker, if there is one."""
        marker = f"{MARKER_PREFIX}{idempotency_key}"
        existing = await self.api.comments(key)
        mine = await self.api.account_id()
        for comment in existing.get("comments") or []:
            if (comment.get("author") or {}).get("accountId") == mine and marker in document_text(comment.get("body")):
                found: dict[str, Any] = comment
                return found
        return None

    async def upsert_remote_link(self, key: str, global_id: str, url: str, title: str) -> None:
        await self.api.upsert_remote_link(key, global_id, url, title)

    async def remove_remote_link(self, key: str, global_id: str) -> bool:
        """Delete the remote link; False when it was already gone."""
        try:
            await self.api.delete_remote_link(key, global_id)
        except RequestRejected as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def set_field(self, key: str, field: str, value: str, previous: str | None) -> str | None:
        """Set a date field; what a person had put there instead of `previous` (Tandem's last value), if anything."""
        current = ((await self.api.issue(key, [field])).get("fields") or {}).get(field)
        await self.update_fields(key, {field: value})
        if current not in (None, "", previous, value):
            return str(current)
        return None

    async def add_labels(self, key: str, labels: list[str]) -> None:
        await self.api.edit_issue(key, update={"labels": [{"add": label} for label in labels]})

    async def remove_labels(self, key: str, labels: list[str]) -> None:
        await self.api.edit_issue(key, update={"labels": [{"remove": label} for label in labels]})

    async def update_fields(self, key: str, fields: dict[str, Any]) -> None:
        await self.api.edit_issue(key, fields=fields)


__all__ = ["JiraSink", "document_text", "text_document"]
