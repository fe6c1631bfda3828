"""The streaming join (docs/architecture.md): how an item learns its campaigns and tells parents, children and goals."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.records import ItemMessage, WorkItemSnapshot
from streams.rules.join import links_of, passed_down, reconcile, with_message, with_snapshot
from streams.rules.references import LinkingConfig
from streams.state import ItemState

AT = datetime(2027, 1, 4, 9, tzinfo=UTC)
CONFIG = LinkingConfig()


def snapshot(key: str = "WEB-2", **fields: object) -> WorkItemSnapshot:
    values: dict = {"key": key, "project": "WEB", "source_updated_at": AT, "summary": f"Work on {key}"}
    values.update(fields)
    return WorkItemSnapshot(**values)


def step(state: ItemState, change: WorkItemSnapshot | ItemMessage, suggestions: dict | None = None):
    after = with_snapshot(state, change) if isinstance(change, WorkItemSnapshot) else with_message(state, change)
    return reconcile(state, after, AT, CONFIG, suggestions)


def test_a_labelled_item_tells_the_goal_it_is_linked_explicitly() -> None:
    state, out = step(ItemState(key="WEB-2"), snapshot(labels=["campaign-c1"]))
    assert [(m.kind, m.campaign, m.link_kind, m.link_source) for m in out.goals] == [
        ("link", "c1", "explicit", "label")
    ]
    assert state.announced == {"c1": "explicit label "}


def test_an_item_registers_with_its_parent() -> None:
    _, out = step(ItemState(key="WEB-2"), snapshot(parent="WEB-1"))
    assert [(m.kind, m.target, m.child) for m in out.items] == [("child_added", "WEB-1", "WEB-2")]


def child_of_web1() -> ItemState:
    return ItemState(
        key="WEB-2",
        snapshot=snapshot(parent="WEB-1"),
        parent="WEB-1",
        inherited={"c1": "WEB-1"},
        announced={"c1": "inherited parent WEB-1"},
    )


def test_moving_to_another_parent_leaves_the_old_one_and_keeps_its_links_until_the_new_one_answers() -> None:
    """The new parent may serve the same campaign: unlinking now would restart the link's age."""
    state, out = step(child_of_web1(), snapshot(parent="WEB-9", source_updated_at=AT.replace(hour=10)))
    assert [(m.kind, m.target) for m in out.items] == [("child_removed", "WEB-1"), ("child_added", "WEB-9")]
    assert "unlink" not in [m.kind for m in out.goals]
    assert state.inherited == {"c1": "WEB-1"} and state.parent == "WEB-9"


def test_a_story_moved_to_another_epic_of_the_same_campaign_stays_linked_by_the_new_path() -> None:
    state, _ = step(child_of_web1(), snapshot(parent="WEB-9", source_updated_at=AT.replace(hour=10)))
    answer = ItemMessage(kind="inherit", target="WEB-2", sender="WEB-9", campaigns={"c1": "WEB-9"}, seen_at=AT)
    state, out = step(state, answer)
    assert [(m.kind, m.campaign, m.via) for m in out.goals] == [("link", "c1", "WEB-9")]
    assert state.announced == {"c1": "inherited parent WEB-9"}


def test_a_story_moved_to_an_epic_of_another_campaign_leaves_the_first_once_the_epic_answers() -> None:
    state, _ = step(child_of_web1(), snapshot(parent="WEB-9", source_updated_at=AT.replace(hour=10)))
    answer = ItemMessage(kind="inherit", target="WEB-2", sender="WEB-9", campaigns={"c2": "WEB-9"}, seen_at=AT)
    state, out = step(state, answer)
    assert [(m.kind, m.campaign) for m in out.goals] == [("link", "c2"), ("unlink", "c1")]


def test_moving_to_no_parent_drops_what_it_inherited_at_once() -> None:
    state, out = step(child_of_web1(), snapshot(parent=None, source_updated_at=AT.replace(hour=10)))
    assert [(m.kind, m.campaign) for m in out.goals] == [("unlink", "c1")]
    assert state.inherited == {} and state.parent is None


def test_a_new_child_receives_what_its_parent_passes_down() -> None:
    parent = ItemState(key="WEB-1", snapshot=snapshot("WEB-1"), claims={"c1": "campaign_notes"})
    _, out = step(parent, ItemMessage(kind="child_added", target="WEB-1", child="WEB-2", seen_at=AT))
    assert [(m.kind, m.target, m.sender, m.campaigns) for m in out.items] == [
        ("inherit", "WEB-2", "WEB-1", {"c1": "WEB-1"})
    ]


