"""Test-wide set-up: unit tests keep tables in memory; integration fixtures come from the plugins."""

from __future__ import annotations

import os

# Unit tests import the Faust app; keep its tables in memory and its files out of the user's data dir.
os.environ.setdefault("TANDEM_TABLE_STORE", "memory")
os.environ.setdefault("TANDEM_DATA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "tandem-tests"))

pytest_plugins = ["tests.kafka_fixtures", "tests.sandbox_fixtures"]
