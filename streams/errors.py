"""Exceptions named for what to do with them."""

from __future__ import annotations


class RetriableError(RuntimeError):
    """A transient failure (a broker or API hiccup): try the same record again after a pause."""


class FatalError(RuntimeError):
    """The configuration or environment is wrong: stop and tell the operator what to fix."""
