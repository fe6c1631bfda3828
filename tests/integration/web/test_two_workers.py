"""Two workers in one group share the partitions, and either answers for the whole portfolio: goals from
the read model every worker keeps, and table reads routed to the worker that holds the key."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.integration.web.support import ADMIN, READER, SPRING, SUMMER, Web, feed
from tests.worker_process import Worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pair(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Web]]:
    env = {"TANDEM_API_TOKENS": f"{ADMIN}:admin,{READER}:read", "TANDEM_NOTIFY_EMAIL": "false"}
    first = Worker(bootstrap=kafka_bootstrap, data_dir=tmp_path_factory.mktemp("w1"), api_token=ADMIN, extra_env=env)
    second = Worker(
        bootstrap=kafka_bootstrap,
        data_dir=tmp_path_factory.mktemp("w2"),
        app_id=first.app_id,
        api_token=ADMIN,
        extra_env=env,
    )
    first.start()
    try:
        second.start()
        try:
            asyncio.run(feed(first))
            yield [Web(first.web_port), Web(second.web_port)]
        finally:
            second.stop()
    finally:
        first.stop()


def test_both_workers_share_the_partitions(pair: list[Web]) -> None:
    inputs = [web.until("/api/health", lambda h: h["ready"] and h["inputs"]) for web in pair]
    assert all(answer["inputs"] for answer in inputs)


@pytest.mark.parametrize("which", [0, 1])
def test_either_worker_answers_for_the_whole_portfolio(pair: list[Web], which: int) -> None:
    web = pair[which]
    web.until("/api/v1/portfolio", lambda p: p["total"] == 2)
    for campaign in (SPRING, SUMMER):
        assert web.until(f"/api/v1/goals/{campaign}", lambda g: g["items"])["campaign"] == campaign


@pytest.mark.parametrize("which", [0, 1])
def test_either_worker_reads_any_campaign_and_work_item_from_the_worker_holding_it(pair: list[Web], which: int) -> None:
    web = pair[which]
    for campaign in (SPRING, SUMMER):
        assert web.until(f"/api/v1/campaigns/{campaign}", lambda c: True)["id"] == campaign
    for key in ("WEB-1", "WEB-2", "WEB-3", "WEB-9", "APP-1"):
        assert web.until(f"/api/v1/work-items/{key}", lambda w: True)["key"] == key