def test_a_claim_on_the_parent_is_passed_to_every_child() -> None:
    parent = ItemState(key="WEB-1", snapshot=snapshot("WEB-1"), children=["WEB-2", "WEB-3"])
    _, out = step(parent, ItemMessage(kind="claim", target="WEB-1", campaign="c1", source="campaign_notes", seen_at=AT))
    assert [(m.target, m.campaigns) for m in out.items] == [("WEB-2", {"c1": "WEB-1"}), ("WEB-3", {"c1": "WEB-1"})]
    assert [(m.campaign, m.link_kind, m.link_source) for m in out.goals] == [("c1", "explicit", "campaign_notes")]


def test_inherited_links_reach_grandchildren_with_the_ancestor_that_names_them() -> None:
    child = ItemState(key="WEB-2", snapshot=snapshot(parent="WEB-1"), parent="WEB-1", children=["WEB-5"])
    _, out = step(
        child, ItemMessage(kind="inherit", target="WEB-2", sender="WEB-1", campaigns={"c1": "WEB-1"}, seen_at=AT)
    )
    assert [(m.target, m.campaigns) for m in out.items] == [("WEB-5", {"c1": "WEB-1"})]
    assert [(m.campaign, m.link_kind, m.via) for m in out.goals] == [("c1", "inherited", "WEB-1")]


def test_a_late_message_from_a_former_parent_is_ignored() -> None:
    child = ItemState(key="WEB-2", snapshot=snapshot(parent="WEB-9"), parent="WEB-9")
    state, out = step(
        child, ItemMessage(kind="inherit", target="WEB-2", sender="WEB-1", campaigns={"c1": "WEB-1"}, seen_at=AT)
    )
    assert state.inherited == {} and out.goals == [] and out.items == []


def test_an_explicit_link_wins_over_an_inherited_one() -> None:
    state = ItemState(key="WEB-2", snapshot=snapshot(labels=["campaign-c1"]), inherited={"c1": "WEB-1"})
    assert links_of(state, CONFIG)["c1"].kind == "explicit"


def test_the_strongest_reference_names_the_link_source() -> None:
    state = ItemState(key="WEB-2", snapshot=snapshot(labels=["campaign-c1"]), claims={"c1": "campaign_notes"})
    assert links_of(state, CONFIG)["c1"].source == "label"


def test_a_deleted_item_unlinks_everywhere_and_passes_nothing_down() -> None:
    state = ItemState(
        key="WEB-1",
        snapshot=snapshot("WEB-1"),
        claims={"c1": "campaign_notes"},
        children=["WEB-2"],
        passed_down={"c1": "WEB-1"},
        announced={"c1": "explicit campaign_notes "},
    )
    state, out = step(state, snapshot("WEB-1", deleted=True, source_updated_at=AT.replace(hour=11)))
    assert [(m.kind, m.campaign) for m in out.goals] == [("unlink", "c1")]
    assert [(m.target, m.campaigns) for m in out.items] == [("WEB-2", {})]
    assert passed_down(state, CONFIG) == {}


def test_new_facts_of_a_linked_item_reach_its_goals() -> None:
    state, _ = step(ItemState(key="WEB-2"), snapshot(labels=["campaign-c1"]))
    _, out = step(
        state, snapshot(labels=["campaign-c1"], status_category="done", source_updated_at=AT.replace(hour=12))
    )
    assert [(m.kind, m.item.status_category if m.item else None) for m in out.goals] == [("link", "done")]


def test_an_unlinked_item_suggests_and_a_linked_one_withdraws() -> None:
    state, out = step(ItemState(key="WEB-2"), snapshot(summary="Spring launch hero"), {"c1": 0.92})
    assert [(m.kind, m.campaign, m.score) for m in out.goals] == [("suggest", "c1", 0.92)]
    _, out = step(state, snapshot(labels=["campaign-c2"], source_updated_at=AT.replace(hour=13)), {"c1": 0.92})
    assert sorted((m.kind, m.campaign) for m in out.goals) == [("link", "c2"), ("unsuggest", "c1")]


def test_unchanged_state_sends_nothing() -> None:
    state, _ = step(ItemState(key="WEB-2"), snapshot(labels=["campaign-c1"], parent="WEB-1"))
    _, out = step(state, ItemMessage(kind="rescore", target="WEB-2", seen_at=AT))
    assert out.items == [] and out.goals == []
