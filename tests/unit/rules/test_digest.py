"""The weekly digest: who gets one, when, and what changed."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.rules.config import RuleConfig
from streams.rules.digest import brief, changes, digest_for, goal_owners
from streams.state import OwnerState
from tandem.people import Directory
from tests.builders import MARIA

MONDAY_NINE = datetime(2027, 1, 11, 9, tzinfo=UTC)


def test_the_owners_of_a_goal_are_the_campaign_owner_and_the_top_level_owners(goal) -> None:
    assert sorted(goal_owners(goal)) == ["ivan@acme.test", "maria@acme.test"]


def test_a_digest_is_due_at_the_first_tick_after_monday_nine(goal) -> None:
    state = OwnerState(
        owner="maria@acme.test", person=MARIA, goals={"c1": goal}, last_slot=datetime(2027, 1, 4, 9, tzinfo=UTC)
    )
    _, early = digest_for(state, datetime(2027, 1, 11, 8, tzinfo=UTC), RuleConfig(), Directory())
    state, due = digest_for(state, MONDAY_NINE, RuleConfig(), Directory())
    assert early is None and due is not None
    assert due.key == "digest:maria@acme.test:2027-01-11" and [p.email for p in due.recipients] == ["maria@acme.test"]
    _, again = digest_for(state, datetime(2027, 1, 11, 10, tzinfo=UTC), RuleConfig(), Directory())
    assert again is None


def test_nobody_without_goals_gets_a_digest() -> None:
    _, none = digest_for(OwnerState(owner="x", person=MARIA), MONDAY_NINE, RuleConfig(), Directory())
    assert none is None


def test_changes_say_what_moved_since_the_last_digest(goal) -> None:
    before = brief(goal.derive(status="on_track", open_signals={}))
    assert changes({"c1": before}, {"c1": goal.derive(open_signals={"date_conflict": "warning"})}) == [
        "Spring Launch 2027: on track → at risk",
        "Spring Launch 2027: date conflict opened",
    ]


def test_a_new_goal_and_a_lost_one_are_changes(goal) -> None:
    assert changes({}, {"c1": goal}) == ["Spring Launch 2027: new goal, at risk"]
    assert changes({"c1": brief(goal)}, {}) == ["Spring Launch 2027: no longer one of your goals"]


def test_changes_say_how_the_odds_moved(goal) -> None:
    from streams.records import Odds

    def with_odds(p85: str, on_time: float):
        return goal.derive(odds=Odds(key=p85, horizon="2029-01-01", words="…", p85=p85, on_time=on_time))

    before = brief(with_odds("2027-02-10", 0.62))
    assert changes({"c1": before}, {"c1": with_odds("2027-02-19", 0.31)}) == [
        "Spring Launch 2027: 85 % likely by 10 Feb 2027 → 19 Feb 2027",
        "Spring Launch 2027: chance of being ready for launch 62 % → 31 %",
    ]


def test_a_goal_told_to_its_owner_changes_only_the_list_of_their_campaigns(goal) -> None:
    """The goal itself goes to its own entry (`owner_goal_key`): however many goals the owner has, telling
    them of one rewrites a list of ids, not every goal."""
    from streams.rules.digest import owner_goal_key, with_owner_goal

    state = OwnerState(owner="maria@acme.test", person=MARIA, campaigns=["c2"])
    state = with_owner_goal(state, MARIA, "c1", owned=True)
    assert state.campaigns == ["c1", "c2"] and state.goals == {}
    assert with_owner_goal(state, MARIA, "c2", owned=False).campaigns == ["c1"]
    assert owner_goal_key("maria@acme.test", "c1") != owner_goal_key("maria@acme.test", "c2")


def test_a_state_written_before_the_split_moves_its_goals_to_their_entries(goal) -> None:
    from streams.rules.digest import legacy_goals, with_owner_goal

    old = OwnerState(owner="maria@acme.test", person=MARIA, goals={"c1": goal})
    assert legacy_goals(old) == {"c1": goal}
    assert with_owner_goal(old, MARIA, "c2", owned=True).campaigns == ["c1", "c2"]


def test_the_digest_reads_the_goals_from_their_entries(goal) -> None:
    """The same digest as when the goals lived in the owner's state."""
    from streams.rules.digest import with_goals

    config, directory = RuleConfig(), Directory()
    last = datetime(2027, 1, 4, 9, tzinfo=UTC)
    whole = OwnerState(owner="maria@acme.test", person=MARIA, goals={"c1": goal}, last_slot=last)
    split = OwnerState(owner="maria@acme.test", person=MARIA, campaigns=["c1", "c9"], last_slot=last)
    _, before = digest_for(whole, MONDAY_NINE, config, directory)
    made, after = digest_for(with_goals(split, {"c1": goal, "c9": None}), MONDAY_NINE, config, directory)
    assert before is not None and after == before
    assert list(made.last_sent) == ["c1"]
