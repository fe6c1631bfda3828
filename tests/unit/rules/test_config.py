"""Rule thresholds: docs/rules.md defaults, the `TANDEM_*` settings that change them, and their validation."""

from __future__ import annotations

from typing import Any

import pytest

from streams.rules.config import RuleConfig
from tandem.settings import Settings, SettingsError, env_name, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [env_name(field) for field in Settings.model_fields]:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_ones_design_section_4_names() -> None:
    config = RuleConfig()
    assert (config.risk_horizon_days, config.velocity_window_days, config.buffer_days) == (45, 14, 2)
    assert (config.scope_creep_pct, config.stalled_days, config.stalled_horizon_days) == (20.0, 7, 30)
    assert (config.date_conflict_critical_days, config.remind_days, config.baseline_after_days) == (7, 3, 7)
    assert config.default_size == 1.0
    assert config.canceled_statuses == {"canceled", "cancelled"}
    assert config.live_statuses == {"in_progress", "active"}
    assert config.completed_statuses == {"completed"}
    assert (config.digest_day, config.digest_hour, config.timezone) == (0, 9, "UTC")


def test_default_settings_give_the_default_rule_config() -> None:
    assert RuleConfig.from_settings(load_settings()) == RuleConfig()


def test_every_rule_threshold_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "TANDEM_RISK_HORIZON_DAYS": "60",
        "TANDEM_VELOCITY_WINDOW_DAYS": "21",
        "TANDEM_BUFFER_DAYS": "3",
        "TANDEM_SCOPE_CREEP_PCT": "12.5",
        "TANDEM_STALLED_DAYS": "5",
        "TANDEM_STALLED_HORIZON_DAYS": "20",
        "TANDEM_DATE_CONFLICT_CRITICAL_DAYS": "10",
        "TANDEM_REMIND_DAYS": "2",
        "TANDEM_BASELINE_AFTER_DAYS": "4",
        "TANDEM_DEFAULT_SIZE": "2",
        "TANDEM_CANCELED_STATUSES": "Aborted, dropped",
        "TANDEM_LIVE_STATUSES": "running",
        "TANDEM_COMPLETED_STATUSES": "done,finished",
        "TANDEM_DIGEST_DAY": "Friday",
        "TANDEM_DIGEST_HOUR": "16",
        "TANDEM_TIMEZONE": "Europe/Berlin",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    assert RuleConfig.from_settings(load_settings()) == RuleConfig(
        risk_horizon_days=60,
        velocity_window_days=21,
        buffer_days=3,
        scope_creep_pct=12.5,
        stalled_days=5,
        stalled_horizon_days=20,
        date_conflict_critical_days=10,
        remind_days=2,
        baseline_after_days=4,
        default_size=2.0,
        canceled_statuses=frozenset({"aborted", "dropped"}),
        live_statuses=frozenset({"running"}),
        completed_statuses=frozenset({"done", "finished"}),
        digest_day=4,
        digest_hour=16,
        timezone="Europe/Berlin",
    )


def test_suggestion_threshold_defaults_to_0_85(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().suggestion_threshold == 0.85
    monkeypatch.setenv("TANDEM_SUGGESTION_THRESHOLD", "0.9")
    assert load_settings().suggestion_threshold == 0.9


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TANDEM_SUGGESTION_THRESHOLD", "1.2"),
        ("TANDEM_DIGEST_HOUR", "24"),
        ("TANDEM_DIGEST_DAY", "someday"),
        ("TANDEM_TIMEZONE", "Mars/Olympus_Mons"),
        ("TANDEM_TIMEZONE", "America"),
        ("TANDEM_VELOCITY_WINDOW_DAYS", "0"),
        ("TANDEM_REMIND_DAYS", "0"),
        ("TANDEM_SCOPE_CREEP_PCT", "-5"),
    ],
)
def test_a_bad_rule_setting_is_an_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_statuses_compare_case_insensitively() -> None:
    config = RuleConfig(canceled_statuses=frozenset({"Cancelled"}))
    assert config.is_canceled("CANCELLED") and config.is_canceled("cancelled ")
    assert not config.is_canceled("planned") and not config.is_canceled(None)
    assert config.is_live("Active") and config.is_completed("COMPLETED")


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Nowhere"):
        RuleConfig(timezone="Nowhere/Land")


@pytest.mark.parametrize(
    "overrides",
    [{"velocity_window_days": 0}, {"remind_days": 0}, {"digest_day": 7}, {"digest_hour": -1}],
)
def test_an_impossible_threshold_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RuleConfig(**overrides)
