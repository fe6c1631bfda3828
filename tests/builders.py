"""Records for tests that need a realistic goal: Spring Launch 2027 with its people and work."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.records import GoalSummary, ItemBrief, Person, Progress

T = datetime(2027, 1, 12, 10, tzinfo=UTC)
MARIA = Person(id="101", email="maria@acme.test", name="Maria Lopez")
IVAN = Person(id="u-1", email="ivan@acme.test", name="Ivan Petrov")
OLGA = Person(id="u-2", email="olga@acme.test", name="Olga Smirnova")


def goal_summary() -> GoalSummary:
    """An at-risk goal: an epic owned by Ivan over two stories of Olga's, one done; Maria owns the campaign."""
    return GoalSummary(
        campaign="c1",
        name="Spring Launch 2027",
        status="at_risk",
        as_of=T,
        launch="2027-02-15",
        owner=MARIA,
        campaign_url="https://app.hubspot.com/marketing/4242/campaigns/details/c1",
        progress=Progress(items_done=1, items_total=2, size_done=5.0, size_total=8.0),
        items=[
            ItemBrief(
                key="WEB-1",
                summary="Landing page",
                done=False,
                leaf=False,
                top_level=True,
                owner=IVAN,
                assignee=IVAN,
                url="https://acme.atlassian.net/browse/WEB-1",
                due_date="2027-02-20",
            ),
            ItemBrief(key="WEB-2", summary="Hero", done=True, leaf=True, top_level=False, owner=OLGA, assignee=OLGA),
            ItemBrief(key="WEB-3", summary="Signup", done=False, leaf=True, top_level=False, owner=OLGA, assignee=OLGA),
        ],
    )
