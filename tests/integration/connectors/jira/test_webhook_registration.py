"""`tandem jira register-webhook`: registers Tandem's signed admin webhook once, updates it after."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from connectors.jira.webhook_registration import register_webhook
from streams.errors import FatalError
from tests.integration.connectors.support import Plumbing, control_jira, load, scenario, settings_for
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration


async def test_registering_twice_updates_the_one_webhook(world: Sandboxes, plumbing: Plumbing) -> None:
    load(world, scenario(issues=1))
    settings = settings_for(world, plumbing.bootstrap, plumbing.prefix, jira_webhook_secret="whsec-0123456789")
    url = "https://tandem.acme.test/webhooks/jira"
    first = await register_webhook(settings, url)
    second = await register_webhook(settings, url)
    assert (first.action, second.action) == ("registered", "updated")
    _, listed = control_jira(world, "GET", "/_sandbox/jira/webhooks")
    mine = [t for t in listed["targets"] if t["url"] == url]
    assert len(mine) == 1 and mine[0]["signed"] and 'project in ("WEB")' in (mine[0]["jql"] or "")
    control_jira(world, "DELETE", f"/_sandbox/jira/webhooks/{mine[0]['id']}")
    with pytest.raises(FatalError, match="TANDEM_JIRA_WEBHOOK_SECRET"):
        await register_webhook(settings_for(world, plumbing.bootstrap, plumbing.prefix), url)


def test_the_command_says_what_to_fix_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.jira.cli import jira
    from tandem.settings import get_settings

    monkeypatch.delenv("TANDEM_JIRA_WEBHOOK_SECRET", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(jira, ["register-webhook", "--url", "https://x.test/webhooks/jira"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and "TANDEM_JIRA_WEBHOOK_SECRET" in result.output
