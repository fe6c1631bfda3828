"""What to tell people when a vendor refuses a write-back: one cause per kind of refusal, in words naming
the permission, scope or setting that fixes it (pure)."""

from __future__ import annotations

from streams.records import SyncCommand

JIRA_PERMISSIONS = {
    "remote_link": "Link issues",
    "remove_remote_link": "Link issues",
    "comment": "Add comments",
    "add_label": "Edit issues",
    "remove_label": "Edit issues",
    "set_launch_field": "Edit issues",
    "update_fields": "Edit issues",
}
HUBSPOT_SCOPES = {
    "campaign_status": "marketing.campaigns.write",
    "update_campaign": "marketing.campaigns.write",
    "create_task": "crm.objects.contacts.write",
    "create_note": "crm.objects.contacts.write",
}


def project_of(command: SyncCommand) -> str:
    return command.target.rsplit("-", 1)[0] if command.system == "jira" else "the portal"


def explain(command: SyncCommand, status: int, detail: str) -> tuple[str, str]:
    """(cause, message): refusals with one cause are reported once."""
    what = f"{command.system} {command.action}"
    if command.system == "jira":
        project = project_of(command)
        if status == 403:
            permission = JIRA_PERMISSIONS.get(command.action, "Edit issues")
            return (
                f"jira:{project}:{permission}",
                f"Jira refused {what} on {command.target}: give the account in TANDEM_JIRA_EMAIL the "
                f"'{permission}' permission in project {project}, or switch this write off",
            )
        if status == 400 and command.action == "set_launch_field":
            field = command.payload.get("field")
            return (
                f"jira:{project}:field:{field}",
                f"Jira will not set {field} on {command.target} ({detail}): add the field to the edit screen of "
                f"project {project}, or unset TANDEM_SYNC_JIRA_LAUNCH_FIELD",
            )
    if command.system == "hubspot" and status == 403:
        scope = HUBSPOT_SCOPES.get(command.action, "marketing.campaigns.write")
        return (
            f"hubspot:scope:{scope}",
            f"HubSpot refused {what} on {command.target}: give the private app the scope {scope}, or switch "
            "this write off",
        )
    return (
        f"{command.system}:{command.action}:{status}",
        f"{command.system} refused {what} on {command.target}: {detail}",
    )
