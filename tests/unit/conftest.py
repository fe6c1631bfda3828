from __future__ import annotations

import pytest

from streams.records import GoalSummary
from tests.builders import goal_summary


@pytest.fixture
def goal() -> GoalSummary:
    return goal_summary()
