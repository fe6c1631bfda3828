"""Settings come from environment variables, fail at start naming the variable, and hide secrets."""

from __future__ import annotations

import pytest

from tandem.settings import Settings, SettingsError, env_name, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [env_name(field) for field in Settings.model_fields]:
        monkeypatch.delenv(name, raising=False)


def test_defaults_match_the_documented_ones() -> None:
    settings = load_settings()
    assert settings.web_port == 6066
    assert settings.hubspot_base_url == "https://api.hubapi.com"
    assert settings.bootstrap_servers == "127.0.0.1:9092"
    assert settings.topic("campaigns") == "tandem.campaigns"


def test_every_variable_the_issue_names_is_a_setting() -> None:
    names = {env_name(field) for field in Settings.model_fields}
    assert {
        "KAFKA_BOOTSTRAP_SERVERS",
        "TANDEM_DATA_DIR",
        "TANDEM_WEB_PORT",
        "TANDEM_HUBSPOT_BASE_URL",
        "TANDEM_HUBSPOT_TOKEN",
        "TANDEM_JIRA_URL",
        "TANDEM_JIRA_EMAIL",
        "TANDEM_JIRA_API_TOKEN",
        "TANDEM_JIRA_PROJECTS",
        "TANDEM_JIRA_WEBHOOK_SECRET",
        "TANDEM_API_TOKENS",
    } <= names


def test_kafka_bootstrap_servers_has_no_tandem_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    assert load_settings().bootstrap_servers == "kafka-1:9092,kafka-2:9092"


def test_a_bad_value_is_an_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_WEB_PORT", "sixty")
    with pytest.raises(SettingsError, match=r"TANDEM_WEB_PORT: Input should be a valid integer"):
        load_settings()


def test_every_bad_variable_is_named_in_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_WEB_PORT", "70000")
    monkeypatch.setenv("TANDEM_JIRA_URL", "acme.atlassian.net")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "TANDEM_WEB_PORT" in str(error.value) and "TANDEM_JIRA_URL" in str(error.value)


def test_jira_projects_are_a_comma_separated_list_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_JIRA_PROJECTS", "WEB, APP")
    assert load_settings().jira_projects == ["WEB", "APP"]


def test_a_lowercase_project_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_JIRA_PROJECTS", "WEB,app")
    with pytest.raises(SettingsError, match=r"TANDEM_JIRA_PROJECTS: .*app"):
        load_settings()


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_JIRA_URL", "")
    assert load_settings().jira_url is None


def test_secrets_never_show_in_repr_str_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_HUBSPOT_TOKEN", "pat-na1-very-secret")
    monkeypatch.setenv("TANDEM_API_TOKENS", "api-secret-1-0123456789,api-secret-2-0123456789")
    monkeypatch.setenv("TANDEM_WEB_PORT", "nope")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "secret" not in str(error.value)
    monkeypatch.delenv("TANDEM_WEB_PORT")
    settings = load_settings()
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert "very-secret" not in shown and "api-secret" not in shown
    assert settings.hubspot_token is not None
    assert settings.hubspot_token.get_secret_value() == "pat-na1-very-secret"
    assert [token.get_secret_value() for token in settings.api_tokens] == [
        "api-secret-1-0123456789",
        "api-secret-2-0123456789",
    ]


def test_the_local_broker_lives_under_the_data_dir_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_DATA_DIR", "/srv/tandem")
    assert str(load_settings().local_kafka_dir) == "/srv/tandem/kafka"


def test_leaders_are_a_comma_separated_list_of_emails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_LEADERS", "Dana@acme.test, omar@acme.test")
    monkeypatch.setenv("TANDEM_LEADERSHIP_DIGEST", "Monthly")
    settings = load_settings()
    assert settings.leaders == ["dana@acme.test", "omar@acme.test"] and settings.leadership_digest == "monthly"


def test_the_leadership_digest_is_weekly_and_to_nobody_by_default() -> None:
    settings = load_settings()
    assert settings.leaders == [] and settings.leadership_digest == "weekly"


def test_a_leader_that_is_not_an_email_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_LEADERS", "dana@acme.test,Omar")
    with pytest.raises(SettingsError, match=r"TANDEM_LEADERS: .*Omar"):
        load_settings()


def test_an_unknown_leadership_cadence_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_LEADERSHIP_DIGEST", "daily")
    with pytest.raises(SettingsError, match="TANDEM_LEADERSHIP_DIGEST"):
        load_settings()
