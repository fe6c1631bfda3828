"""`tandem doctor` against the sandboxes, through the real command: one line per check, exit 0 when all is
fine and 1 otherwise, and never a secret in what it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.connectors.support import clean, control_jira, faults, load, scenario
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration

TANDEM = str(Path(sys.executable).with_name("tandem"))
PUBLIC = "https://tandem.acme.test"
HOOK = f"{PUBLIC}/webhooks/jira"
WEBHOOK_SECRET = "whsec-doctor-0123456789"


def drop_webhooks(sandboxes: Sandboxes) -> None:
    _, listed = control_jira(sandboxes, "GET", "/_sandbox/jira/webhooks")
    for target in listed["targets"]:
        control_jira(sandboxes, "DELETE", f"/_sandbox/jira/webhooks/{target['id']}")


@pytest.fixture
def site(sandboxes: Sandboxes) -> Iterator[Sandboxes]:
    """The session's sandboxes seeded with one project (WEB), no faults and no webhooks; conformance checked."""
    clean(sandboxes)
    drop_webhooks(sandboxes)
    load(sandboxes, scenario(campaigns=2, issues=2))
    yield sandboxes
    clean(sandboxes)
    drop_webhooks(sandboxes)
    sandboxes.assert_conformant()


@pytest.fixture
def env(site: Sandboxes, kafka_bootstrap: str, tmp_path: Path) -> dict[str, str]:
    """A deployment wired to the sandboxes, the session's broker and a public URL, with Jira webhooks on."""
    assert site.jira_url is not None
    return dict(
        {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("TANDEM_") or key.startswith("TANDEM_SANDBOX")
        },
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        TANDEM_DATA_DIR=str(tmp_path / "data"),
        TANDEM_ALLOW_INSECURE_URLS="true",  # the sandboxes speak plain http
        TANDEM_HUBSPOT_BASE_URL=site.hubspot_url,
        TANDEM_HUBSPOT_TOKEN=site.hubspot_token,
        TANDEM_JIRA_URL=site.jira_url,
        TANDEM_JIRA_EMAIL=site.jira_email,
        TANDEM_JIRA_API_TOKEN=site.jira_token,
        TANDEM_JIRA_PROJECTS="WEB",
        TANDEM_JIRA_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TANDEM_PUBLIC_URL=PUBLIC,
    )


