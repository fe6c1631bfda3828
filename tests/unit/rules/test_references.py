"""Explicit references (docs/rules.md): how a work item names a campaign and a campaign names work items."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.records import CampaignSnapshot, RemoteLink, WorkItemSnapshot
from streams.rules.references import (
    REMOTE_LINK_PREFIX,
    LinkingConfig,
    Reference,
    campaign_id_from_url,
    campaign_references,
    issue_keys,
    link_changes,
    work_item_references,
)

GUID = "0b6e1b6e-6f4e-4c43-9a77-1d2a3c4b5d6e"
AT = datetime(2027, 1, 4, 9, tzinfo=UTC)
CONFIG = LinkingConfig()


def item(**fields: object) -> WorkItemSnapshot:
    return WorkItemSnapshot(key="WEB-2", project="WEB", source_updated_at=AT, **fields)


def campaign(**fields: object) -> CampaignSnapshot:
    return CampaignSnapshot(id=GUID, name="Spring Launch", source_updated_at=AT, **fields)


def test_a_campaign_label_links_the_item() -> None:
    assert work_item_references(item(labels=[f"campaign-{GUID}", "frontend"]), CONFIG) == {
        Reference(GUID, "WEB-2", "label")
    }


def test_the_label_prefix_is_configurable() -> None:
    config = LinkingConfig(label_prefix="mkt_")
    assert work_item_references(item(labels=[f"mkt_{GUID}", f"campaign-{GUID}"]), config) == {
        Reference(GUID, "WEB-2", "label")
    }


def test_a_bare_prefix_label_names_no_campaign() -> None:
    assert work_item_references(item(labels=["campaign-"]), CONFIG) == frozenset()


def test_a_remote_link_to_the_campaign_in_hubspot_links_the_item() -> None:
    url = f"https://app.hubspot.com/marketing/4242/campaigns/details/{GUID}"
    assert work_item_references(item(remote_links=[RemoteLink(url=url)]), CONFIG) == {
        Reference(GUID, "WEB-2", "remote_link")
    }


def test_tandems_own_remote_link_to_the_campaign_is_not_a_reference() -> None:
    """Tandem puts a link to the campaign on the work it already knows serves it; counting that link would
    keep the item linked after its real reference (a label, the campaign's notes) is gone."""
    url = f"https://app.hubspot.com/marketing/4242/campaigns/details/{GUID}"
    ours = RemoteLink(url=url, global_id=f"{REMOTE_LINK_PREFIX}{GUID}")
    assert work_item_references(item(remote_links=[ours]), CONFIG) == frozenset()


def test_a_remote_link_elsewhere_is_not_a_reference() -> None:
    url = f"https://evil.example/marketing/4242/campaigns/details/{GUID}"
    assert work_item_references(item(remote_links=[RemoteLink(url=url)]), CONFIG) == frozenset()


def test_campaign_ids_in_urls_are_compared_in_lower_case() -> None:
    url = f"https://app.hubspot.com/marketing/4242/campaigns/{GUID.upper()}"
    assert campaign_id_from_url(url, "https://app.hubspot.com") == GUID


def test_the_custom_field_may_hold_an_id_or_a_url() -> None:
    url = f"https://app.hubspot.com/marketing/4242/campaigns/details/{GUID}"
    refs = work_item_references(item(campaign_refs=["c-123", url]), CONFIG)
    assert refs == {Reference("c-123", "WEB-2", "custom_field"), Reference(GUID, "WEB-2", "custom_field")}


def test_a_deleted_item_references_nothing() -> None:
    assert work_item_references(item(labels=[f"campaign-{GUID}"], deleted=True), CONFIG) == frozenset()


def test_issue_keys_in_campaign_notes_link_the_campaign() -> None:
    refs = campaign_references(campaign(notes="Needs the landing page, tracked in WEB-1 and APP-12."), CONFIG)
    assert refs == {Reference(GUID, "WEB-1", "campaign_notes"), Reference(GUID, "APP-12", "campaign_notes")}


def test_only_configured_projects_count_when_projects_are_set() -> None:
    config = LinkingConfig(projects=frozenset({"WEB"}))
    refs = campaign_references(campaign(notes="WEB-1, and see ISO-9001 and UTF-8"), config)
    assert refs == {Reference(GUID, "WEB-1", "campaign_notes")}


def test_issue_keys_inside_words_or_lowercase_are_not_keys() -> None:
    assert issue_keys("xWEB-1 web-2 WEB-03 WEB-4x (WEB-5)") == ["WEB-5"]


def test_the_configured_campaign_property_names_work_items() -> None:
    config = LinkingConfig(issue_property="jira_issues")
    refs = campaign_references(campaign(properties={"jira_issues": "WEB-7"}), config)
    assert refs == {Reference(GUID, "WEB-7", "campaign_property")}


def test_link_changes_remove_what_vanished_and_add_what_appeared() -> None:
    before = frozenset({Reference(GUID, "WEB-1", "label"), Reference(GUID, "WEB-2", "label")})
    after = frozenset({Reference(GUID, "WEB-2", "label"), Reference(GUID, "WEB-3", "label")})
    changes = link_changes(before, after, AT)
    assert [(c.action, c.work_item, c.kind, c.seen_at) for c in changes] == [
        ("removed", "WEB-1", "explicit", AT),
        ("added", "WEB-3", "explicit", AT),
    ]


def test_unchanged_references_make_no_link_events() -> None:
    refs = frozenset({Reference(GUID, "WEB-1", "label")})
    assert link_changes(refs, refs, AT) == []
