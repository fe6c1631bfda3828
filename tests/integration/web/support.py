"""A real worker fed a small portfolio through its input topics, and HTTP calls to its web server whose
every answer is checked against the OpenAPI document the worker itself serves."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from sandbox.validation import ResponseValidator
from streams.records import TICK_TOPICS, CampaignSnapshot, Person, Tick, WorkItemSnapshot
from tandem.kafka_io import RecordWriter
from tests.worker_process import Worker, produce

ADMIN = "admin-token-for-the-api-tests"
READER = "read-token-for-the-api-tests"
T = datetime(2027, 1, 12, 10, tzinfo=UTC)
SPRING = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"
SUMMER = "5f0c9a54-7a42-4a9e-8d7e-0c1f2e3d4c5b"
UNKNOWN = "c9999999-9999-4999-8999-999999999999"  # named by WEB-7's label; HubSpot has no such campaign
MARIA = Person(id="101", email="maria@acme.test", name="Maria Lopez")
TOM = Person(id="102", email="tom@acme.test", name="Tom Berg")
IVAN = Person(id="u-1", email="ivan@acme.test", name="Ivan Petrov")


def campaign(campaign_id: str, name: str, launch: str, owner: Person, notes: str = "") -> bytes:
    return CampaignSnapshot(
        id=campaign_id, name=name, source_updated_at=T, start_date=launch, status="planned", owner=owner, notes=notes
    ).dumps()


def item(key: str, summary: str, *, parent: str | None = None, done: bool = False, **fields: Any) -> bytes:
    return WorkItemSnapshot(
        key=key,
        project=key.split("-")[0],
        source_updated_at=T,
        summary=summary,
        parent=parent,
        status="Done" if done else "To Do",
        status_category="done" if done else "new",
        status_changed_at=T if done else None,
        assignee=IVAN,
        **fields,
    ).dumps()


async def feed(worker: Worker) -> None:
    """Two campaigns with work: Spring's epic is due after its launch (a date conflict), half done, and an
    unlinked story reads like Spring's name (a suggestion); Summer's one story is open; WEB-7 names a campaign
    HubSpot does not have (orphan work)."""
    await produce(
        worker.bootstrap,
        worker.topic("campaigns"),
        [
            (SPRING, campaign(SPRING, "Spring Launch 2027", "2027-02-15", MARIA, "Tracked in WEB-1.")),
            (SUMMER, campaign(SUMMER, "Summer Webinar", "2027-06-01", TOM, "See APP-1.")),
        ],
    )
    await produce(
        worker.bootstrap,
        worker.topic("workitems"),
        [
            ("WEB-1", item("WEB-1", "Landing page epic", issue_type="Epic", due_date="2027-02-20")),
            ("WEB-2", item("WEB-2", "Hero banner", parent="WEB-1", done=True, size=5.0)),
            ("WEB-3", item("WEB-3", "Signup form", parent="WEB-1", size=3.0)),
            ("WEB-9", item("WEB-9", "Spring Launch 2027 press kit")),
            ("APP-1", item("APP-1", "Webinar registration")),
            ("WEB-7", item("WEB-7", "Mystery banner", labels=[f"campaign-{UNKNOWN}"])),
        ],
    )
    await worker.wait_quiet()  # the join has settled: now the clock says both sources are synced
    await tick(worker, T)


async def tick(worker: Worker, now: datetime) -> None:
    """A tick on every partition, both sources synced (rules may judge)."""
    writer = RecordWriter(worker.bootstrap)
    await writer.start()
    try:
        await writer.send_all(
            [
                (worker.topic(name), str(p), Tick(now=now, partition=p, hubspot_synced=True, jira_synced=True), p)
                for p in range(worker.partitions)
                for name in TICK_TOPICS
            ]
        )
    finally:
        await writer.stop()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Web:
    """HTTP to one worker; every `/api/` answer is validated against the worker's own OpenAPI document."""

    port: int
    validator: ResponseValidator | None = None
    checked: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(
        self,
        method: str,
        path: str,
        token: str | None = ADMIN,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        validate: bool = True,
    ) -> Answer:
        request = urllib.request.Request(f"{self.base}{path}", method=method, data=data, headers=dict(headers or {}))
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=10) as response:
                answer = Answer(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as exc:
            answer = Answer(exc.code, dict(exc.headers.items()), exc.read())
        parts = urlsplit(path)
        if validate and parts.path.startswith("/api/") and self.validator is not None:
            query = [(k, v) for k, v in (pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)]
            self.validator.check(method, parts.path, query, answer.status, answer.headers, answer.body)
            self.checked.append(f"{method} {parts.path} -> {answer.status}")
        return answer

    def get(self, path: str, token: str | None = ADMIN, **params: Any) -> Answer:
        query = f"?{urlencode(params)}" if params else ""
        return self.call("GET", f"{path}{query}", token)

    def load_document(self) -> None:
        document = self.call("GET", "/api/v1/openapi.json", validate=False).json
        self.validator = ResponseValidator([], self.base, documents=[document])

    def until(self, path: str, check: Any, within: float = 60.0) -> Any:
        deadline = time.monotonic() + within
        last = None
        while time.monotonic() < deadline:
            answer = self.call("GET", path, validate=False)
            last = answer
            if answer.status == 200 and check(answer.json):
                return answer.json
            time.sleep(0.5)
        raise AssertionError(f"{path} never satisfied the check; last: {last}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
