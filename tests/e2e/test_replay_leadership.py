"""The leadership scenario through the whole pipeline (docs/rules.md, Alerts), for what the shared report
checker does not know: the leadership digests listed under `leadership_digests` in leadership.expect.yaml,
and what they say. `test_replay.py` checks the rest of that scenario's report."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox.scenario import load_scenario
from tandem.replay.driver import Replay
from tests.scenarios.check_report import duration, within

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EXPECT = yaml.safe_load((SCENARIOS / "leadership.expect.yaml").read_text())
SUMMER = "80000000-0000-4000-8000-000000000001"
WINTER = "80000000-0000-4000-8000-000000000002"


@dataclass
class ReplayKeepingMail(Replay):
    """A replay that also keeps the emails its SMTP server received (the report keeps only their headers)."""

    mail: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    async def _report(self, bootstrap: str, settings: Any, sandboxes: Any, receivers: Any) -> dict[str, Any]:
        self.mail = list(receivers.inbox.messages)
        return await super()._report(bootstrap, settings, sandboxes, receivers)


@pytest.fixture(scope="module")
def replayed(kafka_bootstrap: str) -> ReplayKeepingMail:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
        run = ReplayKeepingMail(load_scenario(SCENARIOS / "leadership.yaml"), say=lambda line: None)
        run.report = asyncio.run(run.run())
    return run


def leadership_shortfalls(expect: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """The expected leadership digests missing from the report, and those it has that were not expected."""
    tolerance = duration(expect.get("tolerance", "2h"))
    have = [n for n in report["notifications"] if n["kind"] == "leadership_digest"]
    problems = []
    for want in expect["leadership_digests"]:
        match = next(
            (
                n
                for n in have
                if n["channel"] == want["channel"]
                and sorted(n["to"]) == sorted(want["to"])
                and within(n["at"], want["at"], tolerance)
            ),
            None,
        )
        if match is None:
            problems.append(f"leadership digest missing: {want}")
        else:
            have.remove(match)
    return problems + [f"unexpected leadership digest: {n}" for n in have]


def digest_text(run: ReplayKeepingMail, period: str) -> str:
    [text] = [m["text"] for m in run.mail if m["headers"].get("x-tandem-key") == f"leadership:dana@acme.test:{period}"]
    return str(text).replace("\r\n", "\n")


def test_the_leader_gets_one_leadership_digest_a_week_by_email_only(replayed: ReplayKeepingMail) -> None:
    assert leadership_shortfalls(EXPECT, replayed.report) == []


def test_a_leadership_digest_is_addressed_to_the_leader_by_the_name_tandem_people_gives(
    replayed: ReplayKeepingMail,
) -> None:
    to = {m["headers"]["to"] for m in replayed.mail if m["headers"].get("x-tandem-kind") == "leadership_digest"}
    assert to == {"Dana Reyes <dana@acme.test>"}


def test_the_first_leadership_digest_counts_the_goals_by_status(replayed: ReplayKeepingMail) -> None:
    text = digest_text(replayed, "2027-01-04")
    assert "Leadership digest, the week of 2027-01-04: 2 goals, 0 at risk, 0 off track" in text
    assert "- on track 2\n" in text and "first leadership digest" in text


def test_the_next_leadership_digest_says_the_trend_the_slip_and_why_and_the_win(replayed: ReplayKeepingMail) -> None:
    text = digest_text(replayed, "2027-01-11")
    for count in ("on track 0 (-2)", "at risk 1 (+1)", "off track 0 (±0)", "done 1 (+1)"):
        assert f"- {count}\n" in text
    slipped, wins = text.split("Recovered since the last digest:")[0], text.split("Wins since the last digest:")[1]
    assert "* Summer Webinar: on track → at risk" in slipped
    assert "why: work is due after the launch (warning): WEB-81 is due 2027-03-10, after the launch on 2027-03-01." in (
        slipped
    )
    assert "* Winter Promo: every piece of work done before the launch on 2027-01-20; thanks to Olga Smirnova" in wins
    assert SUMMER in slipped and WINTER in wins  # each goal links to its campaign (no dashboard is set)
