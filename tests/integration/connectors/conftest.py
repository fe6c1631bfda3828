"""Fixtures of the connector integration tests (real sandboxes over HTTP, a real Kafka broker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.connectors.support import clean, plumbing
from tests.sandbox_fixtures import Sandboxes

__all__ = ["plumbing"]


@pytest.fixture
def world(sandboxes: Sandboxes) -> Iterator[Sandboxes]:
    """The session's sandboxes, faults off before and after the test, responses checked against the specs."""
    clean(sandboxes)
    yield sandboxes
    clean(sandboxes)
    sandboxes.assert_conformant()
