"""Which live contract test exercises each call Tandem makes to a vendor.

Every public coroutine method of `HubSpotApi` and `JiraApi` must be listed here, with a test under
`tests/live/` that calls it (`tests/unit/tandem/test_live_contract_coverage.py` checks both), so a new call
cannot be added without its contract test. Add a method: write the live test, then add its line here.
"""

from __future__ import annotations

HUBSPOT = "tests/live/test_hubspot_live.py"
JIRA = "tests/live/test_jira_live.py"

COVERED: dict[str, str] = {
    # HubSpot (connectors/hubspot/api.py)
    "HubSpotApi.list_campaigns": f"{HUBSPOT}::test_campaigns_are_listed_page_by_page_in_every_order_tandem_asks_for",
    "HubSpotApi.get_campaign": f"{HUBSPOT}::test_one_campaign_is_read_by_id_and_an_unknown_id_is_a_404",
    "HubSpotApi.read_campaigns": f"{HUBSPOT}::test_campaigns_are_batch_read_by_id_with_tandem_s_properties",
    "HubSpotApi.update_campaign": f"{HUBSPOT}::test_a_campaign_s_notes_are_written_and_restored",
    "HubSpotApi.owners_page": f"{HUBSPOT}::test_owners_are_listed_active_and_archived",
    "HubSpotApi.owner": f"{HUBSPOT}::test_one_owner_is_read_by_id",
    "HubSpotApi.create_task": f"{HUBSPOT}::test_a_task_is_created_for_an_owner_and_deleted",
    "HubSpotApi.search_tasks": f"{HUBSPOT}::test_a_task_is_created_for_an_owner_and_deleted",
    "HubSpotApi.create_note": f"{HUBSPOT}::test_a_note_is_created_on_a_contact_and_deleted",
    # Jira (connectors/jira/api.py)
    "JiraApi.connect": f"{JIRA}::test_the_credentials_are_accepted_and_the_account_is_read",
    "JiraApi.myself": f"{JIRA}::test_the_credentials_are_accepted_and_the_account_is_read",
    "JiraApi.account_id": f"{JIRA}::test_the_credentials_are_accepted_and_the_account_is_read",
    "JiraApi.fields": f"{JIRA}::test_the_site_s_fields_are_listed_with_ids_and_names",
    "JiraApi.project": f"{JIRA}::test_a_watched_project_is_read_by_key",
    "JiraApi.search": f"{JIRA}::test_issues_are_searched_page_by_page_with_the_next_page_token",
    "JiraApi.issue": f"{JIRA}::test_one_issue_is_read_with_the_fields_tandem_reads",
    "JiraApi.reconcile_ids": f"{JIRA}::test_an_issue_tandem_wrote_lately_is_named_by_id_for_reconcile_issues",
    "JiraApi.status_changes": f"{JIRA}::test_status_changes_are_bulk_fetched_for_issues",
    "JiraApi.remote_links": f"{JIRA}::test_an_issue_s_remote_links_are_read",
    "JiraApi.comments": f"{JIRA}::test_an_issue_s_comments_are_read_newest_first",
    "JiraApi.webhooks": f"{JIRA}::test_the_admin_webhooks_are_listed",
    "JiraApi.edit_issue": f"{JIRA}::test_labels_are_added_and_removed",
    "JiraApi.add_comment": f"{JIRA}::test_a_comment_is_added_and_deleted",
    "JiraApi.upsert_remote_link": f"{JIRA}::test_a_remote_link_is_upserted_in_place_and_deleted",
    "JiraApi.delete_remote_link": f"{JIRA}::test_a_remote_link_is_upserted_in_place_and_deleted",
    "JiraApi.register_webhook": f"{JIRA}::test_an_admin_webhook_is_registered_updated_and_deleted",
}

__all__ = ["COVERED"]
