"""The leadership digest: when it is due (weekly or monthly), once per period, and what it says — counts and
their trend, goals that slipped or recovered and why, wins with the people who made them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.records import CampaignSnapshot, GoalMessage, Notification, Person, PortfolioGoal, WorkItemSnapshot
from streams.rules.config import RuleConfig
from streams.rules.goal_steps import apply_campaign, apply_message, evaluate
from streams.rules.leadership import (
    LeadershipConfig,
    leader_key,
    leader_messages,
    leader_update,
    leadership_digest_for,
    leadership_due,
    portfolio_goal,
    remember,
    scheduled_leadership,
)
from streams.state import GoalState, LeaderBrief, LeaderState
from tandem.people import Directory
from tests.builders import goal_summary

MONDAY_9 = datetime(2027, 1, 11, 9, tzinfo=UTC)
FEB_1_9 = datetime(2027, 2, 1, 9, tzinfo=UTC)  # the first Monday of February 2027
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
CONFIG = RuleConfig()
DANA = "dana@acme.test"
KEY = leader_key(DANA)
WEEKLY = LeadershipConfig(leaders=(DANA,))
MONTHLY = LeadershipConfig(leaders=(DANA,), cadence="monthly")
OLGA = Person(id="u-2", email="olga@acme.test", name="Olga Smirnova")
PAVEL = Person(id="u-9", name="Pavel")  # no address: still named among the contributors


def brief(campaign: str, status: str = "on_track", **fields: object) -> PortfolioGoal:
    values: dict = {"campaign": campaign, "name": campaign.title(), "status": status, "as_of": MONDAY_9}
    values.update(fields)
    return PortfolioGoal(**values)


def leader(*goals: PortfolioGoal, last_slot: datetime | None = None, **last: LeaderBrief) -> LeaderState:
    return LeaderState(
        leader=KEY,
        person=Person(id=DANA, email=DANA),
        goals={goal.campaign: goal for goal in goals},
        last_slot=last_slot,
        last_sent=last,
    )


def digest(
    state: LeaderState,
    now: datetime = MONDAY_9,
    config: LeadershipConfig = WEEKLY,
    directory: Directory | None = None,
) -> tuple[LeaderState, Notification | None]:
    return leadership_digest_for(state, now, CONFIG, config, directory or Directory())


# --- schedule ---------------------------------------------------------------------------------------


def test_a_weekly_leadership_digest_is_due_at_the_owners_digest_instant() -> None:
    assert leadership_due(MONDAY_9 - 7 * DAY, MONDAY_9, CONFIG, "weekly") == MONDAY_9


def test_a_weekly_leadership_digest_is_not_due_one_second_before_it() -> None:
    assert leadership_due(MONDAY_9 - 7 * DAY, MONDAY_9 - SECOND, CONFIG, "weekly") is None


def test_a_weekly_leadership_digest_follows_the_digest_day_hour_and_zone() -> None:
    config = RuleConfig(digest_day=4, digest_hour=16, timezone="Europe/Berlin")  # Friday 16:00 local
    assert scheduled_leadership(MONDAY_9, config, "weekly") == datetime(2027, 1, 8, 15, tzinfo=UTC)


def test_a_monthly_leadership_digest_is_due_on_the_first_digest_day_of_the_month() -> None:
    assert leadership_due(datetime(2027, 1, 4, 9, tzinfo=UTC), FEB_1_9, CONFIG, "monthly") == FEB_1_9


def test_a_monthly_leadership_digest_is_not_due_one_second_before_it() -> None:
    assert leadership_due(datetime(2027, 1, 4, 9, tzinfo=UTC), FEB_1_9 - SECOND, CONFIG, "monthly") is None


def test_a_monthly_leadership_digest_is_not_due_on_the_second_digest_day_of_the_month() -> None:
    assert leadership_due(FEB_1_9, FEB_1_9 + 7 * DAY, CONFIG, "monthly") is None


def test_a_monthly_leadership_digest_is_due_again_the_next_month() -> None:
    march_1 = datetime(2027, 3, 1, 9, tzinfo=UTC)  # the first Monday of March 2027
    assert leadership_due(FEB_1_9, march_1, CONFIG, "monthly") == march_1


def test_before_the_first_digest_day_of_a_month_the_latest_monthly_instant_is_last_months() -> None:
    assert scheduled_leadership(datetime(2027, 1, 3, 12, tzinfo=UTC), CONFIG, "monthly") == datetime(
        2026, 12, 7, 9, tzinfo=UTC
    )


def test_the_monthly_instant_is_at_the_digest_hour_in_the_configured_zone() -> None:
    config = RuleConfig(timezone="Europe/Berlin")
    assert scheduled_leadership(FEB_1_9, config, "monthly") == datetime(2027, 2, 1, 8, tzinfo=UTC)


def test_off_schedules_no_leadership_digest() -> None:
    assert leadership_due(None, MONDAY_9, CONFIG, "off") is None


# --- once per period --------------------------------------------------------------------------------


def test_a_leadership_digest_is_keyed_by_leader_and_period_start() -> None:
    _, sent = digest(leader(brief("c1")))
    assert sent is not None and sent.key == "leadership:dana@acme.test:2027-01-11"
    assert sent.kind == "leadership_digest" and [p.email for p in sent.recipients] == [DANA]


def test_a_leadership_digest_is_sent_on_the_first_tick_at_or_after_its_instant() -> None:
    state = leader(brief("c1"), last_slot=MONDAY_9 - 7 * DAY)
    _, early = digest(state, MONDAY_9 - SECOND)
    _, late = digest(state, MONDAY_9 + 3 * 3600 * SECOND)
    assert early is None and late is not None and late.at == MONDAY_9 + 3 * 3600 * SECOND


def test_nothing_is_sent_twice_in_a_period() -> None:
    state, first = digest(leader(brief("c1")))
    _, again = digest(state, MONDAY_9 + 6 * DAY)
    assert first is not None and again is None


def test_nothing_is_sent_twice_in_a_month() -> None:
    state, first = digest(leader(brief("c1")), FEB_1_9, MONTHLY)
    _, again = digest(state, FEB_1_9 + 14 * DAY, MONTHLY)
    assert first is not None and first.key.endswith(":2027-02-01") and again is None


def test_a_missed_period_sends_one_digest_for_the_latest() -> None:
    state = leader(brief("c1"), last_slot=MONDAY_9 - 21 * DAY)
    state, sent = digest(state, MONDAY_9 + DAY)
    _, again = digest(state, MONDAY_9 + 2 * DAY)
    assert sent is not None and sent.key.endswith(":2027-01-11") and again is None


def test_the_leader_is_named_and_addressed_as_tandem_people_says() -> None:
    directory = Directory({DANA: {"name": "Dana Reyes", "email": "dana.reyes@acme.test"}})
    _, sent = digest(leader(brief("c1")), directory=directory)
    assert sent is not None and [(p.name, p.email) for p in sent.recipients] == [("Dana Reyes", "dana.reyes@acme.test")]
    assert sent.key == "leadership:dana@acme.test:2027-01-11"


# --- who gets one -----------------------------------------------------------------------------------


def test_no_leaders_no_leadership_digest() -> None:
    _, sent = digest(leader(brief("c1")), config=LeadershipConfig())
    assert sent is None


def test_off_no_leadership_digest() -> None:
    _, sent = digest(leader(brief("c1")), config=LeadershipConfig(leaders=(DANA,), cadence="off"))
    assert sent is None


def test_a_former_leader_gets_no_leadership_digest() -> None:
    _, sent = digest(leader(brief("c1")), config=LeadershipConfig(leaders=("omar@acme.test",)))
    assert sent is None


def test_a_leader_with_no_goals_gets_no_leadership_digest() -> None:
    _, sent = digest(leader())
    assert sent is None


# --- counts and trend -------------------------------------------------------------------------------


def test_the_first_leadership_digest_counts_goals_by_status_without_a_trend() -> None:
    _, sent = digest(leader(brief("c1"), brief("c2", "at_risk"), brief("c3", "at_risk"), brief("c4", "done")))
    assert sent is not None and sent.leadership is not None
    assert [(c.status, c.count, c.previous) for c in sent.leadership.counts] == [
        ("on_track", 1, None),
        ("at_risk", 2, None),
        ("off_track", 0, None),
        ("done", 1, None),
        ("canceled", 0, None),
    ]
    assert sent.leadership.total == 4 and sent.leadership.previous_period is None


def test_counts_trend_against_the_last_leadership_digest() -> None:
    state = leader(
        brief("c1", "at_risk"),
        brief("c2", "at_risk"),
        brief("c3", "off_track"),
        last_slot=MONDAY_9 - 7 * DAY,
        c1=LeaderBrief(status="on_track"),
        c2=LeaderBrief(status="at_risk"),
        c9=LeaderBrief(status="canceled"),
    )
    _, sent = digest(state)
    assert sent is not None and sent.leadership is not None
    assert {c.status: (c.count, c.previous) for c in sent.leadership.counts} == {
        "on_track": (0, 1),
        "at_risk": (2, 1),
        "off_track": (1, 0),
        "done": (0, 0),
        "canceled": (0, 1),
    }
    assert sent.leadership.previous_period == "2027-01-04"


def test_the_next_digest_trends_against_what_this_one_said() -> None:
    state, _ = digest(leader(brief("c1")))
    state = state.derive(goals={"c1": brief("c1", "at_risk")})
    _, sent = digest(state, MONDAY_9 + 7 * DAY)
    assert sent is not None and sent.leadership is not None
    assert {c.status: (c.count, c.previous) for c in sent.leadership.counts}["at_risk"] == (1, 0)


# --- slipped and recovered --------------------------------------------------------------------------


def test_a_goal_whose_status_got_worse_slipped_with_why() -> None:
    goal = brief(
        "c1",
        "off_track",
        open_signals={"date_conflict": "critical", "stalled": "warning"},
        details={"date_conflict": "WEB-1 is due 2027-03-10, after the launch on 2027-03-01."},
    )
    state = leader(goal, last_slot=MONDAY_9 - 7 * DAY, c1=LeaderBrief(status="at_risk", open_signals=["stalled"]))
    _, sent = digest(state)
    assert sent is not None and sent.leadership is not None
    [move] = sent.leadership.slipped
    assert (move.campaign, move.before, move.after) == ("c1", "at_risk", "off_track")
    assert [(r.rule, r.severity, r.detail, r.resolved) for r in move.reasons] == [
        ("date_conflict", "critical", "WEB-1 is due 2027-03-10, after the launch on 2027-03-01.", False),
        ("stalled", "warning", "", False),
    ]
    assert sent.leadership.recovered == []


def test_a_goal_whose_status_got_better_recovered_with_the_signals_resolved() -> None:
    goal = brief("c1", "at_risk", open_signals={"stalled": "warning"}, details={"stalled": "No change for 8 days."})
    last = LeaderBrief(status="off_track", open_signals=["missed_launch", "stalled"])
    _, sent = digest(leader(goal, last_slot=MONDAY_9 - 7 * DAY, c1=last))
    assert sent is not None and sent.leadership is not None
    [move] = sent.leadership.recovered
    assert (move.before, move.after) == ("off_track", "at_risk")
    assert [(r.rule, r.resolved, r.detail) for r in move.reasons] == [
        ("missed_launch", True, ""),
        ("stalled", False, "No change for 8 days."),
    ]
    assert sent.leadership.slipped == []


def test_done_canceled_and_unchanged_goals_neither_slipped_nor_recovered() -> None:
    state = leader(
        brief("c1", "done"),
        brief("c2", "canceled"),
        brief("c3", "at_risk"),
        last_slot=MONDAY_9 - 7 * DAY,
        c1=LeaderBrief(status="at_risk"),
        c2=LeaderBrief(status="on_track"),
        c3=LeaderBrief(status="at_risk"),
    )
    _, sent = digest(state)
    assert sent is not None and sent.leadership is not None
    assert sent.leadership.slipped == [] and sent.leadership.recovered == []


def test_a_goal_new_since_the_last_digest_neither_slipped_nor_recovered() -> None:
    state = leader(brief("c1", "off_track"), last_slot=MONDAY_9 - 7 * DAY, c2=LeaderBrief(status="on_track"))
    _, sent = digest(state)
    assert sent is not None and sent.leadership is not None
    assert sent.leadership.slipped == [] and sent.leadership.recovered == []


# --- wins -------------------------------------------------------------------------------------------


def test_wins_since_the_last_digest_name_their_contributors() -> None:
    won = brief("c1", "done", won_at=MONDAY_9 - 3 * DAY, launch="2027-01-20", contributors=[PAVEL, OLGA, OLGA])
    directory = Directory({"u-9": {"name": "Pavel Novak"}})
    state = leader(won, last_slot=MONDAY_9 - 7 * DAY, c1=LeaderBrief(status="on_track"))
    _, sent = digest(state, directory=directory)
    assert sent is not None and sent.leadership is not None
    [win] = sent.leadership.wins
    assert (win.campaign, win.won_at, win.launch) == ("c1", MONDAY_9 - 3 * DAY, "2027-01-20")
    assert [p.name for p in win.contributors] == ["Olga Smirnova", "Pavel Novak"]


def test_a_win_is_told_once() -> None:
    state = leader(brief("c1", "done", won_at=MONDAY_9 - 3 * DAY), last_slot=MONDAY_9 - 7 * DAY)
    state, first = digest(state)
    _, second = digest(state, MONDAY_9 + 7 * DAY)
    assert first is not None and first.leadership is not None and len(first.leadership.wins) == 1
    assert second is not None and second.leadership is not None and second.leadership.wins == []


def test_a_win_that_reached_the_leader_after_the_last_digest_is_told_in_the_next() -> None:
    late = brief("c1", "done", won_at=MONDAY_9 - 7 * DAY - 60 * SECOND)  # won a minute before the last digest
    state = leader(late, last_slot=MONDAY_9 - 7 * DAY, c1=LeaderBrief(status="on_track"))
    _, sent = digest(state)
    assert sent is not None and sent.leadership is not None and [w.campaign for w in sent.leadership.wins] == ["c1"]


def test_the_first_digest_tells_the_wins_of_the_last_period_only() -> None:
    recent = brief("c1", "done", won_at=MONDAY_9 - 2 * DAY)
    old = brief("c2", "done", won_at=MONDAY_9 - 30 * DAY)
    _, sent = digest(leader(recent, old))
    assert sent is not None and sent.leadership is not None and [w.campaign for w in sent.leadership.wins] == ["c1"]


# --- the goal agent's side --------------------------------------------------------------------------


def test_every_leader_hears_of_a_goal_in_brief() -> None:
    config = LeadershipConfig(leaders=("Omar@Acme.test", DANA))
    messages, told = leader_messages([], config, "c1", brief("c1"), MONDAY_9)
    assert told == ["leader:dana@acme.test", "leader:omar@acme.test"]
    assert [(m.owner, m.person.email, m.portfolio is not None, m.goal) for m in messages] == [
        ("leader:dana@acme.test", DANA, True, None),
        ("leader:omar@acme.test", "omar@acme.test", True, None),
    ]


def test_no_leaders_hear_of_nothing() -> None:
    assert leader_messages([], LeadershipConfig(), "c1", brief("c1"), MONDAY_9) == ([], [])


def test_with_the_leadership_digest_off_leaders_hear_of_nothing() -> None:
    off = LeadershipConfig(leaders=(DANA,), cadence="off")
    assert leader_messages([], off, "c1", brief("c1"), MONDAY_9) == ([], [])


def test_a_gone_goal_and_a_former_leader_are_told_so() -> None:
    messages, told = leader_messages([KEY, "leader:omar@acme.test"], WEEKLY, "c1", None, MONDAY_9)
    assert told == [] and [(m.owner, m.portfolio) for m in messages] == [
        (KEY, None),
        ("leader:omar@acme.test", None),
    ]


def test_a_portfolio_goal_names_its_contributors_only_once_won() -> None:
    summary = goal_summary()
    assert portfolio_goal(summary, {}).contributors == []
    won = portfolio_goal(summary.derive(status="done", won_at=MONDAY_9), {})
    assert [p.email for p in won.contributors] == ["olga@acme.test", "olga@acme.test"]


def test_a_portfolio_goal_keeps_the_detail_of_open_signals_only() -> None:
    summary = goal_summary().derive(open_signals={"date_conflict": "warning"})
    goal = portfolio_goal(summary, {"date_conflict": "WEB-1 is due late.", "stalled": "stale"})
    assert goal.details == {"date_conflict": "WEB-1 is due late."} and goal.open_signals == {"date_conflict": "warning"}


def test_a_leader_remembers_each_goal_and_forgets_one_that_is_gone() -> None:
    [message] = leader_messages([], WEEKLY, "c1", brief("c1"), MONDAY_9)[0]
    state = remember(None, message)
    assert state.leader == KEY and list(state.goals) == ["c1"]
    [gone] = leader_messages([KEY], WEEKLY, "c1", None, MONDAY_9)[0]
    assert remember(state, gone).goals == {}


def _conflicted_goal() -> GoalState:
    """A goal whose only work item is due after launch: a date conflict opens when it is evaluated."""
    campaign = CampaignSnapshot(id="c1", name="Spring", source_updated_at=MONDAY_9, start_date="2027-03-01")
    state = apply_campaign(GoalState(campaign_id="c1"), campaign)
    item = WorkItemSnapshot(
        key="WEB-1",
        project="WEB",
        source_updated_at=MONDAY_9,
        status_category="new",
        due_date="2027-03-10",
        assignee=OLGA,
    )
    message = GoalMessage(kind="link", campaign="c1", work_item="WEB-1", item=item, seen_at=MONDAY_9)
    state, _ = apply_message(state, message, CONFIG)
    return state


def test_leaders_hear_why_each_signal_is_open_when_the_goal_changes() -> None:
    state, effects = evaluate(_conflicted_goal(), MONDAY_9, CONFIG, ready=True, hubspot_synced=True)
    messages, told = leader_update(state, effects.summary, MONDAY_9, WEEKLY, CONFIG, hubspot_synced=True)
    assert told == [KEY]
    [message] = messages
    assert message.portfolio is not None and message.portfolio.status == "at_risk"
    assert message.portfolio.details == {"date_conflict": "WEB-1 is due 2027-03-10, after the launch on 2027-03-01."}


def test_leaders_hear_nothing_when_the_goal_did_not_change() -> None:
    state, _ = evaluate(_conflicted_goal(), MONDAY_9, CONFIG, ready=True, hubspot_synced=True)
    state = state.derive(leaders=[KEY])
    assert leader_update(state, None, MONDAY_9 + DAY, WEEKLY, CONFIG, hubspot_synced=True) == ([], [KEY])


def test_a_new_leader_hears_of_a_goal_that_stands_still() -> None:
    state, _ = evaluate(_conflicted_goal(), MONDAY_9, CONFIG, ready=True, hubspot_synced=True)
    messages, told = leader_update(state, None, MONDAY_9 + DAY, WEEKLY, CONFIG, hubspot_synced=True)
    assert told == [KEY] and [m.portfolio.campaign for m in messages if m.portfolio] == ["c1"]


def test_a_goal_without_linked_work_is_taken_back_from_the_leaders() -> None:
    state = GoalState(campaign_id="c1", leaders=[KEY], evaluated_at=MONDAY_9)
    messages, told = leader_update(state, None, MONDAY_9, WEEKLY, CONFIG, hubspot_synced=True)
    assert told == [] and [(m.owner, m.portfolio) for m in messages] == [(KEY, None)]


def test_the_leaders_are_known_by_their_lowercase_email() -> None:
    assert LeadershipConfig(leaders=(" Dana@Acme.test ", DANA), cadence="monthly").keys == (KEY,)
