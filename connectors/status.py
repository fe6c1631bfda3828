"""What the worker's sources have achieved, in-process: the tick timer reads `status.hubspot_synced` and
`status.jira_synced` (docs/rules.md: no rule fires before both sources finished a full sync)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SourceStatus:
    hubspot_synced: bool = False
    """The HubSpot source has completed a full sync (now or in an earlier run)."""
    jira_synced: bool = False
    """The Jira source has completed a full sync (now or in an earlier run)."""
    hubspot_error: str | None = None
    """Why the HubSpot connector stopped (credentials or configuration), if it did."""
    jira_error: str | None = None
    """Why the Jira connector stopped, if it did."""


status = SourceStatus()
"""The one status object of this process."""

__all__ = ["SourceStatus", "status"]
