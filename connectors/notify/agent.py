"""Delivering notifications, exactly once as far as the channels allow (docs/rules.md, issue 6).

Each notification fans out into delivery units — one email to the recipients who may hear of it now, one
per recipient in quiet hours (sent when those end), one Slack post per team, one Jira comment per
top-level item, one HubSpot task — each recorded in the `deliveries` table under the notification's
idempotency key and the unit. A unit is marked `sending` and that mark is flushed to Kafka before the
channel is called, then `sent`; a unit found still `sending` after a restart is sent again where the
far end drops or folds a repeat (Jira comments and HubSpot tasks by their marker, emails by their Message-ID:
at least once) and otherwise marked `unknown` and never sent again (Slack posts: at most once; see
`connectors.notify.resend`). Failures are retried with
exponential backoff, units run concurrently so one failing channel does not hold up the others, and
what fails for good is dead-lettered with its error (redacted). A unit whose message cannot be built (a
`MessageError`, or anything else a channel raises that is not worth retrying) fails alone: it is recorded
`failed` and dead-lettered, and the notification's other units go on.

Email goes only to recipients with exactly one plain address (`connectors.notify.addresses`); an address
such as `kim@acme.test>, <spy@evil.example` is refused and logged (escaped, so it cannot forge a log line),
never sent to.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception_type

from connectors.http.errors import WriteUnsure
from connectors.http.outage import give_up, pause
from connectors.http.redact import redact
from connectors.notify.addresses import AddressError, plain_address, shown
from connectors.notify.email import ChannelError, EmailChannel, build_message
from connectors.notify.records import Delivery, PendingDeliveries, PendingDelivery
from connectors.notify.render import mrkdwn, render
from connectors.notify.resend import channel_of, next_step
from connectors.notify.slack import SlackChannel
from streams import deadletter, topics
from streams.app import app, settings
from streams.records import DeliveryOutcome, Notification, Person, Tick, decode, identity
from tandem.people import Directory
from tandem.quiet_hours import QuietHours, parse_quiet_hours

log = logging.getLogger(__name__)

DIRECTORY = Directory(settings.people)

ATTEMPTS = 4
PERSONAL = ("digest", "leadership_digest")
"""Kinds that go to one person's mailbox only: the owners' and the leaders' digests."""
QUIET: dict[str, QuietHours] = {
    person.lower(): parse_quiet_hours(spec) for person, spec in settings.quiet_hours.items()
}

deliveries = app.Table(
    "deliveries",
    key_type=str,
    value_type=Delivery,
    partitions=settings.partitions,
    help="How far each delivery unit got, by `<idempotency key>|<unit>`.",
)
pending = app.Table(
    "pending-deliveries",
    key_type=str,
    value_type=PendingDeliveries,
    partitions=settings.partitions,
    help="Delivery units waiting for quiet hours to end, by partition.",
)
email = EmailChannel(settings)
slack = SlackChannel({team: url.get_secret_value() for team, url in settings.slack_webhooks.items()})


def quiet_until(person: Person, at: datetime) -> datetime | None:
    """When the person's quiet hours end, if `at` falls inside them."""
    for key in (identity(person), person.id.lower()):
        hours = QUIET.get(key or "")
        if hours is not None and hours.contains(at):
            return hours.ends_after(at)
    return None


def has_plain_address(person: Person) -> bool:
    try:
        plain_address(person.email or "")
    except AddressError:
        return False
    return True


def mailable(n: Notification) -> list[Person]:
    """The recipients with exactly one plain address: the only ones email goes to."""
    return [person for person in n.recipients if has_plain_address(person)]


def refused_addresses(n: Notification) -> list[tuple[Person, str]]:
    """(person, why) for each recipient whose address is not one plain address."""
    refused = []
    for person in n.recipients:
        try:
            plain_address(person.email or "")
        except AddressError as exc:
            refused.append((person, str(exc)))
    return refused


def slack_teams(n: Notification) -> list[str]:
    """`marketing`, and the team of each Jira project of the goal's top-level items, that have a webhook."""
    wanted = {"marketing", *(key.rsplit("-", 1)[0] for key in n.jira_issues)}
    return sorted(team for team in wanted if team in settings.slack_webhooks)


