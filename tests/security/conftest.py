"""Fixtures of the security tests: the connector tests' Kafka plumbing (the broker itself is session-wide)."""

from __future__ import annotations

from tests.integration.connectors.support import plumbing

__all__ = ["plumbing"]
