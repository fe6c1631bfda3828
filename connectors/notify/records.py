"""What the delivery agent keeps in its tables: how far each delivery unit got, and what waits for quiet
hours (values are records, so they survive in changelog topics)."""

from __future__ import annotations

from datetime import datetime

from streams.records import Notification, TandemRecord


class Delivery(TandemRecord):
    """How far one delivery unit (notification key | channel target) got: sending, sent, failed, unknown."""

    state: str
    at: datetime
    attempts: int = 0
    error: str | None = None


class PendingDelivery(TandemRecord):
    """A delivery unit waiting for its recipient's quiet hours to end."""

    unit: str
    due: datetime
    notification: Notification


class PendingDeliveries(TandemRecord):
    """The delivery units of one partition waiting for quiet hours to end."""

    entries: list[PendingDelivery] = []
