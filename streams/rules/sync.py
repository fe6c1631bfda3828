"""Background sync (docs/rules.md): what each side's tool should show of the other, as pure decisions.

From a goal as it now stands, and what was already commanded for it (`SyncMemory`, kept in the goal's
state), come the write-back commands that close the gap, each keyed by its cause so that a repeat is
never carried out twice:
- into Jira, on each of the goal's top-level items: a remote link to the campaign (title: its name,
  status and launch), re-sent when they change and removed when the item no longer serves the goal; a
  comment when the launch date or the campaign's status changes, once per change; and, when configured,
  the launch date in a date field;
- into HubSpot, on the campaign: the engineering status, progress, forecast and a link to the goal's page.

Only changes of the goal cause commands, so Tandem's own writes, read back by the sources, cause none:
a write changes nothing the goal is made of (the sources leave Tandem's own remote links and status
block out of what they report), and an unchanged goal commands nothing. A person's edit of a synced value
stays until the value Tandem syncs changes again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from streams.records import GoalSummary, SyncCommand
from streams.rules.references import REMOTE_LINK_PREFIX
from streams.state import SyncMemory
from tandem.settings import Settings


@dataclass(frozen=True)
class SyncConfig:
    remote_links: bool = True
    comments: bool = True
    launch_field: str | None = None
    hubspot_status: bool = True
    dashboard_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncConfig:
        return cls(
            remote_links=settings.sync_jira_remote_links,
            comments=settings.sync_jira_comments,
            launch_field=settings.sync_jira_launch_field,
            hubspot_status=settings.sync_hubspot_status,
            dashboard_url=settings.dashboard_url,
        )

    def goal_page(self, campaign: str) -> str | None:
        return f"{self.dashboard_url.rstrip('/')}/goals/{campaign}" if self.dashboard_url else None


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:16]


def words(status: str | None) -> str:
    return (status or "no status").replace("_", " ")


def day(value: str | None) -> str:
    if not value:
        return "no date"
    return date.fromisoformat(value).strftime("%-d %b %Y")


def link_title(goal: GoalSummary) -> str:
    """The remote link's title in Jira: the campaign, its status and its launch."""
    return f"HubSpot campaign: {goal.name or goal.campaign} ({words(goal.campaign_status)}, launch {day(goal.launch)})"


def link_target(goal: GoalSummary, config: SyncConfig) -> str | None:
    """Where the remote link leads: the campaign in HubSpot, else the goal's page on the dashboard."""
    return goal.campaign_url or config.goal_page(goal.campaign)


def status_values(goal: GoalSummary, config: SyncConfig) -> dict[str, str]:
    """What HubSpot should show of the engineering work (the HubSpot sink decides where it goes)."""
    progress = goal.progress
    values = {
        "status": goal.status,
        "items_done": str(progress.items_done if progress else 0),
        "items_total": str(progress.items_total if progress else 0),
        "size_done": f"{progress.size_done:g}" if progress else "0",
        "size_total": f"{progress.size_total:g}" if progress else "0",
        "forecast": goal.forecast or "",
        "odds": goal.odds.words if goal.odds else "",
        "launch": goal.launch or "",
        "open_signals": ",".join(sorted(goal.open_signals)),
    }
    page = config.goal_page(goal.campaign)
    if page:
        values["dashboard"] = page
    return values


def _command(system: str, action: str, target: str, key: str, at: datetime, **payload: object) -> SyncCommand:
    return SyncCommand(system=system, action=action, target=target, idempotency_key=key, at=at, payload=payload)


def _change_comment(goal: GoalSummary, memory: SyncMemory) -> str | None:
    """What a comment on the goal's work says of a change of launch or status, if there was one."""
    owner = goal.owner.name or goal.owner.email if goal.owner else None
    by = f" (campaign owner: {owner})" if owner else ""
    lines = []
    if memory.launch != goal.launch:
        lines.append(f"Launch of {goal.name} moved from {day(memory.launch)} to {day(goal.launch)} in HubSpot{by}.")
    if memory.campaign_status != goal.campaign_status:
        lines.append(
            f"Campaign {goal.name} is now {words(goal.campaign_status)} in HubSpot "
            f"(was {words(memory.campaign_status)}){by}."
        )
    return " ".join(lines) or None


def plan(
    memory: SyncMemory, goal: GoalSummary, config: SyncConfig, at: datetime
) -> tuple[SyncMemory, list[SyncCommand]]:
    """The commands that bring both tools up to date with `goal`, and the memory that records them.

    `goal` is a goal of a campaign HubSpot has (`known`) and all of whose sources have synced."""
    commands: list[SyncCommand] = []
    written = dict(memory.written)
    campaign = goal.campaign
    top = sorted(item.key for item in goal.items if item.top_level)

    if config.remote_links:
        url = link_target(goal, config)
        title = link_title(goal)
        for key in top if url else []:
            mark = fingerprint(url, title)
            if written.get(f"link:{key}") != mark:
                global_id = f"{REMOTE_LINK_PREFIX}{campaign}"
                commands.append(
                    _command(
                        "jira",
                        "remote_link",
                        key,
                        f"sync:link:{campaign}:{key}:{mark}",
                        at,
                        url=url,
                        title=title,
                        global_id=global_id,
                    )
                )
                written[f"link:{key}"] = mark
        for name in sorted(k for k in written if k.startswith("link:") and k.removeprefix("link:") not in top):
            key = name.removeprefix("link:")
            commands.append(
                _command(
                    "jira",
                    "remove_remote_link",
                    key,
                    f"sync:unlink:{campaign}:{key}:{written[name]}",
                    at,
                    global_id=f"{REMOTE_LINK_PREFIX}{campaign}",
                )
            )
            del written[name]

    changed = memory.seen and (memory.launch != goal.launch or memory.campaign_status != goal.campaign_status)
    if config.comments and changed and (text := _change_comment(goal, memory)):
        cause = fingerprint(memory.launch, goal.launch, memory.campaign_status, goal.campaign_status)
        for key in top:
            commands.append(_command("jira", "comment", key, f"sync:change:{campaign}:{key}:{cause}", at, text=text))

    if config.launch_field and goal.launch:
        for key in top:
            if written.get(f"field:{key}") != goal.launch:
                commands.append(
                    _command(
                        "jira",
                        "set_launch_field",
                        key,
                        f"sync:field:{campaign}:{key}:{goal.launch}",
                        at,
                        field=config.launch_field,
                        value=goal.launch,
                        previous=written.get(f"field:{key}"),
                    )
                )
                written[f"field:{key}"] = goal.launch

    if config.hubspot_status:
        values = status_values(goal, config)
        mark = fingerprint(*sorted(values.items()))
        if written.get("hubspot") != mark:
            commands.append(
                _command("hubspot", "campaign_status", campaign, f"sync:status:{campaign}:{mark}", at, values=values)
            )
            written["hubspot"] = mark

    remembered = memory.derive(written=written, launch=goal.launch, campaign_status=goal.campaign_status, seen=True)
    return remembered, commands
