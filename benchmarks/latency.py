"""Latency: a signed Jira webhook in → the notification at the local SMTP server, through the real pieces —
the Jira sandbox (the issue is changed through its REST API), a `tandem worker` in live mode, Kafka, and the
local mail server a replay uses (`tandem.receivers`).

Each change moves an epic's due date across its campaign's launch (after it: a date conflict opens; back:
it is resolved), then posts the signed `jira:issue_updated` delivery to the worker's `/webhooks/jira`; the
latency runs from the POST to the moment the mail server holds the message whose `X-Tandem-Key` names that
episode. The worker polls every 10 minutes: a change reaches the rules through its webhook or not at all.

- `first_change_latency_ms`: the first change, made as soon as a FRESH worker (empty data directory, new
  topics) says it is ready — the backfill, the first ticks and the topics all have to be in place.
- `latency_p50_ms`, `latency_p99_ms`: over 1,000 changes (`--quick`: 40) at a steady rate, spread round
  robin over the goals so that a goal's next change comes after its previous one was mailed.

    .venv/bin/python -m benchmarks.latency [--quick]
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import BenchWorker, percentile, standalone

SECRET = "bench-webhook-secret"
LAUNCH = (datetime.now(UTC) + timedelta(days=120)).date()
BEFORE = (LAUNCH - timedelta(days=10)).isoformat()
AFTER = (LAUNCH + timedelta(days=10)).isoformat()


@dataclass(frozen=True)
class Sizes:
    goals: int
    changes: int
    per_second: float


FULL = Sizes(goals=20, changes=1_000, per_second=5.0)
QUICK = Sizes(goals=10, changes=40, per_second=4.0)


def campaign_id(n: int) -> str:
    return str(uuid.UUID(int=n + 1))


def epic(n: int) -> str:
    return f"WEB-{n + 1}"


def scenario_text(goals: int) -> str:
    """`goals` campaigns launching on LAUNCH, each with one epic (due before the launch) and a story."""
    now = datetime.now(UTC).replace(microsecond=0)
    campaigns = [
        {
            "id": campaign_id(n),
            "properties": {
                "hs_name": f"Latency campaign {n}",
                "hs_start_date": LAUNCH.isoformat(),
                "hs_campaign_status": "planned",
                "hs_owner": "101",
            },
        }
        for n in range(goals)
    ]
    issues = [
        {
            "key": epic(n),
            "fields": {
                "issuetype": {"name": "Epic"},
                "summary": f"Engineering for latency campaign {n}",
                "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                "labels": [f"campaign-{campaign_id(n)}"],
                "assignee": {"accountId": "u-1"},
                "duedate": BEFORE,
            },
        }
        for n in range(goals)
    ]
    document = {
        "name": "bench-latency",
        "start": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hubspot": {
            "portal_id": 4242,
            "owners": [{"id": "101", "email": "maria@acme.test", "firstName": "Maria", "lastName": "Lopez"}],
            "campaigns": campaigns,
        },
        "jira": {
            "users": [{"accountId": "u-1", "displayName": "Ivan Petrov", "emailAddress": "ivan@acme.test"}],
            "projects": [{"key": "WEB", "name": "Website", "lead": "u-1"}],
            "issues": issues,
        },
        "timeline": [],
    }
    return yaml.safe_dump(document, sort_keys=False)


def expected_key(campaign: str, toggle: int) -> str:
    """The `X-Tandem-Key` of the mail that the `toggle`-th change (1-based) of a goal's epic causes: odd ones
    open a date conflict (episode (toggle+1)/2), even ones resolve it (a `closed` signal)."""
    episode = (toggle + 1) // 2
    action = "opened" if toggle % 2 else "closed"
    return f"signal:{campaign}:date_conflict:{episode}:{action}:0"


def figures(first_ms: float, steady_ms: list[float], sizes: Sizes) -> dict[str, Any]:
    return {
        "first_change_latency_ms": round(first_ms, 1),
        "latency_p50_ms": round(percentile(steady_ms, 50), 1),
        "latency_p99_ms": round(percentile(steady_ms, 99), 1),
        "latency_sizes": {"changes": len(steady_ms), "per_second": sizes.per_second, "goals": sizes.goals},
    }


class Mailbox:
    """The arrival time (monotonic) of every message the local mail server took, by `X-Tandem-Key`: a task
    looks at the server's inbox every millisecond (the server runs in a thread of its own)."""

    def __init__(self, receivers: Any) -> None:
        self.arrived: dict[str, float] = {}
        self._messages: list[dict[str, Any]] = receivers.inbox.messages
        self._seen = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def look(self) -> None:
        now = time.monotonic()
        while self._seen < len(self._messages):
            key = (self._messages[self._seen]["headers"].get("x-tandem-key") or "").strip()
            if key:
                self.arrived.setdefault(key, now)
            self._seen += 1

    async def _watch(self) -> None:
        while True:
            self.look()
            await asyncio.sleep(0.001)

    async def wait(self, key: str, within: float) -> float:
        deadline = time.monotonic() + within
        while key not in self.arrived:
            if time.monotonic() > deadline:
                self.look()
                raise TimeoutError(
                    f"no mail {key} within {within:.0f}s; the mail server holds {len(self._messages)} "
                    f"message(s): {sorted(self.arrived)[:5]}"
                )
            await asyncio.sleep(0.005)
        return self.arrived[key]


