"""The live contract tests (`tests/live/`) themselves: skipped with one line each without credentials; run
against the sandboxes (which emulate the vendors and are held to the same descriptions) they pass; and an
answer that breaks the vendor's description fails them, naming the answer.

Each run is a real `pytest tests/live` in a child process, as a person runs it against their own site.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.integration.connectors.support import clean, control_jira, guid, load, scenario
from tests.sandbox_fixtures import Sandboxes

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
LIVE = "tests/live"
NOT_IN_SANDBOX = (
    f"{LIVE}/test_jira_live.py::test_a_comment_is_added_and_deleted",
    f"{LIVE}/test_hubspot_live.py::test_a_task_is_created_for_an_owner_and_deleted",
    f"{LIVE}/test_hubspot_live.py::test_a_note_is_created_on_a_contact_and_deleted",
)
"""The tests whose cleanup deletes a comment, a task or a note: the sandboxes do not serve those deletes."""


def environment(**live: str) -> dict[str, str]:
    """This process's environment without any TANDEM_LIVE_* variable of the caller's, plus `live`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TANDEM_LIVE_")}
    return {**env, **live}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", LIVE, *args]


def run_live(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)


def summary(output: str) -> dict[str, int]:
    """The counts of pytest's last line (`17 passed, 2 skipped, 2 deselected in 9.1s`)."""
    last = output.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|deselected|errors?)", last)}


@pytest.fixture
def site(sandboxes: Sandboxes) -> Iterator[Sandboxes]:
    """The session's sandboxes with two campaigns, three owners and two issues in WEB; conformance checked."""
    clean(sandboxes)
    load(sandboxes, scenario(campaigns=2, issues=2))
    yield sandboxes
    clean(sandboxes)
    _, listed = control_jira(sandboxes, "GET", "/_sandbox/jira/webhooks")
    for target in listed["targets"]:
        control_jira(sandboxes, "DELETE", f"/_sandbox/jira/webhooks/{target['id']}")
    sandboxes.assert_conformant()


def test_without_credentials_every_live_test_is_skipped_with_one_line_saying_what_runs_it() -> None:
    done = run_live(environment())
    assert done.returncode == 0, done.stdout + done.stderr
    counts = summary(done.stdout)
    assert counts.get("skipped", 0) > 0 and "passed" not in counts and "failed" not in counts, done.stdout
    assert "live contract tests not run" in done.stdout
    assert "HubSpot live contract tests: set TANDEM_LIVE_HUBSPOT_TOKEN" in done.stdout
    assert "Jira live contract tests: set TANDEM_LIVE_JIRA_URL, TANDEM_LIVE_JIRA_EMAIL" in done.stdout


def test_against_the_sandboxes_every_live_test_passes_with_every_answer_validated(site: Sandboxes) -> None:
    assert site.jira_url is not None
    env = environment(
        TANDEM_LIVE_HUBSPOT_TOKEN=site.hubspot_token,
        TANDEM_LIVE_HUBSPOT_URL=site.hubspot_url,
        TANDEM_LIVE_JIRA_URL=site.jira_url,
        TANDEM_LIVE_JIRA_EMAIL=site.jira_email,
        TANDEM_LIVE_JIRA_API_TOKEN=site.jira_token,
        TANDEM_LIVE_SCRATCH_JIRA_ISSUE="WEB-1",
        TANDEM_LIVE_SCRATCH_JIRA_WEBHOOK_URL="https://tandem-live.invalid/webhooks/jira",
        TANDEM_LIVE_SCRATCH_HUBSPOT_CAMPAIGN=guid(1),
    )
    done = run_live(env, *(arg for test in NOT_IN_SANDBOX for arg in ("--deselect", test)))
    assert done.returncode == 0, done.stdout + done.stderr
    counts = summary(done.stdout)
    assert counts.get("deselected") == len(NOT_IN_SANDBOX), done.stdout
    assert counts.get("passed", 0) > 0 and "skipped" not in counts and "failed" not in counts, done.stdout


async def test_an_answer_that_breaks_the_vendor_s_description_fails_the_live_test_naming_it() -> None:
    """A campaign without `id`, `createdAt`, `updatedAt` and `businessUnits`, all required by HubSpot's
    description (`CollectionResponseWithTotalPublicCampaign`), from a deliberately broken HubSpot."""

    async def broken_campaigns(request: web.Request) -> web.Response:
        return web.json_response({"total": 1, "results": [{"properties": {}}]})

    app = web.Application()
    app.router.add_get("/marketing/v3/campaigns", broken_campaigns)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    broken = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        env = environment(TANDEM_LIVE_HUBSPOT_TOKEN="pat-live-test-0000", TANDEM_LIVE_HUBSPOT_URL=broken)
        process = await asyncio.create_subprocess_exec(
            *command("-k", "listed_page_by_page"),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 240)
    finally:
        await runner.cleanup()
    output = out.decode()
    assert process.returncode == 1, output
    assert summary(output).get("failed") == 1, output
    assert "live answers that broke the vendor's OpenAPI description" in output
    assert "GET /marketing/v3/campaigns -> 200" in output
    assert "pat-live-test-0000" not in output
