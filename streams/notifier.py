"""Signals into notifications (docs/rules.md, Alerts): the notifier agent.

Each signal record that should be announced becomes one `Notification` on `tandem.notifications`, keyed
by its idempotency key (signal episode and action, or the goal's win), with its audience resolved.
The delivery agent (`connectors.notify.agent`) takes it from there.
"""

from __future__ import annotations

from typing import Any

from streams import deadletter, topics
from streams.app import app, settings
from streams.records import SignalRecord, decode
from streams.rules.audience import notification_for
from tandem.people import Directory

DIRECTORY = Directory(settings.people)


async def take(event: Any) -> None:
    signal = decode(SignalRecord, event.value)
    notification = notification_for(signal, DIRECTORY)
    if notification is not None:
        await topics.notifications.send(key=notification.key, value=notification)


@app.agent(topics.signals_in, name="notifier")
async def notifier(stream: Any) -> None:
    async for event in stream.events():
        await deadletter.process(event, "notifier", take)
