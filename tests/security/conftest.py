from __future__ import annotations

import pytest

from streams.records import GoalSummary
from tandem.settings import Settings, env_name
from tests.builders import goal_summary


@pytest.fixture
def goal() -> GoalSummary:
    return goal_summary()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No TANDEM_ variable from the calling shell leaks into a settings test."""
    for name in [env_name(field) for field in Settings.model_fields]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
