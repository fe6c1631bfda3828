"""Jira Cloud answers every call Tandem makes (`JiraApi`) in the shape Atlassian's OpenAPI file describes.

Reads run with `TANDEM_LIVE_JIRA_URL`, `TANDEM_LIVE_JIRA_EMAIL` and `TANDEM_LIVE_JIRA_API_TOKEN`; writes only
into the issue named by `TANDEM_LIVE_SCRATCH_JIRA_ISSUE` (labels, a comment, a remote link, a date field) and
an admin webhook pointing at `TANDEM_LIVE_SCRATCH_JIRA_WEBHOOK_URL`, each undone afterwards. Every answer
passes through the validating proxy (`tests/live/proxy.py`) and `sandbox.jira.conformance.JiraConformance`;
`assert_conformant` fails on any that broke `sandbox/specs/jira/platform-v3.json`. The admin webhook resource
is not part of that description (Atlassian publishes it only as prose), so its answers are checked here by
the fields Tandem reads. Which test covers which method: `tests/live/coverage.py`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from connectors.http.errors import CredentialsRejected
from connectors.jira.normalise import search_fields, story_points_field
from tests.live.conftest import LiveJira, live, scratch

pytestmark = pytest.mark.live

MARKER = "tandem-live-contract-test"
RECENT = "updated >= -3650d ORDER BY updated DESC"
"""Jira Cloud's search refuses an unbounded query ("Unbounded JQL queries are not allowed here"); a time
restriction bounds it (https://github.com/raycast/extensions/pull/21429)."""


def _document(text: str) -> dict[str, Any]:
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


async def _project_key(jira: LiveJira) -> str:
    """The project to read: `TANDEM_LIVE_JIRA_PROJECT`, else the scratch issue's, else the latest issue's."""
    given = live("TANDEM_LIVE_JIRA_PROJECT")
    if given:
        return given
    issue = live("TANDEM_LIVE_SCRATCH_JIRA_ISSUE")
    if issue:
        return str((await jira.api.issue(issue, ["project"]))["fields"]["project"]["key"])
    page = await jira.api.search(RECENT, ["project"], None, 1)
    if not page.get("issues"):
        pytest.skip("the Jira site has no issue the account can see (set TANDEM_LIVE_JIRA_PROJECT)")
    return str(page["issues"][0]["fields"]["project"]["key"])


async def _an_issue(jira: LiveJira, fields: list[str]) -> dict[str, Any]:
    key = await _project_key(jira)
    page = await jira.api.search(f"project = {key} ORDER BY updated DESC", fields, None, 1)
    if not page.get("issues"):
        pytest.skip(f"the Jira project {key} has no issue to read")
    issue: dict[str, Any] = page["issues"][0]
    return issue


async def _fields(jira: LiveJira) -> list[str]:
    points = story_points_field(await jira.api.fields(), jira.settings.jira_story_points_field)
    return search_fields(points, None)


async def test_the_credentials_are_accepted_and_the_account_is_read(live_jira: LiveJira) -> None:
    api = live_jira.api
    await api.connect()
    me = await api.myself()
    assert me["accountId"]
    assert await api.account_id() == me["accountId"]
    live_jira.assert_conformant()


async def test_the_site_s_fields_are_listed_with_ids_and_names(live_jira: LiveJira) -> None:
    fields = await live_jira.api.fields()
    assert {"summary", "status", "labels"} <= {f["id"] for f in fields}
    live_jira.assert_conformant()


async def test_a_watched_project_is_read_by_key(live_jira: LiveJira) -> None:
    key = await _project_key(live_jira)
    project = await live_jira.api.project(key)
    assert project["key"] == key
    live_jira.assert_conformant()


async def test_issues_are_searched_page_by_page_with_the_next_page_token(live_jira: LiveJira) -> None:
    api = live_jira.api
    key = await _project_key(live_jira)
    fields = await _fields(live_jira)
    jql = f"project = {key} ORDER BY updated DESC"
    page = await api.search(jql, fields, None, 2)
    assert isinstance(page["issues"], list)
    if page.get("nextPageToken"):
        following = await api.search(jql, fields, str(page["nextPageToken"]), 2)
        assert isinstance(following["issues"], list)
    assert live_jira.answered("POST", "/rest/api/3/search/jql") or live_jira.answered("GET", "/rest/api/3/search/jql")
    live_jira.assert_conformant()


async def test_one_issue_is_read_with_the_fields_tandem_reads(live_jira: LiveJira) -> None:
    fields = await _fields(live_jira)
    found = await _an_issue(live_jira, ["summary"])
    issue = await live_jira.api.issue(found["key"], fields)
    assert issue["key"] == found["key"] and "status" in issue["fields"]
    live_jira.assert_conformant()


async def test_an_issue_tandem_wrote_lately_is_named_by_id_for_reconcile_issues(live_jira: LiveJira) -> None:
    """`reconcileIssues` takes numeric ids: an issue Tandem wrote but has not read yet is read once by key
    (`GET issue?fields=id`) to learn its id. Read-only: the write is only recorded, not made."""
    found = await _an_issue(live_jira, ["summary"])
    api = live_jira.api
    api.site.forget(found["key"])
    api.site.wrote(found["key"])
    assert await api.reconcile_ids() == [int(found["id"])]
    live_jira.assert_conformant()


async def test_status_changes_are_bulk_fetched_for_issues(live_jira: LiveJira) -> None:
    found = await _an_issue(live_jira, ["summary"])
    data = await live_jira.api.status_changes([str(found["id"])], None)
    assert isinstance(data["issueChangeLogs"], list)
    if data.get("nextPageToken"):
        await live_jira.api.status_changes([str(found["id"])], str(data["nextPageToken"]))
    live_jira.assert_conformant()


async def test_an_issue_s_remote_links_are_read(live_jira: LiveJira) -> None:
    found = await _an_issue(live_jira, ["summary"])
    links = await live_jira.api.remote_links(found["key"])
    assert isinstance(links, list)
    live_jira.assert_conformant()


async def test_an_issue_s_comments_are_read_newest_first(live_jira: LiveJira) -> None:
    found = await _an_issue(live_jira, ["summary"])
    data = await live_jira.api.comments(found["key"], max_results=5)
    assert isinstance(data["comments"], list)
    live_jira.assert_conformant()


async def test_the_admin_webhooks_are_listed(live_jira: LiveJira) -> None:
    try:
        hooks = await live_jira.api.webhooks()
    except CredentialsRejected as exc:
        if exc.status == 403:
            pytest.skip("the Jira account is not a Jira administrator: admin webhooks cannot be listed")
        raise
    for hook in hooks:
        assert isinstance(hook.get("url"), str) and isinstance(hook.get("self"), str), hook
    live_jira.assert_conformant()


# -- writes into the scratch issue ------------------------------------------------------------------------------


def _scratch_issue() -> str:
    return scratch("TANDEM_LIVE_SCRATCH_JIRA_ISSUE", "the key of an issue the test may write into")


async def _labels(jira: LiveJira, key: str) -> list[str]:
    return list((await jira.api.issue(key, ["labels"]))["fields"].get("labels") or [])


async def test_labels_are_added_and_removed(live_jira: LiveJira, no_leftovers: list[str]) -> None:
    key = _scratch_issue()
    api = live_jira.api
    try:
        await api.edit_issue(key, update={"labels": [{"add": MARKER}]})
        assert MARKER in await _labels(live_jira, key)
    finally:
        try:
            await api.edit_issue(key, update={"labels": [{"remove": MARKER}]})
        except Exception as exc:
            no_leftovers.append(f"{key}: label {MARKER} not removed ({exc})")
    assert MARKER not in await _labels(live_jira, key)
    live_jira.assert_conformant()


async def test_a_date_field_is_set_and_restored(live_jira: LiveJira, no_leftovers: list[str]) -> None:
    key = _scratch_issue()
    field = live("TANDEM_LIVE_SCRATCH_JIRA_DATE_FIELD") or "duedate"
    api = live_jira.api
    before = (await api.issue(key, [field]))["fields"].get(field)
    value = "2031-12-01" if before != "2031-12-01" else "2031-12-02"
    try:
        await api.edit_issue(key, fields={field: value})
        assert (await api.issue(key, [field]))["fields"].get(field) == value
    finally:
        try:
            await api.edit_issue(key, fields={field: before})
        except Exception as exc:
            no_leftovers.append(f"{key}: {field} not restored to {before!r} ({exc})")
    live_jira.assert_conformant()


async def test_a_comment_is_added_and_deleted(live_jira: LiveJira, no_leftovers: list[str]) -> None:
    key = _scratch_issue()
    api = live_jira.api
    comment = await api.add_comment(key, _document(f"{MARKER}: safe to delete"))
    try:
        assert comment["author"]["accountId"] == await api.account_id()
        listed = await api.comments(key, max_results=5)
        assert comment["id"] in {c["id"] for c in listed["comments"]}
    finally:
        try:
            await asyncio.to_thread(api._json, "DELETE", f"/rest/api/3/issue/{key}/comment/{comment['id']}")
        except Exception as exc:
            no_leftovers.append(f"{key}: comment {comment['id']} not deleted ({exc})")
    live_jira.assert_conformant()


async def test_a_remote_link_is_upserted_in_place_and_deleted(live_jira: LiveJira, no_leftovers: list[str]) -> None:
    key = _scratch_issue()
    api = live_jira.api
    global_id = f"{MARKER}:{key}"
    url = "https://example.com/tandem-live-contract-test"
    try:
        await api.upsert_remote_link(key, global_id, url, "Tandem live test")
        await api.upsert_remote_link(key, global_id, url, "Tandem live test, replaced")
        mine = [link for link in await api.remote_links(key) if link.get("globalId") == global_id]
        assert [link["object"]["title"] for link in mine] == ["Tandem live test, replaced"]
    finally:
        try:
            await api.delete_remote_link(key, global_id)
        except Exception as exc:
            no_leftovers.append(f"{key}: remote link {global_id} not deleted ({exc})")
    assert not [link for link in await api.remote_links(key) if link.get("globalId") == global_id]
    live_jira.assert_conformant()


async def test_an_admin_webhook_is_registered_updated_and_deleted(live_jira: LiveJira, no_leftovers: list[str]) -> None:
    url = scratch("TANDEM_LIVE_SCRATCH_JIRA_WEBHOOK_URL", "an https URL a test webhook may point at")
    api = live_jira.api
    key = await _project_key(live_jira)
    body = {
        "name": MARKER,
        "url": url,
        "events": ["jira:issue_updated"],
        "filters": {"issue-related-events-section": f"project = {key}"},
        "excludeBody": False,
    }
    created = await api.register_webhook(body)
    link = str(created.get("self") or "")
    try:
        assert link, created
        updated = await api.register_webhook({**body, "name": f"{MARKER} (updated)"}, replace=link)
        assert updated.get("name") == f"{MARKER} (updated)"
        assert [h["url"] for h in await api.webhooks() if h.get("self") == link] == [url]
    finally:
        if link:
            try:
                await asyncio.to_thread(api._json, "DELETE", link)
            except Exception as exc:
                no_leftovers.append(f"admin webhook {link} not deleted ({exc})")
    live_jira.assert_conformant()
