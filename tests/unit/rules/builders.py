"""Small builders for the rule tests: a goal is a campaign plus linked items, all times UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from streams.records import GoalSummary, ItemBrief, Person, SignalRecord
from streams.rules.audience import notification_for
from streams.rules.config import RuleConfig
from streams.rules.drift import Finding, evaluate
from streams.rules.goals import goal_facts
from streams.rules.model import CampaignView, GoalFacts, GoalView, ItemView
from tandem.people import Directory

T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)  # a Monday: the first link appears
LAUNCH = date(2027, 3, 1)
L = datetime(2027, 3, 1, tzinfo=UTC)  # the launch instant: midnight UTC of the launch date
CONFIG = RuleConfig()
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def item(
    key: str,
    *,
    parent: str | None = None,
    done: bool = False,
    size: float | None = None,
    due: date | None = None,
    linked_at: datetime = T0,
    changed: datetime | None = None,
    done_at: datetime | None = None,
    assignee: str | None = None,
    owner: str | None = None,
) -> ItemView:
    return ItemView(
        key=key,
        parent=parent,
        done=done,
        size=size,
        due_date=due,
        linked_at=linked_at,
        status_changed_at=changed,
        done_at=done_at,
        assignee=assignee,
        owner=owner if owner is not None else assignee,
    )


def goal(
    *items: ItemView,
    launch: date | None = LAUNCH,
    status: str | None = "planned",
    deleted: bool = False,
    known: bool = True,
    first_linked_at: datetime | None = T0,
    baseline: float | None = None,
    orphan_refs: frozenset[str] = frozenset(),
    campaign: str = "c1",
) -> GoalView:
    return GoalView(
        campaign=CampaignView(id=campaign, launch=launch, status=status, deleted=deleted, known=known),
        items={entry.key: entry for entry in items},
        first_linked_at=first_linked_at,
        baseline=baseline,
        orphan_refs=orphan_refs,
    )


def facts(view: GoalView, now: datetime, config: RuleConfig = CONFIG) -> GoalFacts:
    return goal_facts(view, now, config)


def judge(
    view: GoalView,
    now: datetime,
    config: RuleConfig = CONFIG,
    *,
    ready: bool = True,
    hubspot_synced: bool = True,
) -> dict[str, Finding]:
    """Every rule's finding for `view` at `now`."""
    return evaluate(view, goal_facts(view, now, config), now, config, ready=ready, hubspot_synced=hubspot_synced)


def _person(person_id: str | None) -> Person | None:
    return Person(id=person_id) if person_id else None


def summary(view: GoalView, facts: GoalFacts, campaign_owner: str | None, now: datetime = T0) -> GoalSummary:
    """The goal summary the goal agent would publish for `view`, as far as audiences need it."""
    return GoalSummary(
        campaign=view.campaign.id,
        name="",
        status="on_track",
        as_of=now,
        owner=_person(campaign_owner),
        items=[
            ItemBrief(
                key=key,
                summary="",
                done=entry.done,
                leaf=key in facts.leaves,
                top_level=key in facts.top_level,
                owner=_person(entry.owner),
                assignee=_person(entry.assignee),
            )
            for key, entry in sorted(view.items.items())
        ],
    )


def told(goal: GoalSummary, action: str, rule: str = "date_conflict", at: datetime = T0) -> list[str] | None:
    """Ids of everyone the notification of a signal `action` (or a win) goes to; None when it sends none."""
    record = SignalRecord(campaign=goal.campaign, rule=rule, action=action, at=at, episode=1, goal=goal)
    notification = notification_for(record, Directory())
    if notification is None:
        return None
    return sorted(person.id for person in [*notification.recipients, *notification.unreachable])
