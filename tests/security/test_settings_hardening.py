"""Item 14: settings that would weaken Tandem are refused at start, in one line naming the variable: short
API tokens, plain-http vendor URLs (unless `TANDEM_ALLOW_INSECURE_URLS=true`, which only the local sandboxes
set), and malformed JSON — through the real `tandem` command too, never a traceback and never the value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.settings import MIN_API_TOKEN, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))


def test_an_api_token_shorter_than_16_characters_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TANDEM_API_TOKENS", "abc123:admin")
    with pytest.raises(SettingsError, match=r"TANDEM_API_TOKENS: .*fewer than 16") as error:
        load_settings()
    assert "abc123" not in str(error.value)


def test_an_api_token_of_16_characters_is_accepted(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TANDEM_API_TOKENS", "x" * MIN_API_TOKEN + ":read")
    assert len(load_settings().api_tokens) == 1


@pytest.mark.parametrize("name", ["TANDEM_JIRA_URL", "TANDEM_HUBSPOT_BASE_URL", "TANDEM_HUBSPOT_APP_URL"])
def test_a_plain_http_vendor_url_is_refused(clean_env: pytest.MonkeyPatch, name: str) -> None:
    clean_env.setenv(name, "http://acme.atlassian.net")
    with pytest.raises(SettingsError, match=rf"{name}: .*not an https:// URL"):
        load_settings()


def test_a_plain_http_slack_webhook_is_refused_without_showing_it(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TANDEM_SLACK_WEBHOOKS", '{"web": "http://hooks.slack.com/services/T0/B0/secret-part-1234"}')
    with pytest.raises(SettingsError, match=r"TANDEM_SLACK_WEBHOOKS: .*not an https:// URL") as error:
        load_settings()
    assert "secret-part-1234" not in str(error.value)


def test_http_urls_are_allowed_when_insecure_urls_are(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TANDEM_ALLOW_INSECURE_URLS", "true")
    clean_env.setenv("TANDEM_JIRA_URL", "http://127.0.0.1:8080")
    clean_env.setenv("TANDEM_SLACK_WEBHOOKS", '{"web": "http://127.0.0.1:9/hook"}')
    assert load_settings().jira_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("name", ["TANDEM_PEOPLE", "TANDEM_SLACK_WEBHOOKS", "TANDEM_QUIET_HOURS"])
def test_malformed_json_is_one_line_naming_the_variable(clean_env: pytest.MonkeyPatch, name: str) -> None:
    clean_env.setenv(name, '{"kim": {"email": "kim@acme.test"')
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(f"invalid configuration: {name}: not valid JSON")
    assert "\n" not in str(error.value) and "kim@acme.test" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("TANDEM_SLACK_WEBHOOKS", '{"web": "https://hooks.slack.com/services/T0/B0/canary-9731"', "not valid JSON"),
        ("TANDEM_API_TOKENS", "short-canary:admin", "fewer than 16"),
        ("TANDEM_JIRA_URL", "http://acme.atlassian.net", "not an https:// URL"),
    ],
)
def test_the_tandem_command_says_what_is_wrong_in_one_line_without_a_traceback(
    tmp_path: Path, name: str, value: str, said: str
) -> None:
    """The real `tandem worker` (this worktree's code: PYTHONPATH) with one bad variable exits non-zero."""
    env = {key: val for key, val in os.environ.items() if not key.startswith("TANDEM_")}
    env.update({"PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "TANDEM_DATA_DIR": str(tmp_path / "d"), name: value})
    result = subprocess.run(
        [TANDEM, "worker"], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0
    assert "Traceback" not in output and "canary-9731" not in output and "short-canary" not in output
    assert len(output.splitlines()) == 1, output
    assert name in output and said in output
