"""Records that must reach a vendor wait out its outage instead of being dead-lettered after a minute."""

from __future__ import annotations

from tenacity import AsyncRetrying, RetryCallState

from connectors.http.errors import RetryableApiError
from connectors.http.outage import MAX_PAUSE, give_up, pause, vendor_down
from connectors.notify.email import ChannelError


def state_after(error: BaseException, attempt: int, seconds: float) -> RetryCallState:
    state = RetryCallState(AsyncRetrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))
    state.outcome_timestamp = state.start_time + seconds
    return state


def channel_error_from(cause: BaseException) -> ChannelError:
    try:
        raise ChannelError("Jira comment on WEB-1: RetryableApiError: 503") from cause
    except ChannelError as exc:
        return exc


def test_a_vendor_that_is_down_is_waited_out_past_the_short_budget() -> None:
    stop = give_up(attempts=5, patience=3600, what="sync")
    assert stop(state_after(RetryableApiError("Jira answered 503", status=503), attempt=40, seconds=1800)) is False


def test_a_vendor_that_stays_down_past_the_patience_is_given_up() -> None:
    stop = give_up(attempts=5, patience=3600, what="sync")
    assert stop(state_after(RetryableApiError("Jira answered 503", status=503), attempt=61, seconds=3601)) is True


def test_other_transient_errors_keep_the_short_budget() -> None:
    stop = give_up(attempts=5, patience=3600, what="delivery")
    assert stop(state_after(ChannelError("SMTP mail.acme.test:25: timed out"), attempt=5, seconds=20)) is True
    assert stop(state_after(ChannelError("SMTP mail.acme.test:25: timed out"), attempt=4, seconds=20)) is False


def test_a_channel_error_caused_by_a_vendor_outage_counts_as_the_vendor_down() -> None:
    """The delivery's Jira and HubSpot channels wrap the sink's error; the cause says the vendor was down."""
    assert vendor_down(channel_error_from(RetryableApiError("HubSpot answered 502", status=502)))
    assert not vendor_down(channel_error_from(ValueError("no owner")))


def test_the_pause_while_a_vendor_is_down_grows_to_a_minute_and_no_more() -> None:
    wait = pause(multiplier=0.5, short_max=8.0)
    down = [wait(state_after(RetryableApiError("503", status=503), attempt=n, seconds=0)) for n in (20, 30)]
    other = [wait(state_after(ChannelError("timed out"), attempt=n, seconds=0)) for n in (20, 30)]
    assert all(8.0 < p <= MAX_PAUSE for p in down)
    assert all(p <= 8.0 for p in other)
