"""HubSpot's limits on the connector health page and in its API: daily count, reserve, and holds."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.status import PollTally
from streams.records import SourceHealth
from streams.web import shapes
from streams.web.pages import environment
from streams.web.portfolio import Portfolio

AT = datetime(2027, 3, 9, 20, 0, tzinfo=UTC)
REASON = "480 of HubSpot's daily 250,000 requests left, kept for write-back and alerts"


def held_portfolio() -> Portfolio:
    portfolio = Portfolio()
    portfolio.sources["hubspot"] = SourceHealth(
        system="hubspot",
        worker="w1",
        reported_at=AT,
        enabled=True,
        synced=True,
        held_until=datetime(2027, 3, 10, tzinfo=UTC),
        held_reason=REASON,
        daily_limit=250_000,
        daily_remaining=480,
        daily_reserve=500,
    )
    return portfolio


def test_the_health_api_says_what_is_left_today_and_until_when_polling_is_held() -> None:
    """HubSpot reports its daily limit and what is left of it on every answer
    (https://developers.hubspot.com/docs/api/usage-details); the health API passes both on with the hold."""
    hubspot = shapes.health(held_portfolio(), True, 0)["sources"][0]
    assert (hubspot["daily_limit"], hubspot["daily_remaining"], hubspot["daily_reserve"]) == (250_000, 480, 500)
    assert hubspot["held_until"] == "2027-03-10T00:00:00Z" and hubspot["held_reason"] == REASON


def test_the_health_page_shows_the_daily_count_and_the_hold() -> None:
    page = (
        environment()
        .get_template("health.html.j2")
        .render(
            health=shapes.health(held_portfolio(), True, 0),
            request_path="/health",
            access=None,
            csrf=None,
            outbox=False,
            as_of=AT,
            ready=True,
        )
    )
    assert "Today: 480 of 250,000 left, 500 kept for write-back" in page
    assert "held until" in page and "kept for write-back and alerts" in page


def test_a_held_poll_is_no_error_and_is_news_once_per_reason() -> None:
    tally = PollTally()
    assert tally.paused("daily limit spent") is True
    assert tally.paused("daily limit spent") is False
    assert (tally.polls, tally.errors, tally.held) == (2, 0, "daily limit spent")
    tally.succeeded()
    assert tally.held is None
