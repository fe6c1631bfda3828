"""The background sync's decisions: which writes a goal's change causes, each once, and none for a goal
that did not change."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.records import GoalSummary, ItemBrief, Odds, Person, Progress
from streams.rules.references import REMOTE_LINK_PREFIX
from streams.rules.sync import SyncConfig, link_title, plan
from streams.state import SyncMemory

T = datetime(2027, 1, 12, 10, tzinfo=UTC)
URL = "https://app.hubspot.com/marketing/4242/campaigns/details/c1"
CONFIG = SyncConfig(dashboard_url="https://tandem.acme.test")


def goal(**fields) -> GoalSummary:
    values = {
        "campaign": "c1",
        "name": "Spring Launch 2027",
        "status": "at_risk",
        "as_of": T,
        "launch": "2027-02-15",
        "campaign_status": "planned",
        "campaign_url": URL,
        "owner": Person(id="101", name="Maria Lopez"),
        "progress": Progress(items_done=1, items_total=2, size_done=5, size_total=8),
        "forecast": "2027-02-18",
        "items": [
            ItemBrief(key="WEB-1", summary="Epic", done=False, leaf=False, top_level=True),
            ItemBrief(key="WEB-2", summary="Story", done=True, leaf=True, top_level=False),
        ],
    }
    values.update(fields)
    return GoalSummary(**values)


def actions(commands) -> list[tuple[str, str, str]]:
    return [(c.system, c.action, c.target) for c in commands]


def test_a_goal_seen_first_gets_a_remote_link_on_its_top_level_items_and_its_status_in_hubspot() -> None:
    _, commands = plan(SyncMemory(), goal(), CONFIG, T)
    assert actions(commands) == [("jira", "remote_link", "WEB-1"), ("hubspot", "campaign_status", "c1")]


def test_the_remote_link_names_the_campaign_its_status_and_launch_and_is_upserted_by_a_tandem_global_id() -> None:
    _, commands = plan(SyncMemory(), goal(), CONFIG, T)
    link = commands[0].payload
    assert link["url"] == URL and link["global_id"] == f"{REMOTE_LINK_PREFIX}c1"
    assert link["title"] == "HubSpot campaign: Spring Launch 2027 (planned, launch 15 Feb 2027)"


def test_an_unchanged_goal_writes_nothing() -> None:
    memory, _ = plan(SyncMemory(), goal(), CONFIG, T)
    assert plan(memory, goal(as_of=T.replace(hour=11)), CONFIG, T)[1] == []


def test_a_moved_launch_updates_the_link_and_comments_once_on_each_top_level_item() -> None:
    memory, _ = plan(SyncMemory(), goal(), CONFIG, T)
    memory, commands = plan(memory, goal(launch="2027-03-01"), CONFIG, T)
    assert actions(commands) == [
        ("jira", "remote_link", "WEB-1"),
        ("jira", "comment", "WEB-1"),
        ("hubspot", "campaign_status", "c1"),
    ]
    comment = commands[1].payload["text"]
    assert "moved from 15 Feb 2027 to 1 Mar 2027 in HubSpot (campaign owner: Maria Lopez)" in comment
    assert plan(memory, goal(launch="2027-03-01"), CONFIG, T)[1] == []


def test_the_same_change_has_the_same_idempotency_key() -> None:
    memory, _ = plan(SyncMemory(), goal(), CONFIG, T)
    _, first = plan(memory, goal(launch="2027-03-01"), CONFIG, T)
    _, again = plan(memory, goal(launch="2027-03-01"), CONFIG, T.replace(hour=12))
    assert [c.idempotency_key for c in first] == [c.idempotency_key for c in again]


def test_a_campaign_status_change_is_a_comment() -> None:
    memory, _ = plan(SyncMemory(), goal(), CONFIG, T)
    _, commands = plan(memory, goal(campaign_status="canceled", status="canceled"), CONFIG, T)
    (comment,) = [c for c in commands if c.action == "comment"]
    assert "is now canceled in HubSpot (was planned)" in comment.payload["text"]


def test_the_first_sight_of_a_campaign_is_no_change_to_comment_on() -> None:
    _, commands = plan(SyncMemory(), goal(), CONFIG, T)
    assert "comment" not in [c.action for c in commands]


def test_an_item_that_stops_being_top_level_loses_the_link() -> None:
    memory, _ = plan(SyncMemory(), goal(), CONFIG, T)
    only_story = [ItemBrief(key="WEB-2", summary="Story", done=True, leaf=True, top_level=True)]
    _, commands = plan(memory, goal(items=only_story), CONFIG, T)
    assert ("jira", "remove_remote_link", "WEB-1") in actions(commands)
    assert ("jira", "remote_link", "WEB-2") in actions(commands)


def test_without_a_hubspot_url_the_link_leads_to_the_goals_page() -> None:
    _, commands = plan(SyncMemory(), goal(campaign_url=None), CONFIG, T)
    assert commands[0].payload["url"] == "https://tandem.acme.test/goals/c1"


def test_the_launch_field_is_set_when_configured_with_what_tandem_wrote_before() -> None:
    config = SyncConfig(launch_field="customfield_10050")
    memory, commands = plan(SyncMemory(), goal(), config, T)
    (field,) = [c for c in commands if c.action == "set_launch_field"]
    assert field.payload == {"field": "customfield_10050", "value": "2027-02-15", "previous": None}
    _, moved = plan(memory, goal(launch="2027-03-01"), config, T)
    (field,) = [c for c in moved if c.action == "set_launch_field"]
    assert field.payload["previous"] == "2027-02-15"


def test_each_kind_of_write_can_be_switched_off() -> None:
    off = SyncConfig(remote_links=False, comments=False, hubspot_status=False)
    memory, commands = plan(SyncMemory(), goal(), off, T)
    assert commands == [] and plan(memory, goal(launch="2027-03-01"), off, T)[1] == []


def test_hubspot_hears_the_status_progress_forecast_and_the_goals_page() -> None:
    odds = Odds(key="k", horizon="2029-01-01", words="About a 40 % chance of being ready for the 15 Feb 2027 launch; …")
    _, commands = plan(SyncMemory(), goal(open_signals={"date_conflict": "warning"}, odds=odds), CONFIG, T)
    values = commands[-1].payload["values"]
    assert values == {
        "status": "at_risk",
        "items_done": "1",
        "items_total": "2",
        "size_done": "5",
        "size_total": "8",
        "forecast": "2027-02-18",
        "odds": "About a 40 % chance of being ready for the 15 Feb 2027 launch; …",
        "launch": "2027-02-15",
        "open_signals": "date_conflict",
        "dashboard": "https://tandem.acme.test/goals/c1",
    }


def test_a_title_without_a_launch_says_so() -> None:
    assert link_title(goal(launch=None, campaign_status=None)) == (
        "HubSpot campaign: Spring Launch 2027 (no status, launch no date)"
    )
