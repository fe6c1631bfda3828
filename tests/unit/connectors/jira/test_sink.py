"""Which comments tell the Jira sink that a comment was already posted."""

from __future__ import annotations

from typing import Any

from connectors.jira.sink import JiraSink, text_document


class Comments:
    """The two calls `JiraSink.comment` makes before posting, answering as Jira would, and what it posted."""

    def __init__(self, comments: list[dict[str, Any]]) -> None:
        self._comments = comments
        self.posted: list[dict[str, Any]] = []

    async def comments(self, key: str) -> dict[str, Any]:
        return {"comments": self._comments}

    async def account_id(self) -> str:
        return "tandem-account"

    async def add_comment(self, key: str, document: dict[str, Any], look: Any = None) -> dict[str, Any]:
        self.posted.append(document)
        return {}


def comment_by(author: str, key: str) -> dict[str, Any]:
    return {"author": {"accountId": author}, "body": text_document("Launch moved.", key)}


async def test_a_comment_tandem_posted_with_the_marker_is_not_posted_again() -> None:
    api = Comments([comment_by("tandem-account", "sig-1")])
    assert await JiraSink(api).comment("WEB-1", "Launch moved.", "sig-1") is False  # type: ignore[arg-type]
    assert api.posted == []


async def test_a_marker_pasted_by_someone_else_does_not_suppress_tandems_comment() -> None:
    """Anyone can paste `tandem:<key>` into a comment; only Tandem's own account's comments count."""
    api = Comments([comment_by("u-7", "sig-1")])
    assert await JiraSink(api).comment("WEB-1", "Launch moved.", "sig-1") is True  # type: ignore[arg-type]
    assert len(api.posted) == 1
