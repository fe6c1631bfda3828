"""`tandem doctor`'s verdicts, read from what the vendors answered (the calls themselves are tested against
the sandboxes in `tests/integration/doctor/`)."""

from __future__ import annotations

from typing import Any

from connectors.http.errors import CredentialsRejected, RequestRejected
from connectors.http.redact import register_secret
from connectors.jira.webhook_registration import EVENTS, NAME
from tandem.doctor import (
    Check,
    hubspot_refusal,
    project_check,
    public_url_check,
    story_points_check,
    summary,
    webhook_check,
)
from tandem.settings import load_settings

HOOK = "https://tandem.acme.com/webhooks/jira"


def hook(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": NAME,
        "url": HOOK,
        "events": list(EVENTS),
        "filters": {"issue-related-events-section": "project in (WEB, APP)"},
        "enabled": True,
        "self": "https://acme.atlassian.net/rest/webhooks/1.0/webhook/1",
    }
    return {**base, **overrides}


def test_a_webhook_sending_every_event_of_the_watched_projects_to_the_public_url_passes() -> None:
    check = webhook_check([hook()], HOOK, ["WEB", "APP"])
    assert check.status == "ok" and HOOK in check.detail


def test_a_webhook_url_matches_with_or_without_a_trailing_slash() -> None:
    assert webhook_check([hook(url=HOOK + "/")], HOOK, ["WEB"]).status == "ok"


def test_tandem_s_webhook_pointing_elsewhere_is_named_with_where_it_points() -> None:
    check = webhook_check([hook(url="https://old.acme.com/webhooks/jira")], HOOK, ["WEB"])
    assert check.failed
    assert "https://old.acme.com/webhooks/jira" in check.detail and "tandem jira register-webhook" in check.detail


def test_a_disabled_webhook_fails_saying_where_to_enable_it() -> None:
    check = webhook_check([hook(enabled=False)], HOOK, ["WEB"])
    assert check.failed and "disabled" in check.detail and "WebHooks" in check.detail


def test_a_webhook_without_one_of_tandem_s_events_names_the_missing_event() -> None:
    check = webhook_check([hook(events=["jira:issue_created"])], HOOK, ["WEB"])
    assert check.failed and "comment_created" in check.detail


def test_a_webhook_filter_leaving_out_a_watched_project_names_the_project() -> None:
    check = webhook_check([hook(filters={"issue-related-events-section": "project = WEB"})], HOOK, ["WEB", "APP"])
    assert check.failed and "leaves out APP" in check.detail


def test_a_project_key_inside_another_key_does_not_count_as_covered() -> None:
    check = webhook_check([hook(filters={"issue-related-events-section": "project = WEBSHOP"})], HOOK, ["WEB"])
    assert check.failed and "leaves out WEB" in check.detail


def test_story_points_found_by_name_say_which_field_and_that_the_setting_differs() -> None:
    fields = [{"id": "customfield_10028", "name": "Story Points", "custom": True}]
    check = story_points_check(fields, "customfield_10016")
    assert check.status == "ok" and "customfield_10028" in check.detail and "found by name" in check.detail


def test_no_story_points_field_fails_saying_what_to_set() -> None:
    check = story_points_check([{"id": "summary", "name": "Summary", "custom": False}], "customfield_10016")
    assert check.failed and "TANDEM_JIRA_STORY_POINTS_FIELD" in check.detail


def test_a_project_jira_answers_404_for_names_the_browse_permission() -> None:
    check = project_check("OPS", RequestRejected("no project", status=404), "tandem@acme.com")
    assert check.failed and "'Browse projects'" in check.detail and "TANDEM_JIRA_PROJECTS" in check.detail


def test_a_hubspot_403_names_the_scope_the_call_needs() -> None:
    check = hubspot_refusal(CredentialsRejected("forbidden", status=403), "HubSpot owners", "crm.objects.owners.read")
    assert check.failed and "crm.objects.owners.read" in check.detail


def test_webhooks_on_with_a_plain_http_public_url_fails_asking_for_https() -> None:
    settings = load_settings(jira_webhook_secret="whsec-0123456789abcdef", public_url="http://tandem.acme.com")
    check = public_url_check(settings)
    assert check.failed and "https" in check.detail


def test_webhooks_off_is_not_a_problem() -> None:
    settings = load_settings(jira_webhook_secret=None, hubspot_webhook_secret=None, public_url=None)
    assert public_url_check(settings).status == "off"


def test_a_line_never_shows_a_registered_secret() -> None:
    register_secret("pat-na1-doctor-secret-0000")
    line = Check("fail", "HubSpot token", "refused pat-na1-doctor-secret-0000").line()
    assert "pat-na1-doctor-secret-0000" not in line


def test_the_summary_counts_the_problems() -> None:
    checks = [Check("ok", "a", ""), Check("fail", "b", ""), Check("fail", "c", ""), Check("note", "d", "")]
    assert summary(checks) == "2 problems to fix (the FAIL lines above say how)."
    assert summary([Check("ok", "a", "")]) == "All is well: 1 check passed."
    assert summary([Check("ok", "a", ""), Check("ok", "b", "")]) == "All is well: 2 checks passed."