def tandem(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TANDEM, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def doctor(env: dict[str, str]) -> tuple[int, list[str], str]:
    """Exit code, the printed lines, and everything printed (stdout and stderr)."""
    done = tandem(env, "doctor")
    return done.returncode, done.stdout.splitlines(), done.stdout + done.stderr


def line(lines: list[str], subject: str) -> str:
    found = [text for text in lines if text[6:].startswith(f"{subject}:")]
    assert len(found) == 1, "\n".join(lines)
    return found[0]


def register(env: dict[str, str]) -> None:
    done = tandem(env, "jira", "register-webhook", "--url", HOOK)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_deployment_wired_right_passes_every_check(env: dict[str, str]) -> None:
    register(env)
    code, lines, printed = doctor(env)
    assert code == 0, printed
    assert all(text.startswith(("ok  ", "note")) for text in lines[:-1]), printed
    assert line(lines, "Kafka").startswith("ok  ")
    assert line(lines, "HubSpot token").startswith("ok  ") and "2 campaigns" in line(lines, "HubSpot token")
    assert line(lines, "HubSpot owners").startswith("ok  ")
    assert line(lines, "Jira credentials").startswith(f"ok    Jira credentials: {env['TANDEM_JIRA_URL']} accepts")
    assert line(lines, "Jira project WEB").startswith("ok  ")
    assert line(lines, "Story points") == "ok    Story points: in customfield_10016 (Story point estimate)"
    assert line(lines, "Jira webhook") == (
        f'ok    Jira webhook: sends issue and comment events for project in ("WEB") to {HOOK}'
    )
    assert line(lines, "Public URL").startswith("ok  ")
    assert lines[-1].startswith("All is well")


def test_a_wrong_hubspot_token_is_named_by_its_variable_and_never_printed(env: dict[str, str]) -> None:
    env["TANDEM_HUBSPOT_TOKEN"] = "pat-na1-wrong-doctor-token-4711"
    register(env)
    code, lines, printed = doctor(env)
    assert code == 1
    assert line(lines, "HubSpot token").startswith(
        "FAIL  HubSpot token: HubSpot refused the token in TANDEM_HUBSPOT_TOKEN (401)"
    )
    assert "wrong-doctor-token-4711" not in printed
    assert line(lines, "Jira credentials").startswith("ok  ")  # the other checks still ran
    assert lines[-1] == "1 problem to fix (the FAIL lines above say how)."


def test_a_wrong_jira_token_is_named_by_its_variables_and_never_printed(env: dict[str, str]) -> None:
    env["TANDEM_JIRA_API_TOKEN"] = "wrong-jira-doctor-token-0815"
    code, lines, printed = doctor(env)
    assert code == 1
    assert "TANDEM_JIRA_EMAIL" in line(lines, "Jira credentials") and "(401)" in line(lines, "Jira credentials")
    assert "wrong-jira-doctor-token-0815" not in printed and WEBHOOK_SECRET not in printed


def test_a_project_jira_does_not_show_is_named_with_the_permission_to_check(env: dict[str, str]) -> None:
    register(env)
    env["TANDEM_JIRA_PROJECTS"] = "WEB,NOPE"
    code, lines, printed = doctor(env)
    assert code == 1, printed
    assert line(lines, "Jira project WEB").startswith("ok  ")
    assert line(lines, "Jira project NOPE") == (
        f"FAIL  Jira project NOPE: not found, or {env['TANDEM_JIRA_EMAIL']} may not see it (404): check the key in "
        "TANDEM_JIRA_PROJECTS, and give the account 'Browse projects' on it"
    )


def test_no_webhook_says_how_to_register_it(env: dict[str, str]) -> None:
    code, lines, printed = doctor(env)
    assert code == 1, printed
    assert line(lines, "Jira webhook") == (
        f"FAIL  Jira webhook: none sends to {HOOK}: run `tandem jira register-webhook --url {HOOK}`"
    )


def test_a_webhook_pointing_elsewhere_is_named(env: dict[str, str]) -> None:
    old = "https://old.acme.test/webhooks/jira"
    done = tandem(env, "jira", "register-webhook", "--url", old)
    assert done.returncode == 0, done.stderr
    code, lines, _ = doctor(env)
    assert code == 1
    assert f"the webhook named Tandem points at {old}" in line(lines, "Jira webhook")


def test_a_missing_hubspot_scope_is_inferred_from_the_403_of_the_call_that_needs_it(
    env: dict[str, str], site: Sandboxes
) -> None:
    """HubSpot answers 403 `MISSING_SCOPES` when the private app lacks a call's scope
    (https://developers.hubspot.com/docs/api/usage-details, "Error handling"); the owners list needs
    `crm.objects.owners.read` (its operation's `security` in sandbox/specs/hubspot/owners-v3.json)."""
    register(env)
    faults(site, "hubspot", refuse={"GET ^/crm/v3/owners/?$": 403})
    code, lines, printed = doctor(env)
    assert code == 1, printed
    assert line(lines, "HubSpot token").startswith("ok  ")
    assert line(lines, "HubSpot owners") == (
        "FAIL  HubSpot owners: the private app's token lacks the scope crm.objects.owners.read (403): "
        "add it on the app's Scopes tab"
    )


def test_webhooks_on_without_a_public_url_is_a_problem(env: dict[str, str]) -> None:
    del env["TANDEM_PUBLIC_URL"]
    code, lines, _ = doctor(env)
    assert code == 1
    assert line(lines, "Public URL").startswith(
        "FAIL  Public URL: TANDEM_PUBLIC_URL is not set, but webhooks are on (TANDEM_JIRA_WEBHOOK_SECRET)"
    )
    assert line(lines, "Jira webhook") == "FAIL  Jira webhook: where it should point is unknown: set TANDEM_PUBLIC_URL"


def test_no_broker_is_one_line_saying_how_to_get_one(env: dict[str, str]) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    env["KAFKA_BOOTSTRAP_SERVERS"] = closed
    register(env)
    code, lines, _ = doctor(env)
    assert code == 1
    assert line(lines, "Kafka") == (
        f"FAIL  Kafka: no broker at {closed}: start one with `tandem kafka start` or set KAFKA_BOOTSTRAP_SERVERS"
    )
