"""The streaming join from work items to campaigns (docs/architecture.md, §3), as pure functions.

Each work item's state lives in the partition of its key. An item is linked to a campaign explicitly
(its own label, remote link or custom field, or a campaign naming it: a *claim*) or by inheritance
(its parent passes down the campaigns it is linked to). Parents learn their children from
`child_added`/`child_removed` messages and push what children inherit with `inherit` messages; items
tell each goal (the campaign's partition) about the link and the item's latest facts. Every step costs
work proportional to the item's own links and children, never to the number of goals.

`reconcile(before, after, ...)` compares what an item has told the world with what it should have told,
and returns the messages that close the gap. Agents apply a change to the state, call `reconcile`, send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from streams.records import GoalMessage, ItemMessage, WorkItemSnapshot
from streams.rules.references import LinkingConfig, work_item_references
from streams.state import ItemState

# When several references link the same item to the same campaign, the link names the strongest one.
SOURCE_ORDER = ("label", "remote_link", "custom_field", "campaign_notes", "campaign_property")


@dataclass(frozen=True)
class Link:
    kind: str  # explicit | inherited
    source: str
    via: str | None = None

    def fingerprint(self) -> str:
        return f"{self.kind} {self.source} {self.via or ''}"


@dataclass
class Outbox:
    """Messages a step produces: to other items (keyed by their key) and to goals (keyed by campaign)."""

    items: list[ItemMessage] = field(default_factory=list)
    goals: list[GoalMessage] = field(default_factory=list)


def _live(state: ItemState) -> WorkItemSnapshot | None:
    snapshot = state.snapshot
    return snapshot if snapshot is not None and not snapshot.deleted else None


def explicit_links(state: ItemState, config: LinkingConfig) -> dict[str, str]:
    """campaign → source of the item's explicit links: its own references and campaigns' claims."""
    snapshot = _live(state)
    if snapshot is None:
        return {}
    found: dict[str, list[str]] = {}
    for ref in work_item_references(snapshot, config):
        found.setdefault(ref.campaign, []).append(ref.source)
    for campaign, source in state.claims.items():
        found.setdefault(campaign, []).append(source)
    return {campaign: min(sources, key=SOURCE_ORDER.index) for campaign, sources in found.items()}


def links_of(state: ItemState, config: LinkingConfig) -> dict[str, Link]:
    """Every campaign the item is linked to, and how; an explicit link wins over an inherited one."""
    if _live(state) is None:
        return {}
    links = {campaign: Link("inherited", "parent", via) for campaign, via in state.inherited.items()}
    links.update({campaign: Link("explicit", source) for campaign, source in explicit_links(state, config).items()})
    return links


def passed_down(state: ItemState, config: LinkingConfig) -> dict[str, str]:
    """campaign → via: what the item's children inherit (a deleted item passes nothing down)."""
    if _live(state) is None:
        return {}
    down = dict(state.inherited)
    down.update({campaign: state.key for campaign in explicit_links(state, config)})
    return down


def with_snapshot(state: ItemState, snapshot: WorkItemSnapshot) -> ItemState:
    """The state after a new snapshot.

    Moving to another parent keeps what the old parent passed down until the new parent says what it
    passes (it always answers a new child): a story moved between two epics of one campaign never stops
    being linked to it, so its link keeps its age. Moving to no parent drops the inheritance at once."""
    desired_parent = None if snapshot.deleted else snapshot.parent
    inherited = state.inherited if desired_parent is not None else {}
    return state.derive(snapshot=snapshot, inherited=inherited)


def with_message(state: ItemState, message: ItemMessage) -> ItemState:
    """The state after a message from a campaign, a child or the parent."""
    if message.kind == "claim" and message.campaign and message.source:
        return state.derive(claims={**state.claims, message.campaign: message.source})
    if message.kind == "unclaim" and message.campaign:
        return state.derive(claims={c: s for c, s in state.claims.items() if c != message.campaign})
    if message.kind == "child_added" and message.child and message.child not in state.children:
        return state.derive(children=sorted({*state.children, message.child}))
    if message.kind == "child_removed" and message.child:
        return state.derive(children=[child for child in state.children if child != message.child])
    if message.kind == "rescore":
        return state  # a campaign name changed: reconcile recomputes the suggestions
    if message.kind == "inherit":
        if message.sender is None or message.sender != desired_parent(state):
            return state  # a late message from a former parent
        return state.derive(inherited=dict(message.campaigns))
    return state


def desired_parent(state: ItemState) -> str | None:
    snapshot = _live(state)
    return snapshot.parent if snapshot is not None else None


def reconcile(
    before: ItemState,
    after: ItemState,
    seen_at: datetime,
    config: LinkingConfig,
    suggestions: Mapping[str, float] | None = None,
) -> tuple[ItemState, Outbox]:
    """Messages that bring parents, children and goals up to date with `after`; the state that records
    having sent them. `suggestions` (campaign → score) are the fuzzy matches for an unlinked item."""
    out = Outbox()
    key = after.key

    # 1. Register with the parent (and leave the former one).
    parent = desired_parent(after)
    if parent != after.parent:
        if after.parent is not None:
            out.items.append(ItemMessage(kind="child_removed", target=after.parent, child=key, seen_at=seen_at))
        if parent is not None:
            out.items.append(ItemMessage(kind="child_added", target=parent, child=key, seen_at=seen_at))
        after = after.derive(parent=parent)

    # 2. Tell children what they inherit: all of them when it changed, new ones in any case.
    down = passed_down(after, config)
    new_children = set(after.children) - set(before.children)
    receivers = after.children if down != after.passed_down else sorted(new_children)
    for child in receivers:
        out.items.append(ItemMessage(kind="inherit", target=child, sender=key, campaigns=down, seen_at=seen_at))
    after = after.derive(passed_down=down)

    # 3. Tell goals about links that appeared, changed or vanished, and about new facts of the item.
    links = links_of(after, config)
    facts_changed = after.snapshot is not None and after.snapshot != before.snapshot
    snapshot = after.snapshot
    for campaign, link in sorted(links.items()):
        if snapshot is not None and (facts_changed or after.announced.get(campaign) != link.fingerprint()):
            out.goals.append(
                GoalMessage(
                    kind="link",
                    campaign=campaign,
                    work_item=key,
                    item=snapshot,
                    link_kind=link.kind,
                    link_source=link.source,
                    via=link.via,
                    seen_at=seen_at,
                )
            )
    for campaign in sorted(set(after.announced) - set(links)):
        out.goals.append(GoalMessage(kind="unlink", campaign=campaign, work_item=key, seen_at=seen_at))
    after = after.derive(announced={campaign: link.fingerprint() for campaign, link in links.items()})

    # 4. Suggestions only for items linked to nothing.
    wanted = dict(suggestions or {}) if not links and _live(after) is not None else {}
    for campaign, score in sorted(wanted.items()):
        if after.suggested.get(campaign) != score:
            out.goals.append(
                GoalMessage(
                    kind="suggest", campaign=campaign, work_item=key, score=score, item=snapshot, seen_at=seen_at
                )
            )
    for campaign in sorted(set(after.suggested) - set(wanted)):
        out.goals.append(GoalMessage(kind="unsuggest", campaign=campaign, work_item=key, seen_at=seen_at))
    return after.derive(suggested=wanted), out
