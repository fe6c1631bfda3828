"""Atlassian Document Format, as far as the Jira sandbox reads and writes it: rich text of descriptions and
comments (REST v3), its plain text (changelog strings, REST v2 bodies), and plain text turned into it."""

from __future__ import annotations

from typing import Any

_ADF_TYPES = frozenset({"doc"})


def adf_text(document: Any) -> str:
    """The plain text of an Atlassian Document Format document (for changelog strings and v2 bodies)."""
    if not isinstance(document, dict):
        return "" if document is None else str(document)
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text" and isinstance(node.get("text"), str):
                parts.append(node["text"])
            for child in node.get("content") or []:
                walk(child)
            if node.get("type") in ("paragraph", "heading", "listItem", "codeBlock"):
                parts.append("\n")
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(document)
    return "".join(parts).strip()


def text_to_adf(text: str) -> dict[str, Any]:
    """A plain string as the one-paragraph ADF document Jira stores for it."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in text.split("\n") if line
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def is_adf(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") in _ADF_TYPES
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )
