"""What people typed reaches a Jira comment as plain text too (the notification's subject and text in an
Atlassian Document Format document)."""

from __future__ import annotations

from connectors.jira.sink import text_document
from connectors.notify.render import render
from tests.security.test_slack_injection import PHISHING, alert


def test_a_jira_comment_carries_hostile_names_as_plain_text_nodes(goal) -> None:
    """Atlassian Document Format: a `text` node's text is shown as is; only `marks` and other node types
    format or link (https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/text/)."""
    rendered = render(alert(goal, name=PHISHING, detail="<script>alert(1)</script> *bold* @here"))
    document = text_document(f"{rendered.subject}\n\n{rendered.text}", "k")
    nodes = [node for paragraph in document["content"] for node in paragraph["content"]]
    assert {paragraph["type"] for paragraph in document["content"]} == {"paragraph"}
    assert {node["type"] for node in nodes} == {"text"}
    assert [node.get("marks") for node in nodes if node.get("marks")] == [[{"type": "code"}]]  # the marker only
    assert any(PHISHING in node["text"] for node in nodes)
