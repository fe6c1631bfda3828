"""`tandem doctor`: checks a deployment's connections and says, one line per check, what is fine and what to fix.

It reads the same settings the worker reads and makes only the read calls the connectors make (through
`HubSpotApi` and `JiraApi`), never a write:

| check | how | fails when |
| --- | --- | --- |
| Kafka | a metadata request to the brokers | no broker answers |
| public URL | the settings | webhooks are on (a secret is set), `TANDEM_PUBLIC_URL` unset or not https |
| HubSpot token | list one campaign (`marketing.campaigns.read`) | 401: token refused; 403: scope missing |
| HubSpot owners | list owners (`crm.objects.owners.read`) | 403: the scope is missing |
| Jira credentials | `serverInfo`, then `myself` | 401: the email and token are refused |
| Jira projects | each project of `TANDEM_JIRA_PROJECTS` | the account cannot see it (404, 403) |
| story points | the site's fields, by name (as the source finds them) | no field holds story points |
| Jira webhook | the admin webhooks (Jira administrator) | none sends Tandem's events to `<public URL>/webhooks/jira` |

HubSpot has no documented token-information endpoint among the descriptions Tandem is checked against
(`sandbox/specs/`), so the read scopes are inferred from the 403s of the calls Tandem makes; the write scopes
(`marketing.campaigns.write`, `crm.objects.contacts.write`) would take a write to prove, so doctor names them
without checking. HubSpot's webhook subscriptions of a private app are kept in the app's settings and cannot
be read through the API. Every line passes through `connectors.http.redact`: no secret is ever printed.
Exit code 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import click

from connectors.http.errors import ConnectorError, CredentialsRejected, RequestRejected
from connectors.http.redact import redact, register_secret
from connectors.jira.normalise import STORY_POINT_NAMES, story_points_field
from connectors.jira.webhook_registration import EVENTS, NAME
from tandem.settings import Settings, get_settings

Status = Literal["ok", "fail", "off", "note"]
MARKS: dict[Status, str] = {"ok": "ok  ", "fail": "FAIL", "off": "off ", "note": "note"}
JQL_FILTER = "issue-related-events-section"
ADMIN_WEBHOOKS = "Jira settings → System → WebHooks"
DOCTOR_HTTP = {"http_max_attempts": 2, "http_max_backoff_seconds": 1.0}
"""Doctor answers in seconds: a vendor that does not answer is reported, not waited out eight times."""


@dataclass(frozen=True)
class Check:
    """One line of the diagnosis: `status` of `subject`, and in `detail` what was found or what to do."""

    status: Status
    subject: str
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def line(self) -> str:
        return redact(f"{MARKS[self.status]}  {self.subject}: {self.detail}")


def summary(checks: list[Check]) -> str:
    failed = sum(check.failed for check in checks)
    if failed == 0:
        return f"All is well: {_count(sum(check.status == 'ok' for check in checks), 'check')} passed."
    return f"{failed} problem{'s' if failed != 1 else ''} to fix (the FAIL lines above say how)."


def _reason(exc: BaseException, limit: int = 240) -> str:
    """The error in one line of at most `limit` characters, its status named."""
    status = getattr(exc, "status", None)
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{text} ({status})" if status and f"({status})" not in text else text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _unanswered(exc: BaseException, where: str) -> str:
    if getattr(exc, "status", None) is None:
        return f"could not reach {where}: {_reason(exc)}"
    return f"{where} did not answer as expected: {_reason(exc)}"


# -- Kafka and webhooks ----------------------------------------------------------------------------------------


async def kafka_check(settings: Settings) -> Check:
    from tandem.kafka.launcher import broker_answers
    from tandem.local import no_broker_message

    bootstrap = settings.bootstrap_servers
    if await asyncio.to_thread(broker_answers, bootstrap, 5.0):
        return Check("ok", "Kafka", f"the broker at {bootstrap} answers")
    return Check("fail", "Kafka", no_broker_message(bootstrap))


def webhook_secrets(settings: Settings) -> list[str]:
    """The variables that turn webhooks on, of those set."""
    return [
        name
        for name, value in (
            ("TANDEM_JIRA_WEBHOOK_SECRET", settings.jira_webhook_secret),
            ("TANDEM_HUBSPOT_WEBHOOK_SECRET", settings.hubspot_webhook_secret),
        )
        if value is not None
    ]


def public_url_check(settings: Settings) -> Check:
    on = webhook_secrets(settings)
    if not on:
        return Check(
            "off",
            "Webhooks",
            "neither TANDEM_JIRA_WEBHOOK_SECRET nor TANDEM_HUBSPOT_WEBHOOK_SECRET is set: Tandem polls "
            f"(HubSpot every {settings.hubspot_poll_seconds:g} s, Jira every {settings.jira_poll_seconds:g} s)",
        )
    if settings.public_url is None:
        return Check(
            "fail",
            "Public URL",
            f"TANDEM_PUBLIC_URL is not set, but webhooks are on ({', '.join(on)}): set it to the https URL "
            "HubSpot and Jira reach this worker at, e.g. https://tandem.acme.com (HubSpot signs that URL)",
        )
    if not settings.public_url.startswith("https://"):
        return Check(
            "fail",
            "Public URL",
            f"TANDEM_PUBLIC_URL is {settings.public_url}: HubSpot and Jira Cloud deliver webhooks to https URLs "
            "only; put TLS in front of the worker and set the https URL",
        )
    base = settings.public_url.rstrip("/")
    return Check("ok", "Public URL", f"webhooks are received at {base}/webhooks/jira and {base}/webhooks/hubspot")


def jira_webhook_url(settings: Settings) -> str | None:
    return None if settings.public_url is None else f"{settings.public_url.rstrip('/')}/webhooks/jira"


# -- HubSpot --------------------------------------------------------------------------------------------------


def hubspot_refusal(exc: BaseException, subject: str, scope: str) -> Check:
    """What a failed HubSpot read says about the token and its scopes."""
    if isinstance(exc, CredentialsRejected) and exc.status == 401:
        return Check(
            "fail",
            subject,
            "HubSpot refused the token in TANDEM_HUBSPOT_TOKEN (401): set it to the private app's access token "
            "(HubSpot: Settings → Integrations → Private apps → the app → Auth)",
        )
    if isinstance(exc, CredentialsRejected) and exc.status == 403:
        return Check(
            "fail",
            subject,
            f"the private app's token lacks the scope {scope} (403): add it on the app's Scopes tab",
        )
    return Check("fail", subject, _unanswered(exc, "HubSpot"))


def hubspot_write_note(settings: Settings) -> Check | None:
    needs = []
    if settings.sync_hubspot_status:
        needs.append("marketing.campaigns.write (the status on campaigns, TANDEM_SYNC_HUBSPOT_STATUS)")
    if settings.notify_hubspot_tasks:
        needs.append("crm.objects.contacts.write (tasks and notes, TANDEM_NOTIFY_HUBSPOT_TASKS)")
    if not needs:
        return None
    return Check(
        "note",
        "HubSpot write scopes",
        f"not checked (doctor writes nothing): {'; '.join(needs)}; a refused write shows once on the health page",
    )


async def hubspot_checks(settings: Settings) -> list[Check]:
    if settings.hubspot_token is None:
        return [Check("off", "HubSpot", "TANDEM_HUBSPOT_TOKEN is not set: the HubSpot connector stays off")]
    from connectors.hubspot.api import HubSpotApi

    api = HubSpotApi(settings)
    try:
        try:
            page = await api.list_campaigns(sort="-updatedAt", properties=["hs_name"], limit=1)
        except ConnectorError as exc:
            return [hubspot_refusal(exc, "HubSpot token", "marketing.campaigns.read")]
        checks = [
            Check(
                "ok",
                "HubSpot token",
                f"accepted by {settings.hubspot_base_url.rstrip('/')}; campaigns readable (marketing.campaigns.read, "
                f"{_count(page.get('total', len(page.get('results', []))), 'campaign')})",
            )
        ]
        try:
            await api.owners_page()
            checks.append(Check("ok", "HubSpot owners", "readable (crm.objects.owners.read)"))
        except ConnectorError as exc:
            checks.append(hubspot_refusal(exc, "HubSpot owners", "crm.objects.owners.read"))
        note = hubspot_write_note(settings)
        if note is not None:
            checks.append(note)
        if settings.hubspot_webhook_secret is not None:
            checks.append(
                Check(
                    "note",
                    "HubSpot webhooks",
                    "a private app's webhook subscriptions live in its settings and cannot be read through the API: "
                    f"check that they point at {settings.public_url or '<TANDEM_PUBLIC_URL>'}/webhooks/hubspot",
                )
            )
        return checks
    finally:
        api.close()


# -- Jira -----------------------------------------------------------------------------------------------------


def jira_refusal(exc: BaseException, settings: Settings) -> Check:
    if isinstance(exc, CredentialsRejected) and exc.status == 401:
        return Check(
            "fail",
            "Jira credentials",
            f"{settings.jira_url} refused TANDEM_JIRA_EMAIL ({settings.jira_email}) with TANDEM_JIRA_API_TOKEN (401): "
            "set the email of an Atlassian account and one of its API tokens "
            "(id.atlassian.com → Security → API tokens)",
        )
    return Check("fail", "Jira credentials", _unanswered(exc, str(settings.jira_url)))


def project_check(key: str, project: dict[str, Any] | BaseException, email: str | None) -> Check:
    subject = f"Jira project {key}"
    if isinstance(project, RequestRejected | CredentialsRejected) and project.status in (403, 404):
        return Check(
            "fail",
            subject,
            f"not found, or {email} may not see it ({project.status}): check the key in TANDEM_JIRA_PROJECTS, and "
            "give the account 'Browse projects' on it",
        )
    if isinstance(project, BaseException):
        return Check("fail", subject, f"could not be read: {_reason(project)}")
    lead = (project.get("lead") or {}).get("displayName")
    return Check("ok", subject, f"visible ({project.get('name', key)}{f', lead {lead}' if lead else ''})")


def story_points_check(fields: list[dict[str, Any]], configured: str) -> Check:
    """Where story points live, chosen exactly as the Jira source chooses: by name, else the configured field."""
    chosen = story_points_field(fields, configured)
    found = next((f for f in fields if f.get("id") == chosen), None)
    if found is not None:
        how = "" if chosen == configured else f", found by name (TANDEM_JIRA_STORY_POINTS_FIELD is {configured})"
        return Check("ok", "Story points", f"in {chosen} ({found.get('name')}){how}")
    names = " or ".join(f"'{name.capitalize()}'" for name in STORY_POINT_NAMES)
    return Check(
        "fail",
        "Story points",
        f"no field named {names}, and TANDEM_JIRA_STORY_POINTS_FIELD ({configured}) is not a field of this site: set "
        "it to the field that holds story points (until then every item counts as TANDEM_DEFAULT_SIZE)",
    )


def _covers(jql: str, project: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(project)}(?![A-Za-z0-9_-])", jql, re.IGNORECASE) is not None


def webhook_check(hooks: Iterable[dict[str, Any]], expected: str, projects: list[str]) -> Check:
    """Whether Jira's admin webhooks send Tandem's events, for the watched projects, to `expected`."""
    hooks = list(hooks)
    register = f"run `tandem jira register-webhook --url {expected}`"
    mine = [hook for hook in hooks if str(hook.get("url", "")).rstrip("/") == expected.rstrip("/")]
    if not mine:
        elsewhere = [str(hook.get("url")) for hook in hooks if hook.get("name") == NAME]
        where = f" (the webhook named {NAME} points at {', '.join(elsewhere)})" if elsewhere else ""
        return Check("fail", "Jira webhook", f"none sends to {expected}{where}: {register}")
    hook = mine[0]
    problems = []
    if hook.get("enabled") is False:
        problems.append(f"it is disabled (enable it in {ADMIN_WEBHOOKS})")
    missing = [event for event in EVENTS if event not in (hook.get("events") or [])]
    if missing:
        problems.append(f"it lacks the events {', '.join(missing)} ({register} to update it)")
    jql = str((hook.get("filters") or {}).get(JQL_FILTER) or "")
    left_out = [project for project in projects if jql and not _covers(jql, project)]
    if left_out:
        problems.append(f"its JQL filter ({jql}) leaves out {', '.join(left_out)} ({register} to update it)")
    if problems:
        return Check("fail", "Jira webhook", f"the one at {expected}: {'; '.join(problems)}")
    return Check("ok", "Jira webhook", f"sends issue and comment events for {jql or 'every issue'} to {expected}")


async def _attempt(call: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return await call()
    except ConnectorError as exc:
        return exc


async def jira_checks(settings: Settings) -> list[Check]:
    given = {
        "TANDEM_JIRA_URL": settings.jira_url,
        "TANDEM_JIRA_EMAIL": settings.jira_email,
        "TANDEM_JIRA_API_TOKEN": settings.jira_api_token,
    }
    missing = [name for name, value in given.items() if value is None]
    if len(missing) == len(given):
        return [
            Check(
                "off",
                "Jira",
                "TANDEM_JIRA_URL, TANDEM_JIRA_EMAIL and TANDEM_JIRA_API_TOKEN are not set: "
                "the Jira connector stays off",
            )
        ]
    if missing:
        unset = " and ".join(missing)
        return [
            Check(
                "fail",
                "Jira credentials",
                f"{unset} {'is' if len(missing) == 1 else 'are'} not set: the Jira connector needs all three",
            )
        ]
    from connectors.jira.api import JiraApi

    api = JiraApi(settings)
    try:
        try:
            await api.connect()
            me = await api.myself()
        except ConnectorError as exc:
            return [jira_refusal(exc, settings)]
        who = me.get("displayName") or me.get("accountId") or "?"
        checks = [Check("ok", "Jira credentials", f"{settings.jira_url} accepts {settings.jira_email} ({who})")]
        if not settings.jira_projects:
            checks.append(
                Check(
                    "fail",
                    "Jira projects",
                    "TANDEM_JIRA_PROJECTS is empty: set it to the keys of the projects to watch, e.g. WEB,APP",
                )
            )
        for key in settings.jira_projects:
            checks.append(project_check(key, await _attempt(functools.partial(api.project, key)), settings.jira_email))
        fields = await _attempt(api.fields)
        if isinstance(fields, BaseException):
            checks.append(Check("fail", "Story points", f"the site's fields could not be read: {_reason(fields)}"))
        else:
            checks.append(story_points_check(fields, settings.jira_story_points_field))
        checks.append(await _webhook(api, settings))
        return checks
    finally:
        api.close()


async def _webhook(api: Any, settings: Settings) -> Check:
    if settings.jira_webhook_secret is None:
        return Check(
            "off",
            "Jira webhook",
            f"TANDEM_JIRA_WEBHOOK_SECRET is not set: Tandem polls Jira every {settings.jira_poll_seconds:g} s",
        )
    expected = jira_webhook_url(settings)
    if expected is None:
        return Check("fail", "Jira webhook", "where it should point is unknown: set TANDEM_PUBLIC_URL")
    hooks = await _attempt(api.webhooks)
    if isinstance(hooks, CredentialsRejected) and hooks.status == 403:
        return Check(
            "fail",
            "Jira webhook",
            f"{settings.jira_email} may not list webhooks (403): admin webhooks need the Jira administrator "
            f"permission; grant it, or check by hand in {ADMIN_WEBHOOKS} that one sends to {expected}",
        )
    if isinstance(hooks, BaseException):
        return Check("fail", "Jira webhook", f"the webhooks could not be listed: {_reason(hooks)}")
    return webhook_check(hooks, expected, list(settings.jira_projects))


# -- the command ----------------------------------------------------------------------------------------------


def doctor_settings(settings: Settings) -> Settings:
    """The settings for doctor's own calls: few attempts, short pauses."""
    return settings.model_copy(update=DOCTOR_HTTP)


async def diagnose(settings: Settings) -> list[Check]:
    """Every check, in the order the lines are printed."""
    for secret in (
        settings.hubspot_token,
        settings.jira_api_token,
        settings.jira_webhook_secret,
        settings.hubspot_webhook_secret,
    ):
        register_secret(secret)
    settings = doctor_settings(settings)
    return [
        await kafka_check(settings),
        public_url_check(settings),
        *await hubspot_checks(settings),
        *await jira_checks(settings),
    ]


@click.command()
def doctor() -> None:
    """Check the connections to Kafka, HubSpot and Jira, one line per check, and say what to fix."""
    checks = asyncio.run(diagnose(get_settings()))
    for check in checks:
        click.echo(check.line())
    click.echo(summary(checks))
    raise SystemExit(1 if any(check.failed for check in checks) else 0)


__all__ = [
    "Check",
    "diagnose",
    "doctor",
    "hubspot_refusal",
    "project_check",
    "public_url_check",
    "story_points_check",
    "summary",
    "webhook_check",
]
