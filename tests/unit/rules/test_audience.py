"""Who hears of what (docs/rules.md Alerts)."""

from __future__ import annotations

import pytest

from streams.records import Person, SignalRecord
from streams.rules.audience import audience, notification_for, win_people
from tandem.people import Directory
from tests.builders import IVAN, MARIA, T
from tests.unit.rules.builders import DAY, T0, L, facts, item, summary, told
from tests.unit.rules.builders import goal as goal_view


def signal(goal, action: str = "opened", rule: str = "date_conflict", **fields) -> SignalRecord:
    return SignalRecord(
        campaign="c1", rule=rule, action=action, at=T, episode=1, severity="warning", goal=goal, **fields
    )


def test_an_alert_goes_to_the_campaign_owner_and_the_top_level_owners(goal) -> None:
    n = notification_for(signal(goal), Directory())
    assert n is not None and [p.email for p in n.recipients] == ["ivan@acme.test", "maria@acme.test"]


def test_a_closed_signal_is_announced_as_resolved(goal) -> None:
    n = notification_for(signal(goal, "closed"), Directory())
    assert n is not None and n.kind == "resolved"


def test_lowered_severity_and_supersession_send_nothing(goal) -> None:
    assert notification_for(signal(goal, "deescalated"), Directory()) is None
    assert notification_for(signal(goal, "superseded"), Directory()) is None


def test_a_win_goes_to_everyone_whose_work_shipped_and_names_the_contributors(goal) -> None:
    n = notification_for(signal(goal, "win", rule="win"), Directory())
    assert n is not None and n.kind == "win" and n.key == "win:c1"
    assert [p.email for p in n.recipients] == ["ivan@acme.test", "maria@acme.test", "olga@acme.test"]
    assert [p.email for p in n.contributors] == ["olga@acme.test"]


def test_orphan_work_goes_to_the_work_items_owners_alone(goal) -> None:
    n = notification_for(signal(goal, rule="orphan_work"), Directory())
    assert n is not None and "maria@acme.test" not in [p.email for p in n.recipients]


def test_each_signal_action_has_its_own_idempotency_key(goal) -> None:
    keys = {notification_for(signal(goal, action), Directory()).key for action in ("opened", "escalated", "closed")}
    assert len(keys) == 3


def test_reminders_are_keyed_by_their_number(goal) -> None:
    first = notification_for(signal(goal, "reminder", reminder=1), Directory())
    second = notification_for(signal(goal, "reminder", reminder=2), Directory())
    assert first.key != second.key


def test_a_person_known_to_both_tools_is_one_recipient() -> None:
    reachable, _ = audience([Person(id="101", email="Ivan@Acme.test"), IVAN], Directory())
    assert len(reachable) == 1


def test_people_without_an_email_are_reported_not_dropped() -> None:
    reachable, unreachable = audience([MARIA, Person(id="u-9", name="Kim")], Directory())
    assert [p.id for p in reachable] == ["101"] and [p.id for p in unreachable] == ["u-9"]


def test_the_directory_gives_an_address_to_someone_the_tools_lack() -> None:
    reachable, unreachable = audience([Person(id="u-9", name="Kim")], Directory({"u-9": {"email": "kim@acme.test"}}))
    assert [p.email for p in reachable] == ["kim@acme.test"] and unreachable == []


def test_the_directory_knows_slack_handles_by_id_or_email() -> None:
    directory = Directory({"u-1": {"slack": "@ivan"}, "maria@acme.test": {"slack": "@maria"}})
    assert directory.slack_handle(IVAN) == "@ivan" and directory.slack_handle(MARIA) == "@maria"


# --- who hears of a signal, at the level of the rules' view of a goal -----------------------------


def _epic_goal():
    return goal_view(
        item("EPIC", assignee="u-3"),
        item("S1", parent="EPIC", assignee="u-2", done=True, done_at=T0 + DAY),
        item("S2", parent="EPIC", assignee="u-1", done=True, done_at=L - DAY),
        item("SOLO", assignee="u-2"),
    )


@pytest.mark.parametrize(
    ("action", "kind"),
    [("opened", "opened"), ("escalated", "escalated"), ("reminder", "reminder"), ("closed", "resolved")],
)
def test_signal_events_send_their_alert(goal, action: str, kind: str) -> None:
    n = notification_for(signal(goal, action), Directory())
    assert n is not None and n.kind == kind


def test_alerts_go_to_the_campaign_owner_and_the_top_level_owners_sorted_once_each() -> None:
    view = _epic_goal()
    assert told(summary(view, facts(view, T0), "u-2"), "opened") == ["u-2", "u-3"]


def test_alerts_go_to_the_top_level_owners_when_the_campaign_has_no_owner() -> None:
    view = _epic_goal()
    assert told(summary(view, facts(view, T0), None), "closed") == ["u-2", "u-3"]


def test_orphan_work_alerts_only_the_work_items_owner() -> None:
    view = goal_view(item("APP-9", assignee="u-9"), known=False)
    assert told(summary(view, facts(view, T0), "101"), "opened", "orphan_work") == ["u-9"]


def test_top_level_owners_fall_back_to_the_project_lead() -> None:
    view = goal_view(
        item("EPIC", assignee=None, owner="lead-1"),
        item("S1", parent="EPIC", assignee="u-2"),
        item("SOLO", assignee="u-3"),
    )
    assert told(summary(view, facts(view, T0), None), "opened") == ["lead-1", "u-3"]


def test_win_goes_to_the_campaign_owner_top_level_owners_and_leaf_assignees() -> None:
    view = _epic_goal()
    assert told(summary(view, facts(view, L), "101"), "win", "win") == ["101", "u-1", "u-2", "u-3"]


def test_win_names_the_assignees_of_the_leaves_as_contributors() -> None:
    view = goal_view(
        item("EPIC", assignee="u-1"),
        item("S1", parent="EPIC", assignee="u-2", done=True),
        item("S2", parent="EPIC", assignee="u-3", done=True),
    )
    _, contributors = win_people(summary(view, facts(view, L), "101"))
    assert sorted(p.id for p in contributors if p) == ["u-2", "u-3"]