def units(n: Notification, now: datetime) -> tuple[list[str], list[tuple[str, datetime]]]:
    """(units to deliver now, (unit, due) deferred by quiet hours)."""
    now_units: list[str] = []
    later: list[tuple[str, datetime]] = []
    recipients = mailable(n)
    if settings.notify_email and recipients:
        awake = []
        for person in recipients:
            until = quiet_until(person, now)
            if until is None:
                awake.append(person)
            else:
                later.append((f"email:{identity(person)}", until))
        if awake:
            now_units.append("email")
    if n.kind not in PERSONAL:  # a digest is personal: email only
        now_units += [f"slack:{team}" for team in slack_teams(n)]
    if settings.notify_jira_comments and n.kind not in PERSONAL:
        now_units += [f"jira_comment:{key}" for key in n.jira_issues]
    if settings.notify_hubspot_tasks and n.kind in ("opened", "escalated") and n.severity == "critical" and n.goal:
        now_units.append(f"hubspot_task:{n.campaign}")
    return now_units, later


MENTION = re.compile(r"^<(@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)>$")
"""A Slack user or user-group mention (`<@U024BE7LH>`, `<!subteam^SAZ94GDB8>`): the only markup a handle may be."""


def mention(handle: str) -> str:
    """A handle from `TANDEM_PEOPLE` as it goes into Slack: a real mention as it is, anything else escaped."""
    return handle if MENTION.match(handle) else mrkdwn(" ".join(handle.split()))


def mention_blocks(n: Notification) -> list[dict[str, Any]]:
    """A context block mentioning the recipients who have a Slack handle in `TANDEM_PEOPLE`."""
    handles = sorted({mention(h) for p in [*n.recipients, *n.unreachable] if (h := DIRECTORY.slack_handle(p))})
    if not handles:
        return []
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": "cc " + " ".join(handles)}]}]


def slack_metadata(n: Notification, at: datetime) -> dict[str, Any]:
    """Message metadata (Slack's `metadata` field) saying which notification a post is."""
    payload = {"key": n.key, "kind": n.kind, "rule": n.rule, "campaign": n.campaign, "at": at.isoformat()}
    return {"event_type": "tandem_notification", "event_payload": {k: v for k, v in payload.items() if v}}


def _audience(n: Notification, unit: str, now: datetime) -> list[Person]:
    if unit == "email":
        return [p for p in mailable(n) if quiet_until(p, now) is None]
    who = unit.split(":", 1)[1]
    return [p for p in mailable(n) if identity(p) == who]


async def send_unit(n: Notification, unit: str, at: datetime) -> None:
    rendered = render(n, settings.dashboard_url)
    channel, _, target = unit.partition(":")
    if channel == "email":
        await email.send(build_message(n, rendered, _audience(n, unit, at), settings.smtp_from, at))
    elif channel == "slack":
        blocks = rendered.slack_blocks + mention_blocks(n)
        await slack.send(target, rendered.slack_text, blocks, metadata=slack_metadata(n, at))
    elif channel == "jira_comment":
        from connectors.notify.vendors import comment_on_jira

        await comment_on_jira(settings, target, n, rendered)
    elif channel == "hubspot_task":
        from connectors.notify.vendors import task_in_hubspot

        await task_in_hubspot(settings, n, rendered)
    else:
        raise ChannelError(f"unknown delivery channel {channel!r}")


async def record(n: Notification, unit: str, delivery: Delivery) -> None:
    """Keep how far a unit got, in the table (for this agent) and on `deliveries` (for the dashboard)."""
    deliveries[f"{n.key}|{unit}"] = delivery
    outcome = DeliveryOutcome(
        key=n.key,
        unit=unit,
        state=delivery.state,
        at=delivery.at,
        attempts=delivery.attempts,
        error=delivery.error,
        kind=n.kind,
        campaign=n.campaign,
    )
    await topics.deliveries.send(key=f"{n.key}|{unit}", value=outcome)


