"""Records for tests that need a realistic goal: Spring Launch 2027 with its people and work."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.records import (
    GoalSummary,
    ItemBrief,
    LeadershipReport,
    Notification,
    Person,
    PortfolioCount,
    PortfolioMove,
    PortfolioReason,
    PortfolioWin,
    Progress,
)

T = datetime(2027, 1, 12, 10, tzinfo=UTC)
MARIA = Person(id="101", email="maria@acme.test", name="Maria Lopez")
IVAN = Person(id="u-1", email="ivan@acme.test", name="Ivan Petrov")
OLGA = Person(id="u-2", email="olga@acme.test", name="Olga Smirnova")
DANA = Person(id="dana@acme.test", email="dana@acme.test", name="Dana Reyes")  # a director


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


HUBSPOT = "https://app.hubspot.com/marketing/4242/campaigns/details/"


def leadership(**fields: object) -> Notification:
    """Dana's weekly leadership digest: one goal slipped, one recovered, one won; `fields` change the report."""
    values: dict = {
        "cadence": "weekly",
        "period_start": "2027-01-11",
        "previous_period": "2027-01-04",
        "total": 4,
        "counts": [
            PortfolioCount(status="on_track", count=1, previous=2),
            PortfolioCount(status="at_risk", count=2, previous=2),
            PortfolioCount(status="off_track", count=0, previous=1),
            PortfolioCount(status="done", count=1, previous=0),
            PortfolioCount(status="canceled", count=0, previous=0),
        ],
        "slipped": [
            PortfolioMove(
                campaign="c1",
                name="Spring Launch 2027",
                before="on_track",
                after="at_risk",
                campaign_url=HUBSPOT + "c1",
                reasons=[
                    PortfolioReason(
                        rule="date_conflict",
                        severity="warning",
                        detail="WEB-1 is due 2027-03-10, after the launch on 2027-03-01.",
                    )
                ],
            )
        ],
        "recovered": [
            PortfolioMove(
                campaign="c3",
                name="Autumn Sale",
                before="off_track",
                after="at_risk",
                campaign_url=HUBSPOT + "c3",
                reasons=[
                    PortfolioReason(rule="missed_launch", resolved=True),
                    PortfolioReason(rule="stalled", severity="warning", detail="No change for 8 days."),
                ],
            )
        ],
        "wins": [
            PortfolioWin(
                campaign="c2",
                name="Winter Webinar",
                won_at=datetime(2027, 1, 7, 10, tzinfo=UTC),
                launch="2027-01-20",
                campaign_url=HUBSPOT + "c2",
                contributors=[IVAN, OLGA],
            )
        ],
    }
    values.update(fields)
    return Notification(
        key="leadership:dana@acme.test:2027-01-11",
        kind="leadership_digest",
        at=datetime(2027, 1, 11, 9, tzinfo=UTC),
        recipients=[DANA],
        leadership=LeadershipReport(**values),
    )
