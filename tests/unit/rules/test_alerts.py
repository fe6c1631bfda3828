"""When alerts are due (docs/rules.md, Alerts): wins, the weekly digest, idempotency keys. Who hears of them:
`test_audience.py`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from streams.rules.alerts import (
    digest_due,
    digest_key,
    digest_week,
    scheduled_digest,
    signal_alert_key,
    win_due,
    win_key,
)
from streams.rules.config import RuleConfig
from streams.rules.model import GoalView
from tests.unit.rules.builders import DAY, SECOND, T0, L, facts, goal, item

HOUR = DAY / 24
MONDAY_9 = T0  # 2027-01-04 09:00 UTC is a Monday


# --- wins ------------------------------------------------------------------------------------------


def finished(done_at: datetime | None, **campaign: Any) -> GoalView:
    return goal(
        item("EPIC", assignee="u-1"),
        item("S1", parent="EPIC", assignee="u-2", done=True, done_at=T0 + DAY),
        item("S2", parent="EPIC", assignee="u-3", done=True, done_at=done_at),
        **campaign,
    )


def test_win_is_due_when_every_leaf_is_done_before_launch() -> None:
    view = finished(L - DAY)
    assert win_due(view, facts(view, L - DAY), L - DAY, already_won=False)


def test_win_is_due_when_the_last_leaf_is_done_exactly_at_launch() -> None:
    view = finished(L)
    assert win_due(view, facts(view, L), L, already_won=False)


def test_win_is_not_sent_when_work_finished_after_launch() -> None:
    view = finished(L + SECOND)
    assert not win_due(view, facts(view, L + SECOND), L + SECOND, already_won=False)


def test_win_is_sent_once() -> None:
    view = finished(L - DAY)
    assert not win_due(view, facts(view, L - DAY), L - DAY, already_won=True)


def test_win_is_not_due_while_a_leaf_is_open() -> None:
    view = goal(item("S1", done=True, done_at=T0), item("S2"))
    assert not win_due(view, facts(view, T0), T0, already_won=False)


@pytest.mark.parametrize("campaign", [{"status": "Canceled"}, {"deleted": True}])
def test_win_is_not_due_for_a_canceled_campaign(campaign: dict[str, object]) -> None:
    view = finished(L - DAY, **campaign)
    assert not win_due(view, facts(view, L - DAY), L - DAY, already_won=False)


def test_win_is_not_due_without_leaves() -> None:
    view = goal()
    assert not win_due(view, facts(view, T0), T0, already_won=False)


def test_win_is_not_due_without_a_launch_date() -> None:
    view = finished(T0 + DAY, launch=None)
    assert not win_due(view, facts(view, T0 + DAY), T0 + DAY, already_won=False)


def test_a_done_leaf_without_done_time_counts_from_its_last_status_change() -> None:
    view = goal(item("S1", done=True, done_at=None, changed=L + DAY))
    assert not win_due(view, facts(view, L + DAY), L + DAY, already_won=False)


# --- digest ----------------------------------------------------------------------------------------


def test_digest_is_due_at_the_first_evaluation_after_monday_nine() -> None:
    last = MONDAY_9 - 7 * DAY
    assert digest_due(last, MONDAY_9 + 30 * 60 * SECOND, RuleConfig()) == MONDAY_9


def test_digest_is_due_exactly_at_monday_nine() -> None:
    assert digest_due(MONDAY_9 - 7 * DAY, MONDAY_9, RuleConfig()) == MONDAY_9


def test_digest_is_not_due_one_second_before_monday_nine() -> None:
    assert digest_due(MONDAY_9 - 7 * DAY, MONDAY_9 - SECOND, RuleConfig()) is None


def test_digest_is_not_due_again_the_same_week() -> None:
    assert digest_due(MONDAY_9, MONDAY_9 + 6 * DAY, RuleConfig()) is None


def test_digest_is_due_the_next_week() -> None:
    assert digest_due(MONDAY_9, MONDAY_9 + 7 * DAY, RuleConfig()) == MONDAY_9 + 7 * DAY


def test_the_first_digest_is_the_latest_scheduled_one() -> None:
    assert digest_due(None, MONDAY_9 + 2 * DAY, RuleConfig()) == MONDAY_9


def test_a_missed_week_sends_one_digest_not_two() -> None:
    assert digest_due(MONDAY_9 - 14 * DAY, MONDAY_9 + DAY, RuleConfig()) == MONDAY_9


def test_digest_day_and_hour_are_configurable() -> None:
    config = RuleConfig(digest_day=4, digest_hour=16)  # Friday 16:00
    assert scheduled_digest(MONDAY_9, config) == datetime(2027, 1, 1, 16, tzinfo=UTC)


def test_digest_hour_is_in_the_configured_time_zone_in_winter() -> None:
    config = RuleConfig(timezone="Europe/Berlin")
    assert scheduled_digest(MONDAY_9, config) == datetime(2027, 1, 4, 8, tzinfo=UTC)


def test_digest_hour_follows_daylight_saving_time() -> None:
    config = RuleConfig(timezone="Europe/Berlin")
    assert scheduled_digest(datetime(2027, 7, 5, 7, 30, tzinfo=UTC), config) == datetime(2027, 7, 5, 7, tzinfo=UTC)


def test_digest_day_is_the_local_day() -> None:
    """Monday 09:00 in Auckland is still Sunday in UTC."""
    config = RuleConfig(timezone="Pacific/Auckland")
    slot = scheduled_digest(datetime(2027, 1, 4, 0, tzinfo=UTC), config)
    assert slot == datetime(2027, 1, 3, 20, tzinfo=UTC)
    assert digest_week(slot, config) == date(2027, 1, 4)


# --- idempotency keys ------------------------------------------------------------------------------


def test_signal_alert_keys_differ_by_episode_action_and_index() -> None:
    keys = {
        signal_alert_key("c1", "stalled", 1, "opened"),
        signal_alert_key("c1", "stalled", 2, "opened"),
        signal_alert_key("c1", "stalled", 1, "reminder", 1),
        signal_alert_key("c1", "stalled", 1, "reminder", 2),
        signal_alert_key("c1", "scope_creep", 1, "opened"),
        signal_alert_key("c2", "stalled", 1, "opened"),
    }
    assert len(keys) == 6


def test_signal_alert_key_is_stable() -> None:
    assert signal_alert_key("c1", "stalled", 2, "reminder", 3) == "signal:c1:stalled:2:reminder:3"


def test_win_and_digest_keys_are_stable() -> None:
    assert win_key("c1") == "win:c1"
    assert digest_key("u-1", date(2027, 1, 11)) == "digest:u-1:2027-01-11"
