"""Test-wide set-up: unit tests keep tables in memory; integration fixtures come from the plugins."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Unit tests import the Faust app; keep its tables in memory and its files out of the user's data dir.
os.environ.setdefault("TANDEM_TABLE_STORE", "memory")
os.environ.setdefault("TANDEM_DATA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "tandem-tests"))

pytest_plugins = ["tests.kafka_fixtures", "tests.sandbox_fixtures"]


@pytest.fixture(autouse=True)
def secrets_registered_by_a_test_stay_with_it() -> Iterator[None]:
    """Redaction keeps one registry per process (a worker registers its settings once); a test that registers a
    secret (say `xxxx…`) must not mask what a later test checks, so what a test added goes with it."""
    from connectors.http import redact

    with redact._lock:
        before = set(redact._secrets)
    yield
    with redact._lock:
        redact._secrets.intersection_update(before)
        redact._pattern = redact._compile(redact._secrets)