@dataclass
class Driver:
    jira_url: str
    jira_auth: Any
    webhook_url: str
    session: Any
    toggles: dict[int, int]
    ids: dict[int, str] = field(default_factory=dict)  # each goal's epic's issue id, read once

    async def change(self, goal: int) -> tuple[str, float]:
        """Move the goal's epic across the launch in Jira, post the signed delivery; (the mail's key, when
        the POST was sent)."""
        from connectors.jira.signature import jira_signature

        toggle = self.toggles.get(goal, 0) + 1
        self.toggles[goal] = toggle
        due = AFTER if toggle % 2 else BEFORE
        async with self.session.put(
            f"{self.jira_url}/rest/api/3/issue/{epic(goal)}",
            json={"fields": {"duedate": due}},
            headers={"Authorization": self.jira_auth},
        ) as answer:
            if answer.status >= 300:
                raise RuntimeError(f"Jira sandbox answered {answer.status}: {await answer.text()}")
        if goal not in self.ids:  # a delivery names the issue by id and key, as Jira's do
            async with self.session.get(
                f"{self.jira_url}/rest/api/3/issue/{epic(goal)}",
                params={"fields": "id"},
                headers={"Authorization": self.jira_auth},
            ) as answer:
                self.ids[goal] = str((await answer.json())["id"])
        body = json.dumps(
            {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": "jira:issue_updated",
                "issue": {"id": self.ids[goal], "key": epic(goal)},
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": jira_signature(SECRET, body),
            "X-Atlassian-Webhook-Identifier": uuid.uuid4().hex,
        }
        sent = time.monotonic()
        async with self.session.post(self.webhook_url, data=body, headers=headers) as answer:
            if answer.status != 200:
                raise RuntimeError(f"the worker answered the webhook with {answer.status}")
        return expected_key(campaign_id(goal), toggle), sent


async def measure(bootstrap: str, sizes: Sizes, workdir: Path, say: Any) -> dict[str, Any]:
    import aiohttp

    from sandbox.runner import start_sandboxes
    from sandbox.scenario import parse_scenario
    from tandem.receivers import Receivers

    sandboxes = await start_sandboxes(parse_scenario(scenario_text(sizes.goals), "latency benchmark"))
    sandboxes.world.clock.follow(lambda: datetime.now(UTC))  # live: each edit is stamped with the wall clock
    receivers = Receivers()
    await receivers.start()
    mailbox = Mailbox(receivers)
    mailbox.start()
    credentials = sandboxes.credentials
    worker = BenchWorker(
        bootstrap=bootstrap,
        data_dir=workdir / "worker",
        partitions=4,
        mode="live",
        extra_env={
            "TANDEM_COMMIT_INTERVAL": "0.1",
            "TANDEM_HUBSPOT_BASE_URL": sandboxes.hubspot_url,
            "TANDEM_HUBSPOT_TOKEN": credentials.hubspot_token,
            "TANDEM_HUBSPOT_PORTAL_ID": "4242",
            "TANDEM_JIRA_URL": str(sandboxes.jira_url),
            "TANDEM_JIRA_EMAIL": credentials.jira_email,
            "TANDEM_JIRA_API_TOKEN": credentials.jira_token,
            "TANDEM_JIRA_PROJECTS": "WEB",
            "TANDEM_JIRA_WEBHOOK_SECRET": SECRET,
            "TANDEM_HUBSPOT_POLL_SECONDS": "600",
            "TANDEM_JIRA_POLL_SECONDS": "600",
            "TANDEM_SYNC_JIRA_REMOTE_LINKS": "false",
            "TANDEM_SYNC_JIRA_COMMENTS": "false",
            "TANDEM_SYNC_HUBSPOT_STATUS": "false",
            "TANDEM_SMTP_HOST": "127.0.0.1",
            "TANDEM_SMTP_PORT": str(receivers.smtp_port),
            "TANDEM_SMTP_SECURITY": "none",
        },
    )
    try:
        await asyncio.to_thread(worker.start)
        async with aiohttp.ClientSession() as session:
            driver = Driver(
                jira_url=str(sandboxes.jira_url),
                jira_auth=aiohttp.BasicAuth(credentials.jira_email, credentials.jira_token).encode(),
                webhook_url=f"http://127.0.0.1:{worker.web_port}/webhooks/jira",
                session=session,
                toggles={},
            )
            key, sent = await driver.change(0)
            first = (await mailbox.wait(key, 120) - sent) * 1000
            say(f"  first change after a fresh start: {first:.0f} ms")
            await mailbox.wait((await driver.change(0))[0], 60)  # goal 0 back before the launch
            interval = 1.0 / sizes.per_second
            pending: list[tuple[str, float]] = []
            began = time.monotonic()
            for index in range(sizes.changes):
                await asyncio.sleep(max(0.0, began + index * interval - time.monotonic()))
                pending.append(await driver.change(index % sizes.goals))
            steady = [(await mailbox.wait(key, 120) - sent) * 1000 for key, sent in pending]
        return figures(first, steady, sizes)
    finally:
        await asyncio.to_thread(worker.stop)
        await mailbox.stop()
        await receivers.stop()
        await sandboxes.stop()


def run(bootstrap: str, quick: bool, say: Any = print) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tandem-bench-latency-") as workdir:
        return asyncio.run(measure(bootstrap, QUICK if quick else FULL, Path(workdir), say))


def main() -> None:
    standalone(run, __doc__)


if __name__ == "__main__":
    main()
