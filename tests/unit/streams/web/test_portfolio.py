"""The read model every worker keeps: goals filtered, sorted and paged; history, signals and notifications
per goal, bounded; the week-by-week trend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from streams.records import (
    DeliveryOutcome,
    GoalSummary,
    HistoryPoint,
    ItemBrief,
    Notification,
    Person,
    Progress,
    SignalRecord,
)
from streams.web.portfolio import MAX_EPISODES, MAX_NOTIFICATIONS, GoalFilter, Portfolio

T = datetime(2027, 3, 1, 9, tzinfo=UTC)
MARIA = Person(id="101", email="maria@acme.test", name="Maria Lopez")
IVAN = Person(id="u-1", email="ivan@acme.test", name="Ivan Petrov")


def goal(
    campaign: str, name: str, status: str = "on_track", launch: str | None = "2027-04-01", **fields
) -> GoalSummary:
    return GoalSummary(
        campaign=campaign,
        name=name,
        status=status,
        as_of=fields.pop("as_of", T),
        launch=launch,
        owner=fields.pop("owner", MARIA),
        progress=fields.pop("progress", Progress(items_done=1, items_total=2, size_done=3, size_total=6)),
        items=fields.pop(
            "items", [ItemBrief(key="WEB-1", summary="Epic", done=False, leaf=False, top_level=True, owner=IVAN)]
        ),
        **fields,
    )


def portfolio(*goals: GoalSummary) -> Portfolio:
    found = Portfolio()
    for g in goals:
        found.take_goal(g.campaign, g)
    return found


def test_a_tombstone_removes_the_goal() -> None:
    found = portfolio(goal("c1", "Spring"))
    found.take_goal("c1", None)
    assert found.goals == {}


def test_counts_list_every_status_even_when_none_has_it() -> None:
    found = portfolio(goal("c1", "A", "at_risk"), goal("c2", "B", "at_risk"), goal("c3", "C", "done"))
    assert found.counts() == {"on_track": 0, "at_risk": 2, "off_track": 0, "done": 1, "canceled": 0}


def test_goals_of_campaigns_hubspot_does_not_know_are_kept_apart() -> None:
    found = portfolio(goal("c1", "Spring"), goal("c9", "", known=False))
    assert [g.campaign for g in found.known_goals()] == ["c1"]
    assert [g.campaign for g in found.unknown_campaign_work()] == ["c9"]
    assert sum(found.counts().values()) == 1


def test_goals_needing_attention_come_first() -> None:
    found = portfolio(goal("c1", "A", "done"), goal("c2", "B", "off_track"), goal("c3", "C", "at_risk"))
    assert [g.campaign for g in found.goal_page(GoalFilter()).items] == ["c2", "c3", "c1"]


def test_goals_sort_by_launch_with_undated_ones_last_and_reverse() -> None:
    found = portfolio(
        goal("c1", "A", launch="2027-05-01"), goal("c2", "B", launch=None), goal("c3", "C", launch="2027-04-01")
    )
    assert [g.campaign for g in found.goal_page(GoalFilter(), "launch").items] == ["c3", "c1", "c2"]
    assert [g.campaign for g in found.goal_page(GoalFilter(), "launch", "desc").items] == ["c2", "c1", "c3"]


def test_goals_sort_by_progress() -> None:
    low = Progress(items_done=0, items_total=4, size_done=1, size_total=10)
    found = portfolio(goal("c1", "A"), goal("c2", "B", progress=low))
    assert [g.campaign for g in found.goal_page(GoalFilter(), "progress").items] == ["c2", "c1"]


def test_goals_filter_by_status() -> None:
    found = portfolio(goal("c1", "A", "at_risk"), goal("c2", "B"))
    assert [g.campaign for g in found.goal_page(GoalFilter(status="at_risk")).items] == ["c1"]


def test_goals_filter_by_an_owner_on_either_side_by_email_id_or_name() -> None:
    tom = Person(id="102", email="tom@acme.test", name="Tom Berg")
    found = portfolio(goal("c1", "A"), goal("c2", "B", owner=tom, items=[]))
    for wanted in ("ivan@acme.test", "u-1", "petrov", "IVAN"):
        assert [g.campaign for g in found.goal_page(GoalFilter(owner=wanted)).items] == ["c1"]
    assert [g.campaign for g in found.goal_page(GoalFilter(owner="tom@acme.test")).items] == ["c2"]


def test_goals_filter_by_a_launch_window_leaving_out_undated_ones() -> None:
    found = portfolio(
        goal("c1", "A", launch="2027-03-10"), goal("c2", "B", launch="2027-04-10"), goal("c3", "C", launch=None)
    )
    window = GoalFilter(launch_from=date(2027, 4, 1), launch_to=date(2027, 4, 30))
    assert [g.campaign for g in found.goal_page(window).items] == ["c2"]


def test_goals_come_in_pages() -> None:
    found = portfolio(*(goal(f"c{i:02}", f"Goal {i:02}") for i in range(30)))
    second = found.goal_page(GoalFilter(), "name", page=2, per_page=25)
    assert (second.total, second.pages, len(second.items)) == (30, 2, 5)
    assert second.items[0].name == "Goal 25"


def test_the_owners_list_names_everyone_once() -> None:
    found = portfolio(goal("c1", "A"), goal("c2", "B"))
    assert [p.email for p in found.owners()] == ["ivan@acme.test", "maria@acme.test"]


def point(campaign: str, day: str, status: str, done: float = 0) -> HistoryPoint:
    return HistoryPoint(campaign=campaign, day=day, at=T, status=status, size_done=done, size_total=6)


def test_the_days_last_point_wins() -> None:
    found = Portfolio()
    found.take_history(point("c1", "2027-03-01", "on_track", 1))
    found.take_history(point("c1", "2027-03-01", "at_risk", 2))
    assert [(p.status, p.size_done) for p in found.points("c1")] == [("at_risk", 2)]


def test_the_trend_counts_each_goal_by_its_status_at_the_end_of_each_week() -> None:
    found = portfolio(goal("c1", "A", as_of=T + timedelta(days=14)), goal("c2", "B", as_of=T + timedelta(days=14)))
    found.take_history(point("c1", "2027-03-01", "on_track"))
    found.take_history(point("c1", "2027-03-09", "at_risk"))
    found.take_history(point("c2", "2027-03-12", "off_track"))
    trend = dict(found.trend(weeks=3))
    assert trend["2027-03-01"]["on_track"] == 1 and trend["2027-03-01"]["off_track"] == 0
    assert trend["2027-03-08"]["on_track"] == 1
    assert trend["2027-03-15"] == {"on_track": 0, "at_risk": 1, "off_track": 1, "done": 0, "canceled": 0}


def test_the_trend_starts_with_the_first_week_that_had_a_goal() -> None:
    found = portfolio(goal("c1", "A", as_of=T + timedelta(days=7)))
    found.take_history(point("c1", "2027-03-08", "on_track"))
    assert [day for day, _ in found.trend(weeks=8)] == ["2027-03-08"]


def signal(action: str, episode: int = 1, rule: str = "stalled", at: datetime = T, **fields) -> SignalRecord:
    return SignalRecord(campaign="c1", rule=rule, action=action, at=at, episode=episode, **fields)


def test_a_signal_episode_runs_from_opening_to_closing_with_its_highest_severity() -> None:
    found = Portfolio()
    found.take_signal(signal("opened", severity="warning", max_severity="warning", detail="no moves"))
    found.take_signal(signal("escalated", at=T + timedelta(days=1), severity="critical", max_severity="critical"))
    found.take_signal(signal("reminder", at=T + timedelta(days=3), severity="critical", reminder=1))
    found.take_signal(signal("closed", at=T + timedelta(days=4), severity="critical"))
    (episode,) = found.signals_of("c1")
    assert (episode.opened_at, episode.closed_at, episode.ended) == (T, T + timedelta(days=4), "closed")
    assert (episode.max_severity, episode.reminders, episode.detail) == ("critical", 1, "no moves")


def test_open_signals_come_before_past_ones() -> None:
    found = Portfolio()
    found.take_signal(signal("opened", rule="date_conflict", at=T))
    found.take_signal(signal("opened", rule="stalled", at=T - timedelta(days=9)))
    found.take_signal(signal("closed", rule="stalled", at=T - timedelta(days=2)))
    assert [(e.rule, e.open) for e in found.signals_of("c1")] == [("date_conflict", True), ("stalled", False)]


def test_a_goal_keeps_a_bounded_number_of_signal_episodes() -> None:
    found = Portfolio()
    for episode in range(MAX_EPISODES + 10):
        found.take_signal(signal("opened", episode=episode + 1))
    assert len(found.signals_of("c1")) == MAX_EPISODES


def notification(key: str, at: datetime = T, campaign: str | None = "c1") -> Notification:
    return Notification(key=key, kind="opened", at=at, campaign=campaign, rule="stalled", recipients=[MARIA])


def test_a_notification_shows_how_far_each_delivery_got_whichever_came_first() -> None:
    found = Portfolio()
    found.take_delivery(DeliveryOutcome(key="k1", unit="email", state="sent", at=T))
    found.take_notification(notification("k1"))
    found.take_delivery(DeliveryOutcome(key="k1", unit="slack:WEB", state="failed", at=T, error="500"))
    (told,) = found.notifications_of("c1")
    assert {unit: o.state for unit, o in told.units.items()} == {"email": "sent", "slack:WEB": "failed"}


def test_notifications_come_newest_first_and_digests_stand_apart() -> None:
    found = Portfolio()
    found.take_notification(notification("old", T))
    found.take_notification(notification("new", T + timedelta(hours=1)))
    found.take_notification(notification("digest", T, campaign=None))
    assert [t.key for t in found.notifications_of("c1")] == ["new", "old"]
    assert [t.key for t in found.notifications_of(None)] == ["digest"]


def test_a_goal_keeps_a_bounded_number_of_notifications_and_their_deliveries() -> None:
    found = Portfolio()
    for index in range(MAX_NOTIFICATIONS + 5):
        found.take_notification(notification(f"k{index}", T + timedelta(minutes=index)))
    assert len(found.notifications_of("c1")) == MAX_NOTIFICATIONS
    assert "k0" not in found.outcomes and f"k{MAX_NOTIFICATIONS + 4}" in found.outcomes
