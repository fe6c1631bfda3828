"""Which delivery units go out, and which are left alone after an interrupted send."""

from __future__ import annotations

from connectors.notify.resend import channel_of, next_step


def test_a_unit_never_tried_is_sent() -> None:
    assert next_step(None, "email") == "send"


def test_a_sent_unit_is_not_sent_again() -> None:
    assert next_step("sent", "slack:WEB") == "skip"


def test_a_unit_that_failed_for_good_is_not_retried_by_a_repeat() -> None:
    assert next_step("failed", "email") == "skip"


def test_a_unit_already_marked_unknown_stays_unknown() -> None:
    assert next_step("unknown", "email") == "skip"


def test_an_interrupted_email_is_sent_again_since_its_message_id_folds_a_repeat() -> None:
    assert next_step("sending", "email") == "send"
    assert next_step("sending", "email:maria@acme.test") == "send"


def test_an_interrupted_slack_post_is_marked_unknown() -> None:
    assert next_step("sending", "slack:marketing") == "mark_unknown"


def test_an_interrupted_hubspot_task_is_sent_again_since_the_sink_looks_for_its_marker_first() -> None:
    assert next_step("sending", "hubspot_task:0b6e1b6e") == "send"


def test_an_interrupted_jira_comment_is_sent_again_since_its_marker_stops_a_repeat() -> None:
    assert next_step("sending", "jira_comment:WEB-1") == "send"


def test_the_channel_is_the_part_of_the_unit_before_the_colon() -> None:
    assert [channel_of(u) for u in ("email", "slack:WEB", "jira_comment:WEB-1")] == ["email", "slack", "jira_comment"]