async def deliver(n: Notification, unit: str, at: datetime, message: Any) -> None:
    key = f"{n.key}|{unit}"
    known = deliveries.get(key)
    step = next_step(known.state if known is not None else None, unit)
    if step == "skip":
        return
    if step == "mark_unknown" and known is not None:
        # Interrupted between calling the channel and recording the outcome: it may have gone out.
        await record(n, unit, known.derive(state="unknown"))
        log.warning("delivery %s was interrupted; not sending it again", key)
        return
    if known is not None:
        log.info("delivery %s was interrupted; sending it again (the channel drops a repeat)", key)
    await record(n, unit, Delivery(state="sending", at=at))
    await app.producer.flush()  # the intent is in Kafka before anything leaves
    attempts = 0
    try:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(ChannelError),
            stop=give_up(ATTEMPTS, settings.outage_patience_seconds, f"delivery {key}"),
            wait=pause(multiplier=0.5, short_max=8.0),
            reraise=True,
        ):
            with attempt:
                attempts += 1
                await send_unit(n, unit, at)
    except WriteUnsure as exc:
        # Sent, and no answer came (a Slack post or HubSpot task timed out): it may be there, and the far end
        # cannot drop a repeat, so it is settled like a send interrupted by a crash.
        await record(n, unit, Delivery(state="unknown", at=at, attempts=attempts, error=redact(str(exc))[:2000]))
        log.warning("delivery %s may have gone out (%s); not sending it again", key, redact(str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - retried (ChannelError) or not: this unit fails, the others go on
        error = redact(f"{type(exc).__name__}: {exc}" if not isinstance(exc, ChannelError) else str(exc))[:2000]
        await record(n, unit, Delivery(state="failed", at=at, attempts=attempts, error=error))
        await deadletter.send_to_dlq(message, f"delivery:{channel_of(unit)}", exc)
        return
    await record(n, unit, Delivery(state="sent", at=at, attempts=attempts))


async def take_notification(event: Any) -> None:
    n = decode(Notification, event.value)
    now = n.at  # delivered as of its cause; only what waits for quiet hours goes out at a later tick
    ready, later = units(n, now)
    if later:
        partition = str(event.message.partition)
        waiting = pending.get(partition) or PendingDeliveries()
        known = {(entry.notification.key, entry.unit) for entry in waiting.entries}
        fresh = [
            PendingDelivery(unit=unit, due=due, notification=n) for unit, due in later if (n.key, unit) not in known
        ]
        pending[partition] = waiting.derive(entries=[*waiting.entries, *fresh])
    await _all(deliver(n, unit, now, event.message) for unit in ready)
    for person in n.unreachable:
        log.warning(
            "%s %s: %s has no email address (set TANDEM_PEOPLE)", n.kind, n.key, shown(person.name or person.id)
        )
    if settings.notify_email:
        for person, why in refused_addresses(n):
            log.warning(
                "%s %s: not emailing %s: the address %s is refused (%s); fix it in its tool or set TANDEM_PEOPLE",
                n.kind,
                n.key,
                shown(person.name or person.id),
                shown(person.email or ""),
                shown(why, 200),
            )


async def take_tick(event: Any) -> None:
    tick = decode(Tick, event.value)
    partition = str(event.message.partition)
    waiting = pending.get(partition) or PendingDeliveries()
    due = [entry for entry in waiting.entries if entry.due <= tick.now]
    if not due:
        return
    # Each goes out as of the end of its quiet hours (the tick only notices that time has come). They leave
    # the waiting list only afterwards: `deliver` flushes the table changelogs, and a worker killed after a
    # flush that had already dropped them would, on processing the tick again, no longer find them.
    await _all(deliver(entry.notification, entry.unit, entry.due, event.message) for entry in due)
    waiting = pending.get(partition) or PendingDeliveries()
    pending[partition] = waiting.derive(entries=[entry for entry in waiting.entries if entry.due > tick.now])


async def _all(jobs: Any) -> None:
    await asyncio.gather(*jobs)


async def take(event: Any) -> None:
    handler: Callable[[Any], Awaitable[None]] = (
        take_tick if event.message.topic == topics.delivery_ticks.get_topic_name() else take_notification
    )
    await handler(event)


@app.agent(topics.delivery_inputs, name="delivery")
async def delivery_agent(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "delivery", take)
