"""The goal agent's decisions: links, suggestions, commands, and what an evaluation publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.records import CampaignSnapshot, GoalMessage, Person, WorkItemSnapshot, identity
from streams.rules.config import RuleConfig
from streams.rules.goal_steps import apply_campaign, apply_message, arrival_links, evaluate
from streams.state import GoalState

AT = datetime(2027, 1, 4, 9, tzinfo=UTC)
CONFIG = RuleConfig()
CAMPAIGN = "c1"


def campaign(**fields: object) -> CampaignSnapshot:
    values: dict = {
        "id": CAMPAIGN,
        "name": "Spring Launch",
        "source_updated_at": AT,
        "start_date": "2027-03-01",
        "owner": Person(id="101", email="maria@acme.test"),
    }
    values.update(fields)
    return CampaignSnapshot(**values)


def item(key: str = "WEB-1", **fields: object) -> WorkItemSnapshot:
    values: dict = {
        "key": key,
        "project": "WEB",
        "source_updated_at": AT,
        "summary": key,
        "status_category": "new",
        "assignee": Person(id="u-1", email="ivan@acme.test"),
    }
    values.update(fields)
    return WorkItemSnapshot(**values)


def link(
    key: str = "WEB-1",
    kind: str = "explicit",
    source: str = "label",
    at: datetime = AT,
    via: str | None = None,
    **fields: object,
):
    return GoalMessage(
        kind="link",
        campaign=CAMPAIGN,
        work_item=key,
        item=item(key, **fields),
        link_kind=kind,
        link_source=source,
        via=via,
        seen_at=at,
    )


def goal() -> GoalState:
    return apply_campaign(GoalState(campaign_id=CAMPAIGN), campaign())


def test_a_new_link_is_announced_once() -> None:
    state, effects = apply_message(goal(), link(), CONFIG)
    assert [(e.work_item, e.action, e.kind, e.source) for e in effects.links] == [
        ("WEB-1", "added", "explicit", "label")
    ]
    _, effects = apply_message(state, link(status_category="done"), CONFIG)
    assert effects.links == []


def test_a_link_changing_kind_is_removed_and_added_again() -> None:
    state, _ = apply_message(goal(), link(kind="inherited", source="parent"), CONFIG)
    _, effects = apply_message(state, link(), CONFIG)
    assert [(e.action, e.kind) for e in effects.links] == [("removed", "inherited"), ("added", "explicit")]


def test_a_link_by_another_path_keeps_its_age_and_says_it_moved() -> None:
    """A story moved between two epics of one campaign never stopped serving it: `stalled` must not see a
    link made just now."""
    state, _ = apply_message(goal(), link(kind="inherited", source="parent", via="WEB-1"), CONFIG)
    moved = link(kind="inherited", source="parent", via="WEB-9", at=AT + timedelta(days=5))
    state, effects = apply_message(state, moved, CONFIG)
    assert [(e.action, e.via) for e in effects.links] == [("moved", "WEB-9")]
    assert state.items["WEB-1"].linked_at == AT and state.items["WEB-1"].via == "WEB-9"


def test_work_naming_a_campaign_hubspot_does_not_have_links_to_nothing() -> None:
    """Until HubSpot has the campaign, the reference is orphan work: no link event, no goal on the dashboard."""
    unknown = GoalState(campaign_id=CAMPAIGN)
    state, effects = apply_message(unknown, link(), CONFIG)
    assert effects.links == []
    _, effects = apply_message(
        state, GoalMessage(kind="unlink", campaign=CAMPAIGN, work_item="WEB-1", seen_at=AT), CONFIG
    )
    assert effects.links == []


def test_the_links_appear_when_hubspot_first_has_the_campaign() -> None:
    before, _ = apply_message(GoalState(campaign_id=CAMPAIGN), link(), CONFIG)
    after = apply_campaign(before, campaign())
    assert [(e.work_item, e.action) for e in arrival_links(before, after, AT)] == [("WEB-1", "added")]
    assert arrival_links(after, apply_campaign(after, campaign(name="Renamed")), AT) == []


def test_a_goal_without_its_campaign_is_marked_unknown() -> None:
    state, _ = apply_message(GoalState(campaign_id=CAMPAIGN), link(), CONFIG)
    _, effects = evaluate(state, AT, CONFIG, ready=True, hubspot_synced=True)
    assert effects.summary is not None and not effects.summary.known


def test_the_first_link_time_is_kept_across_updates() -> None:
    state, _ = apply_message(goal(), link(), CONFIG)
    state, _ = apply_message(state, link(at=AT + timedelta(days=2)), CONFIG)
    assert state.first_linked_at == AT and state.items["WEB-1"].linked_at == AT


def test_unlink_removes_the_item() -> None:
    state, _ = apply_message(goal(), link(), CONFIG)
    state, effects = apply_message(
        state, GoalMessage(kind="unlink", campaign=CAMPAIGN, work_item="WEB-1", seen_at=AT), CONFIG
    )
    assert state.items == {} and [e.action for e in effects.links] == ["removed"]


def test_a_rejected_suggestion_is_not_proposed_again() -> None:
    suggest = GoalMessage(kind="suggest", campaign=CAMPAIGN, work_item="APP-9", score=0.9, seen_at=AT)
    state, _ = apply_message(goal(), suggest, CONFIG)
    state, _ = apply_message(
        state, GoalMessage(kind="reject", campaign=CAMPAIGN, work_item="APP-9", seen_at=AT), CONFIG
    )
    state, _ = apply_message(state, suggest, CONFIG)
    assert state.suggestions["APP-9"].state == "rejected"


def test_confirming_a_suggestion_asks_jira_for_the_label() -> None:
    state, _ = apply_message(
        goal(), GoalMessage(kind="suggest", campaign=CAMPAIGN, work_item="APP-9", score=0.9, seen_at=AT), CONFIG
    )
    state, effects = apply_message(
        state,
        GoalMessage(kind="confirm", campaign=CAMPAIGN, work_item="APP-9", seen_at=AT, requested_by="maria"),
        CONFIG,
    )
    assert state.suggestions["APP-9"].state == "confirmed"
    assert [(c.system, c.action, c.target, c.idempotency_key) for c in effects.sync] == [
        ("jira", "add_label", "APP-9", f"confirm:{CAMPAIGN}:APP-9")
    ]


def test_rebaselining_is_recorded_with_the_previous_baseline() -> None:
    state, _ = apply_message(goal(), link(size=5.0), CONFIG)
    state = state.derive(baseline=3.0)
    state, _ = apply_message(
        state, GoalMessage(kind="rebaseline", campaign=CAMPAIGN, seen_at=AT, requested_by="ivan"), CONFIG
    )
    assert state.baseline == 5.0
    assert [(r.previous, r.baseline, r.requested_by) for r in state.rebaselines] == [(3.0, 5.0, "ivan")]


def test_nothing_opens_before_both_sources_synced_but_the_baseline_is_still_built() -> None:
    state, _ = apply_message(goal(), link(due_date="2027-04-01", size=3.0), CONFIG)
    later = AT + timedelta(days=8)
    state, effects = evaluate(state, later, CONFIG, ready=False, hubspot_synced=False)
    assert effects.signals == [] and state.signals == {} and state.baseline == 3.0


def test_a_date_conflict_opens_with_its_episode_and_the_goal_in_it() -> None:
    state, _ = apply_message(goal(), link(due_date="2027-04-01"), CONFIG)
    state, effects = evaluate(state, AT, CONFIG, ready=True, hubspot_synced=True)
    assert [(s.rule, s.action, s.severity, s.episode) for s in effects.signals] == [
        ("date_conflict", "opened", "warning", 1)
    ]
    assert effects.signals[0].goal is not None and effects.signals[0].goal.status == "at_risk"
    assert state.episodes == {"date_conflict": 1}


def test_the_summary_is_published_only_when_it_changed() -> None:
    state, _ = apply_message(goal(), link(), CONFIG)
    state, first = evaluate(state, AT, CONFIG, ready=True, hubspot_synced=True)
    _, second = evaluate(state, AT + timedelta(minutes=5), CONFIG, ready=True, hubspot_synced=True)
    assert first.summary is not None and second.summary is None


def test_a_win_is_announced_once_when_everything_is_done_before_launch() -> None:
    state, _ = apply_message(goal(), link(status_category="done", status_changed_at=AT), CONFIG)
    state, effects = evaluate(state, AT, CONFIG, ready=True, hubspot_synced=True)
    assert [(s.rule, s.action) for s in effects.signals] == [("win", "win")]
    _, effects = evaluate(state, AT + timedelta(hours=1), CONFIG, ready=True, hubspot_synced=True)
    assert effects.signals == []


def test_a_person_is_one_identity_across_tools_by_email() -> None:
    assert identity(Person(id="101", email="Maria@Acme.test")) == identity(Person(id="u-7", email="maria@acme.test"))
    assert identity(Person(id="u-3")) == "u-3"


def test_the_owner_told_of_orphan_work_hears_it_resolved_once_the_label_is_gone() -> None:
    """The signal closes because the reference went: the work item then names no campaign, yet its owner,
    who had the opened notice and the reminders, is the one to tell."""
    from streams.rules.audience import notification_for
    from tandem.people import Directory

    state, _ = apply_message(GoalState(campaign_id=CAMPAIGN), link(), CONFIG)
    state, opened = evaluate(state, AT, CONFIG, ready=True, hubspot_synced=True)
    assert [(s.rule, s.action) for s in opened.signals] == [("orphan_work", "opened")]
    unlink = GoalMessage(kind="unlink", campaign=CAMPAIGN, work_item="WEB-1", seen_at=AT + timedelta(days=1))
    state, _ = apply_message(state, unlink, CONFIG)
    _, closed = evaluate(state, AT + timedelta(days=1), CONFIG, ready=True, hubspot_synced=True)
    (signal,) = closed.signals
    assert (signal.rule, signal.action) == ("orphan_work", "closed")
    notification = notification_for(signal, Directory())
    assert notification is not None and notification.kind == "resolved"
    assert [p.email for p in notification.recipients] == ["ivan@acme.test"]


# --- the forecast with odds ---------------------------------------------------------------------------


def working_goal() -> GoalState:
    """Two points done yesterday, four open; launch 1 Mar 2027."""
    state, _ = apply_message(
        goal(), link("WEB-1", size=2, status_category="done", status_changed_at=AT - timedelta(days=1)), CONFIG
    )
    state, _ = apply_message(state, link("WEB-2", size=4), CONFIG)
    return state


def test_the_summary_carries_the_forecast_with_odds_in_words() -> None:
    _, effects = evaluate(working_goal(), AT, CONFIG, ready=True, hubspot_synced=True)
    odds = effects.summary.odds if effects.summary else None
    assert odds is not None and odds.p50 is not None and odds.p50 <= odds.p85 <= odds.p95  # type: ignore[operator]
    assert (
        odds.words.startswith("About a ") and "of being ready for the 1 Mar 2027 launch; 85 % likely by" in odds.words
    )


def test_without_finished_work_the_goal_says_there_is_no_forecast_yet() -> None:
    state, _ = apply_message(goal(), link(), CONFIG)
    _, effects = evaluate(state, AT, CONFIG, ready=True, hubspot_synced=True)
    assert effects.summary is not None and effects.summary.odds is not None
    assert effects.summary.odds.words == "No work finished in the last 14 days, so no forecast yet."
    assert effects.summary.odds.on_time == 0.0


def test_the_forecast_is_simulated_again_only_when_its_inputs_change(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.rules import goal_steps

    calls = []
    simulate = goal_steps.monte_carlo
    monkeypatch.setattr(goal_steps, "monte_carlo", lambda *a, **k: calls.append(a) or simulate(*a, **k))
    state, _ = evaluate(working_goal(), AT, CONFIG, ready=True, hubspot_synced=True)
    state, _ = evaluate(state, AT + timedelta(hours=5), CONFIG, ready=True, hubspot_synced=True)  # same day
    assert len(calls) == 1
    state, _ = evaluate(state, AT + timedelta(days=1), CONFIG, ready=True, hubspot_synced=True)  # the window moves
    assert len(calls) == 2
    state, _ = apply_message(state, link("WEB-2", size=5), CONFIG)  # the open work grows
    evaluate(state, AT + timedelta(days=1, hours=1), CONFIG, ready=True, hubspot_synced=True)
    assert len(calls) == 3


def test_a_replayed_goal_gets_the_same_odds() -> None:
    first = evaluate(working_goal(), AT, CONFIG, ready=True, hubspot_synced=True)[1].summary
    again = evaluate(working_goal(), AT, CONFIG, ready=True, hubspot_synced=True)[1].summary
    assert first is not None and again is not None and first.odds == again.odds


def test_a_canceled_goal_has_no_forecast() -> None:
    state = apply_campaign(working_goal(), campaign(status="canceled"))
    _, effects = evaluate(state, AT, CONFIG, ready=True, hubspot_synced=True)
    assert effects.summary is not None and effects.summary.odds is None


def test_a_done_goal_keeps_its_odds_from_day_to_day() -> None:
    """Nothing to simulate: the summary must not change (and be published again) only because a day passed."""
    state, _ = apply_message(goal(), link(status_category="done", status_changed_at=AT), CONFIG)
    state, first = evaluate(state, AT, CONFIG, ready=True, hubspot_synced=True)
    _, later = evaluate(state, AT + timedelta(days=3), CONFIG, ready=True, hubspot_synced=True)
    assert first.summary is not None and first.summary.odds is not None and first.summary.odds.done
    assert later.summary is None  # unchanged
