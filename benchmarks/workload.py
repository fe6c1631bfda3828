"""A synthetic company for the pipeline benchmarks: campaigns, the Jira work linked to them, unlinked work,
and a deterministic stream of changes to both — as the normalised snapshots the connectors produce
(`streams.records`), so the benchmarks feed the pipeline's topics directly.

Each goal is one campaign with `items_per_goal` work items: an epic labelled `campaign-<id>`, stories under
it (inherited links) and one unlinked item (what suggestions score against every campaign name). Owners
and assignees are fixed pools: a larger company has more goals per person, the harder case for digests.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from streams.records import CampaignSnapshot, Person, WorkItemSnapshot

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
PROJECTS = ("WEB", "APP", "OPS", "DATA", "MOB", "PAY", "SRCH", "CORE", "INFRA", "GROW")
SEASONS = ("Spring", "Summer", "Autumn", "Winter", "Holiday", "Back to School", "Black Friday", "New Year")
PRODUCTS = ("Trail Shoes", "Rain Jacket", "Camp Stove", "Kids Line", "Loyalty", "Gift Cards", "Outlet", "Bikes")
CHANNELS = ("Launch", "Email Push", "Social", "Webinar", "Retail Event", "Partner Promo", "Sale", "Teaser")
WORK = (
    "Fix flaky login",
    "Upgrade payment SDK",
    "Refactor search index",
    "Speed up checkout API",
    "Audit logs",
    "Migrate queue consumers",
    "Cache product images",
    "Rotate service keys",
    "Tune database pool",
    "Remove legacy feature flags",
    "Harden webhook retries",
    "Split monolith module",
)
STATUSES = (("To Do", "new"), ("In Progress", "indeterminate"), ("Done", "done"))
SIZES = (1.0, 2.0, 3.0, 5.0, 8.0)
OWNERS = 50
USERS = 200

# change kinds and their shares of a change stream (`Workload.changes`)
MIX = (
    ("story_status", 0.55),
    ("story_due", 0.12),
    ("story_size", 0.08),
    ("campaign_launch", 0.1),
    ("unlinked_summary", 0.12),
    ("campaign_rename", 0.03),
)


def campaign_id(goal: int) -> str:
    return str(uuid.UUID(int=goal + 1))


def owner(n: int) -> Person:
    return Person(id=str(100 + n), name=f"Owner {n}", email=f"owner{n}@acme.test")


def user(n: int) -> Person:
    return Person(id=f"u-{n}", name=f"User {n}", email=f"user{n}@acme.test")


def campaign_name(goal: int) -> str:
    rng = random.Random(goal)
    return f"{rng.choice(SEASONS)} {rng.choice(PRODUCTS)} {rng.choice(CHANNELS)} {2027 + goal % 3} #{goal}"


@dataclass
class Workload:
    """`goals` campaigns with `items_per_goal` work items each (≥ 3: an epic, stories, one unlinked item)."""

    goals: int
    items_per_goal: int = 10
    seed: int = 2027
    campaigns: dict[str, CampaignSnapshot] = field(default_factory=dict)
    items: dict[str, WorkItemSnapshot] = field(default_factory=dict)
    clock: datetime = START

    def __post_init__(self) -> None:
        if self.items_per_goal < 3:
            raise ValueError("a goal needs at least an epic, a story and an unlinked item")

    @property
    def stories_per_goal(self) -> int:
        return self.items_per_goal - 2

    def item_key(self, goal: int, index: int) -> str:
        """Item `index` (0: the epic, 1..stories: stories, last: the unlinked item) of `goal`."""
        n = goal * self.items_per_goal + index
        project = PROJECTS[n % len(PROJECTS)]
        return f"{project}-{n // len(PROJECTS) + 1}"

    def campaign(self, goal: int) -> CampaignSnapshot:
        rng = random.Random(self.seed * 1_000_003 + goal)
        launch = START + timedelta(days=20 + rng.randrange(180))
        return CampaignSnapshot(
            id=campaign_id(goal),
            name=campaign_name(goal),
            source_updated_at=START - timedelta(days=1),
            start_date=launch.date().isoformat(),
            end_date=(launch + timedelta(days=30)).date().isoformat(),
            status="planned",
            owner=owner(goal % OWNERS),
            notes="",
            url=f"https://app.hubspot.com/marketing/4242/campaigns/details/{campaign_id(goal)}",
        )

    def goal_items(self, goal: int) -> list[WorkItemSnapshot]:
        rng = random.Random(self.seed * 7_000_003 + goal)
        launch = self.campaign(goal).start_date or ""
        at = START - timedelta(days=1)
        epic = self.item_key(goal, 0)
        found = [
            WorkItemSnapshot(
                key=epic,
                project=epic.split("-")[0],
                source_updated_at=at,
                issue_type="Epic",
                summary=f"Engineering for {campaign_name(goal)}",
                status="In Progress",
                status_category="indeterminate",
                labels=[f"campaign-{campaign_id(goal)}"],
                assignee=user(rng.randrange(USERS)),
                project_lead=user(0),
                url=f"https://acme.atlassian.net/browse/{epic}",
            )
        ]
        for index in range(1, self.stories_per_goal + 1):
            key = self.item_key(goal, index)
            status, category = rng.choice(STATUSES)
            found.append(
                WorkItemSnapshot(
                    key=key,
                    project=key.split("-")[0],
                    source_updated_at=at,
                    issue_type="Story",
                    summary=f"Story {index} of {epic}",
                    status=status,
                    status_category=category,
                    status_changed_at=at - timedelta(days=rng.randrange(20)),
                    parent=epic,
                    assignee=user(rng.randrange(USERS)),
                    project_lead=user(0),
                    due_date=launch if rng.random() < 0.5 else None,
                    size=rng.choice(SIZES),
                    url=f"https://acme.atlassian.net/browse/{key}",
                )
            )
        loose = self.item_key(goal, self.items_per_goal - 1)
        found.append(
            WorkItemSnapshot(
                key=loose,
                project=loose.split("-")[0],
                source_updated_at=at,
                issue_type="Task",
                summary=f"{rng.choice(WORK)} ({loose})",
                status="To Do",
                status_category="new",
                assignee=user(rng.randrange(USERS)),
                project_lead=user(0),
                url=f"https://acme.atlassian.net/browse/{loose}",
            )
        )
        return found

    def load(self, first: int = 0) -> Iterator[tuple[str, str, bytes]]:
        """(topic name, key, value) of goals `first`..`goals`-1: campaigns first, then their work (epics before
        stories, as a backfill reads them); the snapshots are remembered for the changes."""
        for goal in range(first, self.goals):
            campaign = self.campaign(goal)
            self.campaigns[campaign.id] = campaign
            yield "campaigns", campaign.id, campaign.dumps()
        for goal in range(first, self.goals):
            for item in self.goal_items(goal):
                self.items[item.key] = item
                yield "workitems", item.key, item.dumps()

    def grow(self, goals: int) -> Iterator[tuple[str, str, bytes]]:
        """The records that take the company from its current size to `goals` goals."""
        first, self.goals = self.goals, goals
        return self.load(first)

    def changes(self, count: int, seed: int, goals: int | None = None) -> list[tuple[str, str, bytes, str]]:
        """`count` changes (topic, key, value, kind) to goals 0..`goals`-1 (all by default), in the shares of
        `MIX`, each a full snapshot one second after the one before."""
        rng = random.Random(seed)
        kinds = [kind for kind, _ in MIX]
        weights = [share for _, share in MIX]
        limit = goals or self.goals
        found = []
        for _ in range(count):
            self.clock += timedelta(seconds=1)
            kind = rng.choices(kinds, weights)[0]
            goal = rng.randrange(limit)
            found.append((*self._change(kind, goal, rng), kind))
        return found

    def _change(self, kind: str, goal: int, rng: random.Random) -> tuple[str, str, bytes]:
        at = self.clock
        if kind.startswith("campaign"):
            campaign = self.campaigns[campaign_id(goal)]
            if kind == "campaign_launch":
                launch = START + timedelta(days=20 + rng.randrange(180))
                campaign = campaign.derive(source_updated_at=at, start_date=launch.date().isoformat())
            else:
                campaign = campaign.derive(source_updated_at=at, name=f"{campaign_name(goal)} v{rng.randrange(99)}")
            self.campaigns[campaign.id] = campaign
            return "campaigns", campaign.id, campaign.dumps()
        if kind == "unlinked_summary":
            item = self.items[self.item_key(goal, self.items_per_goal - 1)]
            target = rng.randrange(self.goals)
            summary = (
                f"Landing page for {self.campaigns[campaign_id(target)].name}"  # reads like a campaign: a suggestion
                if rng.random() < 0.5
                else f"{rng.choice(WORK)} ({item.key})"
            )
            item = item.derive(source_updated_at=at, summary=summary)
        else:
            item = self.items[self.item_key(goal, 1 + rng.randrange(self.stories_per_goal))]
            if kind == "story_status":
                status, category = rng.choice([s for s in STATUSES if s[0] != item.status])
                item = item.derive(source_updated_at=at, status=status, status_category=category, status_changed_at=at)
            elif kind == "story_due":
                launch = datetime.fromisoformat(self.campaigns[campaign_id(goal)].start_date or "2027-06-01")
                due = launch + timedelta(days=rng.randrange(-20, 20))
                item = item.derive(source_updated_at=at, due_date=due.date().isoformat())
            else:
                item = item.derive(source_updated_at=at, size=rng.choice([s for s in SIZES if s != item.size]))
        self.items[item.key] = item
        return "workitems", item.key, item.dumps()
