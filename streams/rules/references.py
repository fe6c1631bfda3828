"""Explicit references between campaigns and work items (docs/rules.md, kind `explicit`), as pure functions.

A work item names a campaign by a label `<prefix><campaign id>`, a remote link to the campaign's HubSpot
URL, or the configured custom field (an id or a URL). A campaign names work items by Jira issue keys in
its notes or the configured property. Each reference remembers which of these it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from streams.records import CampaignSnapshot, LinkEvent, WorkItemSnapshot
from tandem.settings import Settings

REMOTE_LINK_PREFIX = "tandem-campaign:"
"""`globalId` prefix of the remote links Tandem puts on Jira issues (`streams.rules.sync`)."""

ISSUE_KEY = re.compile(r"(?<![A-Za-z0-9_-])([A-Z][A-Z0-9_]{0,9}-[1-9][0-9]*)(?![A-Za-z0-9_-])")
CAMPAIGN_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True, order=True)
class Reference:
    """`campaign` and `work_item` name each other through `source`."""

    campaign: str
    work_item: str
    source: str  # label | remote_link | custom_field | campaign_notes | campaign_property


@dataclass(frozen=True)
class LinkingConfig:
    label_prefix: str = "campaign-"
    hubspot_app_url: str = "https://app.hubspot.com"
    projects: frozenset[str] = frozenset()
    issue_property: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkingConfig:
        return cls(
            label_prefix=settings.jira_campaign_label_prefix,
            hubspot_app_url=settings.hubspot_app_url,
            projects=frozenset(settings.jira_projects),
            issue_property=settings.hubspot_issue_property,
        )


def campaign_id_from_url(url: str, hubspot_app_url: str) -> str | None:
    """The campaign id in a link to a campaign in HubSpot's UI (`.../campaigns/.../<guid>`), else None."""
    try:
        parts, app = urlsplit(url.strip()), urlsplit(hubspot_app_url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or (parts.hostname or "") != (app.hostname or "").lower():
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    if "campaigns" not in segments:
        return None
    after = segments[segments.index("campaigns") + 1 :]
    guids = [segment for segment in after if CAMPAIGN_GUID.match(segment)]
    return guids[-1].lower() if guids else None


def work_item_references(item: WorkItemSnapshot | None, config: LinkingConfig) -> frozenset[Reference]:
    """The campaigns a work item names itself; none once it is deleted."""
    if item is None or item.deleted:
        return frozenset()
    found: set[Reference] = set()
    for label in item.labels:
        if label.startswith(config.label_prefix) and len(label) > len(config.label_prefix):
            found.add(Reference(label[len(config.label_prefix) :], item.key, "label"))
    for link in item.remote_links:
        if (link.global_id or "").startswith(REMOTE_LINK_PREFIX):
            continue  # Tandem's own link to the campaign it already knows the item serves: no reference
        campaign = campaign_id_from_url(link.url, config.hubspot_app_url)
        if campaign:
            found.add(Reference(campaign, item.key, "remote_link"))
    for value in item.campaign_refs:
        value = value.strip()
        campaign = campaign_id_from_url(value, config.hubspot_app_url) if "://" in value else value
        if campaign:
            found.add(Reference(campaign, item.key, "custom_field"))
    return frozenset(found)


def issue_keys(text: str | None, projects: Iterable[str] = ()) -> list[str]:
    """Jira issue keys mentioned in free text, in order, limited to `projects` when given."""
    wanted = set(projects)
    keys = []
    for key in ISSUE_KEY.findall(text or ""):
        if (not wanted or key.rsplit("-", 1)[0] in wanted) and key not in keys:
            keys.append(key)
    return keys


def campaign_references(campaign: CampaignSnapshot | None, config: LinkingConfig) -> frozenset[Reference]:
    """The work items a campaign names in its notes or the configured property."""
    if campaign is None:
        return frozenset()
    found = {Reference(campaign.id, key, "campaign_notes") for key in issue_keys(campaign.notes, config.projects)}
    if config.issue_property:
        text = campaign.properties.get(config.issue_property)
        found |= {Reference(campaign.id, key, "campaign_property") for key in issue_keys(text, config.projects)}
    return frozenset(found)


def link_changes(before: frozenset[Reference], after: frozenset[Reference], seen_at: datetime) -> list[LinkEvent]:
    """Link events turning the references `before` into those `after`, removals first, in a stable order."""
    removed = [
        LinkEvent(
            campaign=ref.campaign,
            work_item=ref.work_item,
            action="removed",
            kind="explicit",
            source=ref.source,
            seen_at=seen_at,
        )
        for ref in sorted(before - after)
    ]
    added = [
        LinkEvent(
            campaign=ref.campaign,
            work_item=ref.work_item,
            action="added",
            kind="explicit",
            source=ref.source,
            seen_at=seen_at,
        )
        for ref in sorted(after - before)
    ]
    return removed + added
