"""The undisturbed run of the busy scenario, once per session: what every disturbed run must end with."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.chaos.support import run_replay


@pytest.fixture(scope="session")
def undisturbed(kafka_bootstrap: str) -> dict[str, Any]:
    return asyncio.run(run_replay(kafka_bootstrap))
